"""The process runner, with real processes: exit codes, output routing, timeouts, Ctrl-C, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import orch
from orch.execute import Outcome, Request, Status, cancel_scope, capture, execute
from orch.execute import run as run_module

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="process groups and signals are POSIX")

# Writes the PIDs of two background sleeps and of the shell itself to "$1", atomically, then waits.
GROUP_SCRIPT = (
    'sleep 100 & echo $! > "$1.tmp"; sleep 100 & echo $! >> "$1.tmp"; echo $$ >> "$1.tmp"; mv "$1.tmp" "$1"; wait'
)


def python(tmp_path: Path, code: str, **options: Any) -> Request:
    return Request((sys.executable, "-c", textwrap.dedent(code)), tmp_path, dict(os.environ), **options)


def gone(pid: int) -> bool:
    """No such process, or only a zombie (this sandbox's PID 1 does not reap orphans)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:  # no /proc (macOS): alive; or it vanished just now, which the next look sees
        return not Path("/proc").is_dir()


def assert_all_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 5  # reaping takes a moment
    while not all(gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in pids if not gone(pid)] == []


def read_pids(path: Path, within: float = 20.0) -> list[int]:
    deadline = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < deadline, "the shell never wrote its PIDs"
        time.sleep(0.02)
    return [int(line) for line in path.read_text().split()]


@pytest.mark.parametrize("code", [0, 1, 3])
def test_exit_code(tmp_path: Path, code: int) -> None:
    outcome = execute(python(tmp_path, f"raise SystemExit({code})"))
    assert (outcome.status, outcome.exit_code, outcome.ok) == (Status.EXITED, code, code == 0)
    assert outcome.pid is not None
    assert outcome.duration > 0


@posix_only
def test_death_by_signal_is_128_plus_n(tmp_path: Path) -> None:
    outcome = execute(python(tmp_path, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    assert (outcome.status, outcome.exit_code) == (Status.EXITED, 128 + signal.SIGKILL)


def test_stdout_and_stderr_merged_in_order(tmp_path: Path) -> None:
    code = """
        import sys
        for i in range(3):
            print(f"out{i}", flush=True)
            print(f"err{i}", file=sys.stderr, flush=True)
    """
    outcome = execute(python(tmp_path, code))
    assert outcome.text.splitlines() == ["out0", "err0", "out1", "err1", "out2", "err2"]


def test_log_appended_across_runs_and_folder_created(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "py311" / "1-commands.log"
    execute(python(tmp_path, "print('one')", log=log))
    execute(python(tmp_path, "print('two')", log=log))
    assert log.read_bytes().splitlines() == [b"one", b"two"]


def test_on_output_gets_complete_lines_and_the_last_partial_one(tmp_path: Path) -> None:
    code = """
        import sys, time
        out = sys.stdout.buffer
        for piece in (b"ab", b"c\\nde\\n\\nf", b"g"):
            out.write(piece)
            out.flush()
            time.sleep(0.05)
    """
    lines: list[bytes] = []
    outcome = execute(python(tmp_path, code, on_output=lines.append))
    assert lines == [b"abc\n", b"de\n", b"\n", b"fg"]
    assert outcome.tail == b"abc\nde\n\nfg"


def test_on_output_gets_a_very_long_line_in_pieces(tmp_path: Path) -> None:
    lines: list[bytes] = []
    execute(python(tmp_path, "import sys; sys.stdout.write('y' * 3_000_000 + '\\nz')", on_output=lines.append))
    assert b"".join(lines) == b"y" * 3_000_000 + b"\nz"
    assert len(lines) > 2


def test_failing_on_output_is_raised_after_the_process_ended(tmp_path: Path) -> None:
    def explode(line: bytes) -> None:
        raise ValueError(line)

    marker = tmp_path / "finished"
    code = f"print('x' * 100_000, flush=True); print('more' * 100_000); open({str(marker)!r}, 'w').close()"
    with pytest.raises(ValueError):
        execute(python(tmp_path, code, on_output=explode))
    assert marker.exists()  # the pipe kept being drained, so the child did not block


def test_tail_is_bounded_and_the_log_has_everything(tmp_path: Path) -> None:
    code = """
        import sys
        block = (b"x" * 1023 + b"\\n") * 1024
        for _ in range(50):
            sys.stdout.buffer.write(block)
        sys.stdout.buffer.write(b"end\\n")
    """
    log = tmp_path / "big.log"
    tracemalloc.start()
    try:
        outcome = execute(python(tmp_path, code, log=log, keep_tail=1000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.ok
    assert len(outcome.tail) == 1000
    assert outcome.tail.endswith(b"x\nend\n")
    assert log.stat().st_size == 50 * 1024 * 1024 + 4
    assert peak < 4 * 1024 * 1024  # 50 MB went through, a few chunks stayed


def test_missing_executable(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    outcome = execute(Request((str(tmp_path / "nope"), "--version"), tmp_path, dict(os.environ), log=log))
    assert (outcome.status, outcome.exit_code, outcome.ok) == (Status.NOT_FOUND, None, False)
    assert outcome.text.startswith(f"cannot run {tmp_path / 'nope'}: ")
    assert "\n" not in outcome.text
    assert log.read_text() == f"orch: {outcome.text}\n"


def test_missing_executable_is_looked_up_on_the_request_path(tmp_path: Path) -> None:
    outcome = execute(Request(("python",), tmp_path, {"PATH": str(tmp_path)}))
    assert outcome.status is Status.NOT_FOUND


@posix_only
def test_file_that_is_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    outcome = execute(Request((str(script),), tmp_path, dict(os.environ)))
    assert outcome.status is Status.NOT_FOUND
    assert "ermission denied" in outcome.text


def test_missing_working_folder_and_empty_command(tmp_path: Path) -> None:
    outcome = execute(Request((sys.executable, "-V"), tmp_path / "missing", dict(os.environ)))
    assert outcome.status is Status.NOT_FOUND
    assert str(tmp_path / "missing") in outcome.text
    assert execute(Request((), tmp_path, {})).status is Status.NOT_FOUND


def test_env_is_passed_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_TEST_LEAKED", "1")
    env = {"PATH": os.environ.get("PATH", ""), "ORCH_TEST_GIVEN": "yes"}
    if "SYSTEMROOT" in os.environ:  # Windows needs it to start Python at all
        env["SYSTEMROOT"] = os.environ["SYSTEMROOT"]
    code = "import os; print(os.environ.get('ORCH_TEST_GIVEN'), os.environ.get('ORCH_TEST_LEAKED'))"
    outcome = execute(Request((sys.executable, "-c", code), tmp_path, env))
    assert outcome.text.split() == ["yes", "None"]


def test_cwd_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    outcome = execute(python(tmp_path / "sub", "import os; print(os.getcwd())"))
    assert Path(outcome.text.strip()).resolve() == (tmp_path / "sub").resolve()


@posix_only
def test_timeout_interrupts_first(tmp_path: Path) -> None:
    code = "import signal, time; signal.signal(signal.SIGINT, signal.default_int_handler); time.sleep(100)"
    outcome = execute(python(tmp_path, code, timeout=0.5))
    assert (outcome.status, outcome.exit_code) == (Status.TIMEOUT, 128 + signal.SIGINT)
    assert outcome.duration < 30


@posix_only
def test_timeout_terminates_a_child_that_ignores_sigint(tmp_path: Path) -> None:
    code = """
        import signal, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(100)
    """
    outcome = execute(python(tmp_path, code, timeout=1.5))
    assert b"ready" in outcome.tail
    assert (outcome.status, outcome.exit_code) == (Status.TIMEOUT, 128 + signal.SIGTERM)
    assert outcome.duration < 30


@posix_only
def test_timeout_kills_a_child_that_ignores_sigint_and_sigterm(tmp_path: Path) -> None:
    code = """
        import signal, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(100)
    """
    outcome = execute(python(tmp_path, code, timeout=1.5))
    assert b"ready" in outcome.tail
    assert (outcome.status, outcome.exit_code) == (Status.TIMEOUT, 128 + signal.SIGKILL)
    assert outcome.duration < 30


@posix_only
def test_timeout_leaves_no_process_of_the_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    outcome = execute(Request(("/bin/sh", "-c", GROUP_SCRIPT, "sh", str(pids)), tmp_path, dict(os.environ), timeout=1))
    assert outcome.status is Status.TIMEOUT
    assert outcome.duration < 30
    children = read_pids(pids, within=0)
    assert children[2] == outcome.pid
    assert_all_gone(children)


@posix_only
def test_cancel_event_interrupts(tmp_path: Path) -> None:
    cancel = threading.Event()

    def on_output(line: bytes) -> None:
        if line == b"ready\n":
            cancel.set()

    code = """
        import signal, time
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("ready", flush=True)
        time.sleep(100)
    """
    outcome = execute(python(tmp_path, code, on_output=on_output, cancel=cancel))
    assert (outcome.status, outcome.exit_code) == (Status.INTERRUPTED, 128 + signal.SIGINT)
    assert outcome.duration < 30


@posix_only
def test_a_cancel_scope_reaches_requests_made_without_a_cancel(tmp_path: Path) -> None:
    """An installer deep inside a backend builds its own Request; the scope's event still stops it."""
    scope = threading.Event()
    own = threading.Event()

    def on_output(line: bytes) -> None:
        if line == b"ready\n":
            scope.set()

    code = """
        import time
        print("ready", flush=True)
        time.sleep(100)
    """
    with cancel_scope(scope):
        stopped = execute(python(tmp_path, code, on_output=on_output))
        kept = execute(python(tmp_path, "print('done')", cancel=own))  # its own event wins over the scope's
    assert stopped.status is Status.INTERRUPTED
    assert kept.status is Status.EXITED
    outside = execute(python(tmp_path, "print('done')"))
    assert outside.request.cancel is None


@posix_only
def test_leftover_process_holding_the_output_does_not_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "_DRAIN_TIMEOUT", 0.2)
    pid_file = tmp_path / "pid"
    script = 'sleep 100 & echo $! > "$1"; echo bye'
    outcome: Outcome | None = None
    try:
        outcome = execute(Request(("/bin/sh", "-c", script, "sh", str(pid_file)), tmp_path, dict(os.environ)))
    finally:
        leftover = read_pids(pid_file)[0]
        os.kill(leftover, signal.SIGKILL)
    assert outcome is not None
    assert (outcome.status, outcome.exit_code, outcome.tail) == (Status.EXITED, 0, b"bye\n")
    assert outcome.duration < 30


@posix_only
def test_ctrl_c_stops_the_group_then_raises(tmp_path: Path) -> None:
    driver = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from orch.execute import Request, execute
        signal.signal(signal.SIGINT, signal.default_int_handler)
        execute(Request(("/bin/sh", "-c", {GROUP_SCRIPT!r}, "sh", sys.argv[1]), Path.cwd(), dict(os.environ)))
        print("execute returned")
        """
    )
    pids = tmp_path / "pids"
    env = {**os.environ, "PYTHONPATH": str(Path(orch.__file__).parents[1])}
    with subprocess.Popen(
        [sys.executable, "-c", driver, str(pids)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        try:
            children = read_pids(pids)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert b"execute returned" not in out
    assert b"KeyboardInterrupt" in err
    assert proc.returncode == -signal.SIGINT  # Python dies of an uncaught KeyboardInterrupt by SIGINT: 130
    assert_all_gone(children)


def test_capture_keeps_the_whole_output_and_uses_the_current_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORCH_TEST_PROBE", "seen")
    monkeypatch.chdir(tmp_path)
    code = "import os, sys; print(os.getcwd()); print(os.environ['ORCH_TEST_PROBE']); sys.stdout.write('z' * 300_000)"
    outcome = capture([sys.executable, "-c", code])
    assert outcome.ok
    cwd, value, rest = outcome.text.split("\n")
    assert (Path(cwd).resolve(), value, rest) == (tmp_path.resolve(), "seen", "z" * 300_000)
    assert outcome.request.log is None


def test_capture_with_env_and_timeout(tmp_path: Path) -> None:
    env = {**os.environ, "ORCH_TEST_PROBE": "given"}
    assert capture((sys.executable, "-c", "import os; print(os.environ['ORCH_TEST_PROBE'])"), env=env).text == "given\n"
    outcome = capture([sys.executable, "-c", "import time; time.sleep(100)"], timeout=0.5)
    assert outcome.status is Status.TIMEOUT
    assert outcome.duration < 30


@pytest.mark.skipif(not hasattr(os, "pidfd_open") or not Path("/proc/self/fd").is_dir(), reason="pidfd: Linux")
def test_a_wait_with_a_cancel_event_and_a_timeout_is_woken_by_the_exit_not_by_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: ``Popen.wait(timeout)`` polls, sleeping up to 50 ms between looks, so an ended ``-p`` command
    was noticed late. With a pidfd the exit itself wakes the wait (checking the cancel event every 0.1 s),
    the process is reaped by one blocking ``wait()``, and the pidfd is closed afterwards."""
    execute(python(tmp_path, "pass"))  # the watchdog's pipe, opened with the first process, is not a leak
    waits: list[float | None] = []
    real_wait = subprocess.Popen.wait

    def recording_wait(proc: subprocess.Popen[bytes], timeout: float | None = None) -> int:
        waits.append(timeout)
        return real_wait(proc, timeout)

    monkeypatch.setattr(subprocess.Popen, "wait", recording_wait)
    before = set(os.listdir("/proc/self/fd"))
    outcome = execute(python(tmp_path, "import time; time.sleep(0.35)", cancel=threading.Event(), timeout=60))
    assert outcome.status is Status.EXITED
    assert waits and all(timeout is None for timeout in waits)  # never a polling wait, though 0.1 s slices passed
    assert set(os.listdir("/proc/self/fd")) <= before


def test_a_timeout_longer_than_poll_can_wait_lets_the_command_end(tmp_path: Path) -> None:
    """Review of issue 15: poll() takes at most 2**31-1 ms (about 24.8 days); a longer ``command_timeout``
    raised OverflowError before the command ended, and left it running."""
    outcome = execute(python(tmp_path, "print('done')", timeout=3_000_000.0))
    assert (outcome.status, outcome.exit_code) == (Status.EXITED, 0)
