"""orch.envs.prefetch: the names kept for a cold install's revalidation at once, by requirements and index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orch.envs import prefetch
from orch.envs.resolutions import plan

PY = "/usr/bin/python3.9"  # a base interpreter's real path


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ORCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_names_are_kept_by_requirements_and_index_and_add_up(tmp_path: Path) -> None:
    pytest_plan = plan(["pytest"], {}, tmp_path)
    assert pytest_plan is not None
    assert prefetch.names(pytest_plan, PY) == frozenset()
    prefetch.remember(pytest_plan, PY, {"pytest", "pluggy"})
    prefetch.remember(pytest_plan, PY, {"pytest", "tomli"})  # an install into an existing env took one more
    assert prefetch.names(pytest_plan, PY) == {"pytest", "pluggy", "tomli"}
    assert prefetch.names(pytest_plan, "/usr/bin/python3.13") == frozenset()  # another Python: its own names
    for other in (plan(["pytest", "mock"], {}, tmp_path), plan(["pytest"], {"UV_INDEX_URL": "https://x"}, tmp_path)):
        assert other is not None and prefetch.names(other, PY) == frozenset()
    prefetch.forget(pytest_plan, PY)
    assert prefetch.names(pytest_plan, PY) == frozenset()


def test_the_index_settings_are_not_written(tmp_path: Path, cache: Path) -> None:
    """The key is a digest: an index URL's password stays out of the cache file."""
    secret = plan(["pytest"], {"UV_INDEX_URL": "https://user:s3cret-token@example.com/simple"}, tmp_path)
    assert secret is not None
    prefetch.remember(secret, PY, {"pytest"})
    text = (cache / prefetch.FILE).read_text(encoding="utf-8")
    assert "s3cret" not in text and "example.com" not in text and "pytest" in text


def test_local_wheels_are_not_kept_and_old_sets_go_first(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(b"")
    with_wheel = plan(["pytest", str(wheel)], {}, tmp_path)
    assert with_wheel is not None
    prefetch.remember(with_wheel, PY, {"pytest", "pkg"})
    assert prefetch.names(with_wheel, PY) == {"pytest"}

    monkeypatch.setattr(prefetch, "_KEEP", 2)
    plans = [plan([name], {}, tmp_path) for name in ("a", "b", "c")]
    for each in plans:
        assert each is not None
        prefetch.remember(each, PY, {"x"})
    assert [bool(prefetch.names(each, PY)) for each in plans if each is not None] == [False, True, True]


def test_a_damaged_file_is_read_as_nothing_kept(tmp_path: Path, cache: Path) -> None:
    cache.mkdir(parents=True)
    (cache / prefetch.FILE).write_text("[1, 2", encoding="utf-8")
    one = plan(["pytest"], {}, tmp_path)
    assert one is not None
    assert prefetch.names(one, PY) == frozenset()
    prefetch.remember(one, PY, {"pytest"})  # and is replaced
    assert prefetch.names(one, PY) == {"pytest"}
    key = next(iter(json.loads((cache / prefetch.FILE).read_text(encoding="utf-8"))))
    (cache / prefetch.FILE).write_text(f'{{"{key}": [1, "pytest"]}}', encoding="utf-8")  # not all names
    assert prefetch.names(one, PY) == frozenset()
    prefetch.remember(one, PY, {"pluggy"})
    assert prefetch.names(one, PY) == {"pytest", "pluggy"}
