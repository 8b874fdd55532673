"""orch leaves without the interpreter's teardown, but not without what a normal exit does (orch.cli.main.leave)."""

from __future__ import annotations

import subprocess
import sys


def _leave(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)


def test_atexit_functions_run_buffered_output_is_flushed_and_the_code_is_kept() -> None:
    done = _leave(
        "import atexit, sys\n"
        "from orch.cli.main import leave\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        "print('buffered', end=' ')\n"
        "sys.stderr.write('err')\n"
        "leave(3)\n"
    )
    assert (done.returncode, done.stdout, done.stderr) == (3, "buffered atexit ran\n", "err")


def test_a_thread_still_running_gets_the_normal_exit() -> None:
    done = _leave(
        "import threading, time\n"
        "from orch.cli.main import leave\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread finished'))).start()\n"
        "leave(4)\n"
    )
    assert (done.returncode, done.stdout) == (4, "thread finished\n")
