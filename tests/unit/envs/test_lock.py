"""The env locks (orch.envs.lock) between two holders in one process: flock locks of separate open
files conflict like those of two processes."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from orch.envs import lock
from orch.envs.api import EnvSetupError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no shared lock on Windows")


def test_a_run_alone_may_empty_the_env_and_one_sharing_it_may_not(tmp_path: Path) -> None:
    env = tmp_path / "py"
    first, second = lock.EnvLock(env, "py"), lock.EnvLock(env, "py")
    with first.setting_up(print):
        pass
    with first.alone() as alone:
        assert alone
    with second.setting_up(print):  # a reuse: no waiting for the first run's commands
        pass
    with first.alone() as alone:
        assert not alone
    second.release()
    with first.alone() as alone:
        assert alone
    first.release()


def test_a_change_waits_for_the_runs_using_the_env(tmp_path: Path) -> None:
    env = tmp_path / "py"
    user = lock.EnvLock(env, "py")
    with user.setting_up(print):
        pass
    notes: list[str] = []
    changed = threading.Event()

    def recreate() -> None:
        with lock.session(), lock.setting_up(env, "py", notes.append):
            lock.before_change(env)
            changed.set()

    thread = threading.Thread(target=recreate)
    thread.start()
    assert not changed.wait(0.5)  # still waiting (a bound, not a measure: it must not happen at all)
    user.release()
    thread.join(timeout=30)
    assert changed.is_set()
    assert any("waiting for the other orch runs using py" in note for note in notes), notes


def test_a_folder_in_place_of_the_lock_file_is_a_setup_error(tmp_path: Path) -> None:
    env = tmp_path / "py"
    Path(f"{env}.lock").mkdir()
    folder = r"py\.lock is a folder, not orch's lock file"
    with pytest.raises(EnvSetupError, match=folder), lock.setting_up(env, "py", print):
        pass
