"""Tests that compare orch with the installed tox need a tox as new as the one their expectations came from.

orch follows tox 4.67 (the compat corpora, the fuzz oracle, the reports were checked against it). On
Python 3.9 pip resolves an older tox (4.30 at the time of writing: no ``tox config --format json``,
fewer native-TOML details, no ``skipped`` in ``--result-json``), which disagrees with orch where newer
tox agrees. Such tests are skipped there, with the versions in the reason; on 3.10+ they run.
"""

from __future__ import annotations

import importlib.metadata

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
        return f"compares with tox >= {ORACLE_TOX}; tox {found} is installed (pip's pick on Python 3.9)"
    return None


needs_oracle_tox = pytest.mark.skipif(why_not_oracle() is not None, reason=why_not_oracle() or "")
