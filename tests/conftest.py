"""Shared test setup: ``orch`` importable from ``src/`` and guards that keep tests from leaking state.

The guards restore ``os.environ`` and the current folder after every test, so a test that changes
either cannot change the outcome of the next one. The ``project`` fixture (``tests/orch_project.py``)
writes a project and runs orch there: ``project({"tox.ini": ...}).run("run", "-e", "py")``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orch_project import orch_cache as orch_cache
from orch_project import project as project

if importlib.util.find_spec("orch") is None:  # a checkout not installed with `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def _restore_cwd() -> Iterator[None]:
    saved = Path.cwd()
    yield
    if Path.cwd() != saved:
        os.chdir(saved)
