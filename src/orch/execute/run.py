"""Start a process, stream its output, and stop its whole process group on timeout or Ctrl-C.

With :mod:`orch.execute.watchdog`, the only module in orch that starts processes. Each process
gets its own process group (its own session on POSIX), so a terminal's Ctrl-C reaches orch alone:
orch then stops the group itself, SIGINT → SIGTERM → SIGKILL, and nothing the command started in
that group (on Linux: that session) outlives it. SIGTERM and SIGHUP to orch take the same path
(:mod:`orch.execute.signals`); if orch dies without a teardown (``kill -9``), the watchdog stops
the trees it leaves. A request with ``tty`` or ``colour`` gets its output coloured
(:mod:`orch.execute.terminal`); whatever goes to a log or into the tail is plain text.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from orch.execute import watchdog
from orch.execute.request import Outcome, Request, Status
from orch.execute.scope import scoped_cancel
from orch.execute.terminal import plain

_CHUNK = 64 * 1024  # bytes read from the pipe at a time
_LONG_LINE = 1024 * 1024  # a line longer than this goes to on_output in pieces
_DRAIN_TIMEOUT = 2.0  # seconds to wait for the rest of the output once the process is gone
_POLL = 0.02  # seconds between checks while waiting for a group to go away
_LONGEST_POLL = 3600.0  # seconds one poll() of a pidfd waits at most: the wait loop asks again
_CAPTURE_LIMIT = 64 * 1024 * 1024  # capture() keeps the whole output, up to this much
_CANNOT_RUN = {errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.ENOEXEC}

if sys.platform == "win32":  # no process groups to signal: the child alone, with a console break first
    _NEW_GROUP_FLAG = subprocess.CREATE_NEW_PROCESS_GROUP
    _SIGKILL = signal.SIGTERM
else:
    _NEW_GROUP_FLAG = 0
    _SIGKILL = signal.SIGKILL


def execute(request: Request) -> Outcome:
    """Run ``request`` to its end, its timeout, or its ``cancel`` event, and say how it went.

    On Ctrl-C (``KeyboardInterrupt`` in the calling thread) the process group is stopped like on a
    timeout, and *then* the ``KeyboardInterrupt`` is raised again: the session must stop starting new
    work, and an exception says so where a status could be overlooked. A second Ctrl-C during that
    escalation skips the remaining grace and kills the group. Threads other than the main one never see
    Ctrl-C; their owner sets ``request.cancel`` instead, which gives an outcome with status INTERRUPTED.
    A request without ``cancel`` takes the thread's :func:`~orch.execute.scope.cancel_scope` event.
    """
    start = time.monotonic()
    if request.cancel is None and (scoped := scoped_cancel()) is not None:
        request = request._replace(cancel=scoped)
    if not request.argv:
        return _cannot_run(request, start, "no command to run")
    log = _open_log(request.log)
    try:
        proc, output = _spawn(request)
    except OSError as exc:
        if log is not None:
            log.close()
        if exc.errno not in _CANNOT_RUN:
            raise
        where = f" ({exc.filename})" if exc.filename not in (None, request.argv[0]) else ""
        return _cannot_run(request, start, f"cannot run {request.argv[0]}: {exc.strerror}{where}")
    pump = _Pump(request, log)
    reader = threading.Thread(target=pump.run, args=(output,), name=f"orch-output-{proc.pid}", daemon=True)
    try:
        watchdog.watch(proc.pid)  # if orch dies before the end of this call, the watchdog stops the tree
        reader.start()
        status = _wait(proc, request)
        if status is not Status.EXITED:
            _stop_group(proc, request)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP (orch.execute.signals.Stopped)
        _stop_group(proc, request)
        raise
    finally:
        try:
            tail = pump.finish(reader)
        finally:
            watchdog.release(proc.pid)
    if pump.error is not None:  # a failing log or on_output: a bug or a full disk, not the command's fault
        raise pump.error
    return Outcome(request, status, _exit_code(proc.returncode), time.monotonic() - start, tail, proc.pid)


def capture(argv: Sequence[str], *, timeout: float | None = 30.0, env: dict[str, str] | None = None) -> Outcome:
    """Run a short helper process in the current folder and keep its whole output (up to 64 MiB) in memory."""
    environ = dict(os.environ if env is None else env)
    request = Request(tuple(argv), Path.cwd(), environ, timeout=timeout, keep_tail=_CAPTURE_LIMIT)
    return execute(request)


def _spawn(request: Request) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start the process in a group of its own; the executable is looked up on ``request.env``'s PATH.
    The process and where its output comes from: a pipe, or a pseudo-terminal for ``request.tty``."""
    env: Mapping[str, str] = request.env
    terminal = None
    if request.tty or request.colour:
        from orch.execute.terminal import coloured_environ, open_pty

        terminal = open_pty() if request.tty else None
        env = env if terminal is not None else coloured_environ(env)
    if terminal is None:
        proc = _popen(request, env, subprocess.PIPE, subprocess.STDOUT)
        assert proc.stdout is not None
        return proc, proc.stdout
    main, child = terminal
    try:
        proc = _popen(request, env, child, child)
    except BaseException:
        os.close(main)
        raise
    finally:
        os.close(child)  # the process has its own copy: the output ends when the last holder closes it
    return proc, os.fdopen(main, "rb", buffering=0)


