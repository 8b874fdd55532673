"""Tests that compare orch with the installed tox need a tox as new as the one their expectations came from.

orch follows tox 4.67 (the compat corpora, the fuzz oracle, the reports were checked against it). On
older Pythons pip resolves an older tox (at the time of writing 4.30 on 3.9: no ``tox config --format
json``, fewer native-TOML details, no ``skipped`` in ``--result-json``; 4.65 on 3.10, whose factor
expansion and tox.ini reading still differ), which disagrees with orch where tox 4.67 agrees. Such tests
are skipped there, with both versions in the reason; where tox 4.67+ installs (3.11+) they run.
"""

from __future__ import annotations

import importlib.metadata
import sys

import pytest
from packaging.version import Version

ORACLE_TOX = Version("4.67")  # the tox the corpora were made with (shared/compat/README.md)


def installed_tox() -> Version | None:
    """The installed tox's version, or None when tox is not installed."""
    try:
        return Version(importlib.metadata.version("tox"))
    except importlib.metadata.PackageNotFoundError:
        return None


def why_not_oracle() -> str | None:
    """Why the installed tox cannot be the oracle (not installed, older than ``ORACLE_TOX``), or None."""
    found = installed_tox()
    if found is None:
        return "tox is not installed"
    if found < ORACLE_TOX:
        python = f"{sys.version_info[0]}.{sys.version_info[1]}"
        return f"compares with tox >= {ORACLE_TOX}; tox {found} is installed (pip's pick on Python {python})"
    return None


needs_oracle_tox = pytest.mark.skipif(why_not_oracle() is not None, reason=why_not_oracle() or "")
