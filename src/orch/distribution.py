"""orch's distribution: the name it installs by, and what its extras need.

The command and the import package are ``orch``, but the name ``orch`` on PyPI belongs to an
unrelated project, so orch is distributed as ``orch-tox``. Every message and every generated file
that tells someone to install orch takes the name from here.
"""

from __future__ import annotations

import platform
import sys

from orch import __version__

DISTRIBUTION = "orch-tox"

# Packages of the conda extra that are installed only on newer Pythons (their markers in
# pyproject.toml): on an older one the extra installs without them.
# whl2conda: 25, the newest on 3.9, writes every build as py_0 (so rebuilds collide) and has no conda_target.
_CONDA_EXTRA_MINIMUM = {"py-rattler": (3, 10), "py-rattler-build": (3, 10), "whl2conda": (3, 10)}


def pinned() -> str:
    """The requirement for this very version of orch: ``orch-tox==X.Y.Z``."""
    return f"{DISTRIBUTION}=={__version__}"


def install_hint(extra: str = "") -> str:
    """``pip install 'orch-tox[EXTRA]'`` (``pip install orch-tox`` without an extra)."""
    return f"pip install '{DISTRIBUTION}[{extra}]'" if extra else f"pip install {DISTRIBUTION}"


def conda_extra_hint(package: str, running: tuple[int, int] | None = None) -> str:
    """How to get ``package`` of the conda extra, for the Python orch runs on (``running``: a
    ``(major, minor)`` to say it for instead): the pip command, or, where the extra leaves the
    package out, the Python it needs."""
    major, minor = running or (sys.version_info[0], sys.version_info[1])
    needed = _CONDA_EXTRA_MINIMUM.get(package)
    if needed is not None and (major, minor) < needed:
        here = platform.python_version() if running is None else f"{major}.{minor}"
        return (
            f"{package} needs Python {needed[0]}.{needed[1]} or newer and this orch runs on Python {here}: "
            f"install '{DISTRIBUTION}[conda]' with a newer Python"
        )
    return install_hint("conda")