def _popen(request: Request, env: Mapping[str, str], stdout: int, stderr: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        request.argv,
        cwd=request.cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=sys.platform != "win32",
        creationflags=_NEW_GROUP_FLAG,
    )


def _open_log(path: Path | None) -> IO[bytes] | None:
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("ab")


def _cannot_run(request: Request, start: float, message: str) -> Outcome:
    log = _open_log(request.log)
    if log is not None:
        with log:
            log.write(f"orch: {message}\n".encode())
    return Outcome(request, Status.NOT_FOUND, None, time.monotonic() - start, message.encode())


def _exit_code(returncode: int | None) -> int | None:
    """The shell's way: a process killed by signal N exited with 128 + N."""
    return 128 - returncode if returncode is not None and returncode < 0 else returncode


class _Pump:
    """Copies output to the log, to ``on_output`` line by line, and into a tail of bounded size."""

    def __init__(self, request: Request, log: IO[bytes] | None) -> None:
        self._log = log
        self._on_output = request.on_output
        self._keep = request.keep_tail
        self._tail = bytearray()
        self._line = b""  # the start of a line whose end has not come yet
        self._lock = threading.Lock()
        self._detached = False
        self.error: Exception | None = None

    def run(self, pipe: IO[bytes]) -> None:
        """In the reader thread: read until end of output; owns and closes the pipe and the log."""
        try:
            fd = pipe.fileno()
            try:
                while (chunk := os.read(fd, _CHUNK)) and not self._detached:
                    self._keep_tail(chunk)
                    self._guarded(self._write, chunk)
            except OSError as exc:  # a pseudo-terminal ends with EIO once no process holds it
                if exc.errno != errno.EIO:
                    raise
            if self._line and not self._detached:  # the last line had no newline
                self._guarded(self._deliver, self._line)
        finally:
            pipe.close()
            if self._log is not None:
                self._log.close()

    def finish(self, reader: threading.Thread) -> bytes:
        """Wait (boundedly) for the output's end; a process outside the group may hold the pipe forever."""
        if reader.ident is not None:
            reader.join(_DRAIN_TIMEOUT)
        with self._lock:
            self._detached = True  # whatever comes later is dropped
            tail = bytes(self._tail[max(0, len(self._tail) - self._keep) :])
        return plain(tail)

    def _keep_tail(self, chunk: bytes) -> None:
        with self._lock:
            self._tail += chunk
            if len(self._tail) > 2 * self._keep + _CHUNK:  # trim now and then, not on every chunk
                del self._tail[: len(self._tail) - self._keep]

    def _guarded(self, step: Callable[[bytes], None], data: bytes) -> None:
        """Keep draining the pipe after a failing log or callback, so the child never blocks; raise it later."""
        if self.error is None:
            try:
                step(data)
            except Exception as exc:
                self.error = exc

    def _write(self, chunk: bytes) -> None:
        if self._log is not None:
            self._log.write(plain(chunk))
            self._log.flush()
        if self._on_output is not None:
            self._lines(chunk)

    def _lines(self, chunk: bytes) -> None:
        *complete, rest = (self._line + chunk).split(b"\n")
        for line in complete:
            self._deliver(line + b"\n")
        if len(rest) >= _LONG_LINE:
            self._deliver(rest)
            rest = b""
        self._line = rest

    def _deliver(self, line: bytes) -> None:
        if self._on_output is not None:
            self._on_output(line)


