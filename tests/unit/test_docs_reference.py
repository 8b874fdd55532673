"""The generated reference pages are committed; they must match the code that generates them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "gen_reference.py"


def test_reference_pages_are_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    spec = importlib.util.spec_from_file_location("gen_reference", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gen_reference", module)
    spec.loader.exec_module(module)
    stale = []
    for path, text in module.pages().items():
        committed = path.read_text(encoding="utf-8")
        if path.name == "cli.md" and f"python {module.PY} -->" not in committed:
            continue  # argparse lays out help differently on other Python versions
        if committed != text:
            stale.append(str(path))
    assert not stale, f"run `python tools/gen_reference.py`: {stale} out of date"
