"""Fixtures for config tests; the loading itself lives in ``_project.py``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _project import load_file

from orch.config.project import Config


@pytest.fixture
def load_project() -> Callable[[Path, str], Config]:
    """Load the config file ``name`` of the project in ``root`` with a fixed, minimal environment."""

    def load(root: Path, name: str) -> Config:
        environ = {"PATH": "/usr/bin:/bin", "HOME": str(root / "home"), "LANG": "C.UTF-8"}
        return load_file(root, Path(name), environ=environ)

    return load
