"""Shared test setup: ``orch`` importable from ``src/`` and guards that keep tests from leaking state.

The guards restore ``os.environ`` and the current folder after every test, so a test that changes
either cannot change the outcome of the next one.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
