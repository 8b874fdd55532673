"""A tiny package for orch's matrix example."""

from __future__ import annotations

import os
import sys


def where() -> str:
    """Which Python and which kind of environment this runs in."""
    kind = "conda" if os.environ.get("CONDA_PREFIX") else "venv"
    return f"{kind} {sys.version_info[0]}.{sys.version_info[1]}"
