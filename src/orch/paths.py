"""Where orch keeps things outside the project."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """orch's cache folder (interpreter facts, build envs, virtualenv's app data):
    ``$ORCH_CACHE_DIR``, else ``%LOCALAPPDATA%/orch`` on Windows, else ``$XDG_CACHE_HOME/orch``,
    else ``~/.cache/orch``."""
    environ = os.environ if environ is None else environ
    if environ.get("ORCH_CACHE_DIR"):
        return Path(environ["ORCH_CACHE_DIR"])
    if sys.platform == "win32" and environ.get("LOCALAPPDATA"):
        return Path(environ["LOCALAPPDATA"]) / "orch"
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]) / "orch"
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    return home / ".cache" / "orch"