def _wait(proc: subprocess.Popen[bytes], request: Request) -> Status:
    """Wait for the process to end by itself, or until the timeout or the cancel event."""
    deadline = None if request.timeout is None else time.monotonic() + request.timeout
    pidfd = None
    try:
        if deadline is not None or request.cancel is not None:
            pidfd = _open_pidfd(proc.pid)
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return Status.TIMEOUT
            if request.cancel is not None:
                if request.cancel.is_set():
                    return Status.INTERRUPTED
                left = _POLL * 5 if left is None else min(left, _POLL * 5)
            if _ended(proc, left, pidfd):
                return Status.EXITED
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _open_pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when the (unreaped) process ends: Linux 5.3 and newer."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        fd: int = pidfd_open(pid)
    except OSError:  # an older kernel, or a sandbox that forbids it: Popen.wait's polling
        return None
    return fd


def _ended(proc: subprocess.Popen[bytes], seconds: float | None, pidfd: int | None) -> bool:
    """Whether the process ended within ``seconds`` (``None``: however long it takes); reaped if so.

    With a timeout, ``Popen.wait`` polls, sleeping up to 50 ms between checks: a command that ended
    was noticed 17 ms later on average, on the way of each ``-p`` env and each set-up ahead. A pidfd
    wakes ``poll`` at the exit itself."""
    if pidfd is not None and seconds is not None:
        poller = select.poll()  # not select(): no limit on the descriptor's number
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(min(seconds, _LONGEST_POLL) * 1000):  # poll() takes at most 2**31-1 ms
            return False
        seconds = None  # it ended: reaping does not block
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def _stop_group(proc: subprocess.Popen[bytes], request: Request) -> None:
    """SIGINT, then SIGTERM, then SIGKILL to the whole group, each after a grace period, until it is gone."""
    steps = ((signal.SIGINT, request.grace_interrupt), (signal.SIGTERM, request.grace_terminate))
    try:
        for signum, grace in steps:
            if not _group_alive(proc):
                break
            _signal_group(proc, signum)
            if _gone_within(proc, grace):
                break
        else:
            _signal_group(proc, _SIGKILL)
    except KeyboardInterrupt:  # Ctrl-C again: no more patience
        _signal_group(proc, _SIGKILL)
    proc.wait()


def _gone_within(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _group_alive(proc):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True


def _group_alive(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the child or anything else in its group is left (unreaped zombies count as alive)."""
    if proc.poll() is None:
        return True
    if sys.platform == "win32":
        return False
    return watchdog.trees_alive([proc.pid])  # the group keeps the leader's id while any member is left


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    """The group, and on Linux every process of the session (a job-control shell's pipelines too)."""
    if sys.platform == "win32":
        proc.send_signal(signal.CTRL_BREAK_EVENT if signum == signal.SIGINT else signal.SIGTERM)
        return
    watchdog.signal_trees([proc.pid], signum)
