"""virtualenv's table of embedded wheels (BUNDLE_SUPPORT), read from its module's source and kept in orch's
cache with the module's stat (orch.envs.seed): what a cache file of another shape or version does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orch.envs import seed

MODULE = 'BUNDLE_SUPPORT = {"3.12": {"pip": "pip-25.0-py3-none-any.whl"}}\nBUNDLE_FOLDER = "x"\n'
TABLE = {"3.12": {"pip": "pip-25.0-py3-none-any.whl"}}


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ORCH_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "embed" / "__init__.py"
    path.parent.mkdir()
    path.write_text(MODULE, encoding="utf-8")
    return path


def kept(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "virtualenv-wheels.json"


def test_the_table_is_parsed_once_then_read_from_the_cache(source: Path, tmp_path: Path) -> None:
    assert seed._literal_table(source) == TABLE
    cached = json.loads(kept(tmp_path).read_text(encoding="utf-8"))
    assert cached["table"] == TABLE
    cached["table"] = {"3.12": {"pip": "from-the-cache.whl"}}  # the stat still matches: the file is not parsed
    kept(tmp_path).write_text(json.dumps(cached), encoding="utf-8")
    assert seed._literal_table(source) == {"3.12": {"pip": "from-the-cache.whl"}}


@pytest.mark.parametrize(
    "text",
    ["null", "[]", "1", '"x"', "{", '{"format": 1, "table": {"3.12": []}}', '{"format": 99}'],
    ids=["null", "list", "number", "string", "broken", "table-of-lists", "other-format"],
)
def test_a_cache_file_of_another_shape_is_parsed_again_and_replaced(source: Path, tmp_path: Path, text: str) -> None:
    """Review of issue 15: valid JSON that is not orch's (another orch version, a hand edit) raised
    AttributeError on every run; now it is read as missing and rewritten."""
    kept(tmp_path).parent.mkdir(parents=True, exist_ok=True)
    kept(tmp_path).write_text(text, encoding="utf-8")
    if text.startswith('{"format": 1'):  # the key of this very file, a table of the wrong shape
        seed._literal_table(source)
        cached = json.loads(kept(tmp_path).read_text(encoding="utf-8"))
        kept(tmp_path).write_text(json.dumps({**cached, "table": {"3.12": []}}), encoding="utf-8")
    assert seed._literal_table(source) == TABLE
    assert json.loads(kept(tmp_path).read_text(encoding="utf-8"))["table"] == TABLE
