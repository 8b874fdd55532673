"""Which env of a run resolves online (orch.envs.resolutions): an env waits only for an earlier env that
holds its env lock and has not reached its install; one waiting for another process is not waited for.
Real backends, real lock files; no install is started (the wait is all that is checked)."""

from __future__ import annotations

import fcntl
import os
import runpy
import threading
import time
from pathlib import Path

import pytest

from orch.envs import resolutions as resolutions_module
from orch.envs.api import SetupRequest
from orch.envs.resolutions import OnlineResolutions, plan
from orch.envs.virtualenv import VirtualenvBackend

pytestmark = pytest.mark.integration

_helpers = runpy.run_path(str(Path(__file__).with_name("test_virtualenv_backend.py")))
interpreter, env_config = _helpers["interpreter"], _helpers["env_config"]


def test_an_earlier_env_waiting_for_another_process_holds_no_one_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resolutions_module, "EARLIER_WAIT", 600.0)  # a wait would outlast the test
    resolutions = OnlineResolutions()
    resolutions.rank(["first", "second"])
    config = env_config(tmp_path, "deps = six", "first")
    config.env_dir.parent.mkdir(parents=True, exist_ok=True)
    held = os.open(f"{config.env_dir}.lock", os.O_RDWR | os.O_CREAT)  # another orch process sets "first" up
    fcntl.flock(held, fcntl.LOCK_EX)
    notes: list[str] = []
    request = SetupRequest(
        config,
        interpreter("3.11"),
        False,
        tmp_path,
        config.env_log_dir / "setup.log",
        notes.append,
        resolutions=resolutions,
    )
    blocked = threading.Thread(target=lambda: VirtualenvBackend().setup(request), daemon=True)
    blocked.start()
    try:
        deadline = time.monotonic() + 10
        while not any(note.startswith("waiting for another orch") for note in notes) and time.monotonic() < deadline:
            time.sleep(0.01)  # until "first" says it waits for the lock
        assert any(note.startswith("waiting for another orch") for note in notes), notes
        wanted = plan(["six"], {}, tmp_path)
        assert wanted is not None
        answers: list[bool] = []
        second = threading.Thread(target=lambda: answers.append(resolutions.covers(wanted, "second")), daemon=True)
        second.start()
        second.join(30)
        assert answers == [False]  # "second" goes online without waiting for "first"
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)
    blocked.join(60)
    assert (config.env_dir / "pyvenv.cfg").is_file()  # "first" went on once the lock was free
