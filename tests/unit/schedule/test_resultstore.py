"""The result cache's entries on disk: atomic, readable only whole, expiring by age and size."""

from __future__ import annotations

import os
import time
from pathlib import Path

from orch.schedule import resultstore

KEY_A, KEY_B, KEY_C = "a" * 64, "b" * 64, "c" * 64


def test_an_entry_is_read_back_and_a_hit_touches_it(tmp_path: Path) -> None:
    path = resultstore.write(tmp_path, KEY_A, {"env": "py311", "duration": 1.5})
    os.utime(path, (1, 1))
    assert resultstore.read(tmp_path, KEY_B) is None
    data = resultstore.read(tmp_path, KEY_A, touch=True)
    assert data is not None and data["env"] == "py311" and data["key"] == KEY_A
    assert path.stat().st_mtime > time.time() - 60
    assert [p.name for p in resultstore.folder(tmp_path).iterdir()] == [path.name]  # no temporary file left


def test_a_broken_or_foreign_entry_is_a_miss(tmp_path: Path) -> None:
    folder = resultstore.folder(tmp_path)
    folder.mkdir(parents=True)
    (folder / f"{KEY_A}.json").write_text("{half")
    (folder / f"{KEY_B}.json").write_text('{"format": 1, "key": "other"}')
    assert resultstore.read(tmp_path, KEY_A) is None
    assert resultstore.read(tmp_path, KEY_B) is None


def test_expiry_drops_old_entries_then_the_least_recently_used(tmp_path: Path) -> None:
    now = time.time()
    for key, age in ((KEY_A, 40 * 86400), (KEY_B, 10), (KEY_C, 100)):
        path = resultstore.write(tmp_path, key, {"env": "e", "log": "x" * 1000})
        os.utime(path, (now - age, now - age))
    (resultstore.folder(tmp_path) / "notes.txt").write_text("not an entry")
    size = resultstore.entry_path(tmp_path, KEY_B).stat().st_size
    environ = {"ORCH_RESULT_CACHE_MAX_MB": str(1.5 * size / 1024 / 1024)}
    assert resultstore.prune(tmp_path, environ, now=now) == 2  # A: too old; C: over the size, used before B
    assert [e.key for e in resultstore.entries(tmp_path)] == [KEY_B]
    assert (resultstore.folder(tmp_path) / "notes.txt").exists()  # only entries are ever removed


def test_limits_come_from_the_environment_else_the_defaults() -> None:
    assert resultstore.limits({}) == (resultstore.MAX_AGE_DAYS, resultstore.MAX_BYTES)
    assert resultstore.limits({"ORCH_RESULT_CACHE_MAX_AGE_DAYS": "7", "ORCH_RESULT_CACHE_MAX_MB": "1"}) == (7, 1 << 20)
    assert resultstore.limits({"ORCH_RESULT_CACHE_MAX_AGE_DAYS": "soon"})[0] == resultstore.MAX_AGE_DAYS


def test_corrupt_entries_are_listed_as_such_and_expire_first(tmp_path: Path) -> None:
    resultstore.write(tmp_path, KEY_A, {"env": "py311"})
    folder = resultstore.folder(tmp_path)
    (folder / f"{KEY_B}.json").write_text("{half")  # a disk that filled up
    (folder / f"{KEY_C}.json").write_text("[1, 2]")  # not an object
    (folder / f"{'d' * 64}.json").write_bytes(b"\xff\xfe")  # not UTF-8
    (folder / "notes.json").write_text("{half")  # not an entry's name: never orch's to remove
    found = {e.key: e.corrupt for e in resultstore.entries(tmp_path)}
    assert found == {KEY_A: False, KEY_B: True, KEY_C: True, "d" * 64: True}
    assert resultstore.prune(tmp_path, {}) == 3  # however new they are
    assert [e.key for e in resultstore.entries(tmp_path)] == [KEY_A]
    assert (folder / "notes.json").exists()


def test_a_bad_limit_is_warned_about_and_the_default_used() -> None:
    said: list[str] = []
    environ = {"ORCH_RESULT_CACHE_MAX_MB": "abc", "ORCH_RESULT_CACHE_MAX_AGE_DAYS": "-1"}
    assert resultstore.limits(environ, said.append) == (resultstore.MAX_AGE_DAYS, resultstore.MAX_BYTES)
    assert len(said) == 2
    assert "ORCH_RESULT_CACHE_MAX_MB='abc'" in said[1] and "using 200" in said[1]
    said.clear()
    assert resultstore.limits({"ORCH_RESULT_CACHE_MAX_MB": "inf"}, said.append)[1] == resultstore.MAX_BYTES
    assert resultstore.limits({"ORCH_RESULT_CACHE_MAX_MB": " 0.5 "}, said.append)[1] == 1 << 19
    assert len(said) == 1
