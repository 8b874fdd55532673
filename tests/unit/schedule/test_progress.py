"""The record rewritten as envs finish (orch.schedule.session._Progress): in a thread of its own, merged, never
after the final record."""

from __future__ import annotations

import json
import time
from pathlib import Path

from orch.report.record import RunRecord
from orch.schedule.results import EnvResult, EnvStatus
from orch.schedule.session import Plan, _Progress


def _progress(work_dir: Path) -> _Progress:
    return _Progress(["a", "b", "c"], Plan(), RunRecord(work_dir, ["a", "b", "c"]).save)


def test_the_record_is_rewritten_by_the_writer_and_marked_incomplete(tmp_path: Path) -> None:
    progress = _progress(tmp_path)
    progress.save()
    deadline = time.monotonic() + 10
    while progress.saves < 1 and time.monotonic() < deadline:  # the run goes on meanwhile
        time.sleep(0.01)
    record = json.loads((tmp_path / "last-run.json").read_text(encoding="utf-8"))
    assert record["complete"] is False
    assert record["selected"] == ["a", "b", "c"]
    progress.add(EnvResult("a", EnvStatus.OK))
    progress.close()  # the rewrite asked for by add is written or dropped: the run's final record follows
    assert 1 <= progress.saves <= 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last-run.json"]  # no temp file left


def test_nothing_is_written_after_close(tmp_path: Path) -> None:
    progress = _progress(tmp_path)
    progress.close()
    progress.save()
    progress.add(EnvResult("a", EnvStatus.OK))
    progress.close()
    assert progress.saves == 0
    assert not (tmp_path / "last-run.json").exists()


def test_a_result_that_comes_during_the_pause_is_written_after_it(tmp_path: Path) -> None:
    """A rewrite waits out the last one's pause; the result that asked for it is not dropped (a kill -9
    later must find it in the record)."""
    progress = _progress(tmp_path)
    progress.save()
    deadline = time.monotonic() + 10
    while progress.saves < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    progress._next_save = time.monotonic() + 0.3  # as after a slow first write
    progress.add(EnvResult("a", EnvStatus.OK))
    while progress.saves < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    record = json.loads((tmp_path / "last-run.json").read_text(encoding="utf-8"))
    assert record["envs"]["a"]["status"] == "ok"
    progress.close()
