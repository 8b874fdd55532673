"""orch.files.write_atomic: the old file or the new one, never half of one, and no temporary file left."""

from __future__ import annotations

import _thread
import os
import stat
import threading
from pathlib import Path

import pytest

from orch import files
from orch.files import write_atomic


def test_writes_text_and_bytes_and_makes_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "record.json"
    assert write_atomic(target, "{}\n") == target
    assert target.read_text(encoding="utf-8") == "{}\n"
    write_atomic(target, b"\xc3\xa9", fsync=True)
    assert target.read_bytes() == b"\xc3\xa9"
    assert [p.name for p in target.parent.iterdir()] == ["record.json"]


def test_a_folder_in_the_way_keeps_it_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "last-run.json"
    target.mkdir()
    (target / "user-file").write_text("mine")
    with pytest.raises(OSError):
        write_atomic(target, "{}")
    assert (target / "user-file").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last-run.json"]


def test_a_missing_folder_without_make_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomic(tmp_path / "absent" / "x.json", "{}", make_folder=False)


def test_a_stale_temporary_name_is_stepped_over_and_the_file_is_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "record.json"
    stale = tmp_path / f".record-{os.getpid()}-{_thread.get_ident()}-{next(files._SERIAL) + 1}.tmp"
    stale.write_text("left by a dead process with this pid")
    write_atomic(target, "{}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stale.read_text() == "left by a dead process with this pid"  # not ours: kept
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([stale.name, "record.json"])


def test_threads_writing_at_once_each_leave_a_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "record.json"
    texts = [str(n) * 1000 for n in range(8)]
    threads = [threading.Thread(target=write_atomic, args=(target, text)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert target.read_text() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_a_long_name_still_gets_a_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / ("x" * 240 + ".json")
    write_atomic(target, "1")
    assert target.read_text() == "1"
