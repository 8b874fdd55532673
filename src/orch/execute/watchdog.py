"""Commands die with orch, however orch dies (``kill -9`` included), on Linux and macOS.

Every process orch starts leads a session of its own (:func:`orch.execute.run.execute`), so that a
terminal's Ctrl-C or a kill of orch's process group reaches orch alone and orch stops each command's
tree itself. The price is that nothing stops them when orch cannot: after ``kill -9``, an OOM kill or
a crash, they would run on. So the first process orch starts is preceded by this watchdog: a small
Python process, in a session of its own too (a kill of orch's group does not reach it), that reads
the pipe orch holds open for it. Orch writes ``+PID`` when a command starts and ``-PID`` when its
tree is gone; when the pipe ends without a ``-``, orch is dead, and the watchdog sends SIGTERM to
the group of each command still listed and, on Linux, to every process of its session (which
catches children that moved to a group of their own, such as a job-control shell's pipelines), then
SIGKILL to what is left after a second, and exits.

Why not ``prctl(PR_SET_PDEATHSIG)``: it fires when the *thread* that started the child exits, and
orch starts commands from pool threads that end before orch does; it must be set between fork and
exec (``preexec_fn``, which is not safe with threads); it covers the child alone, not its children;
and it exists on Linux only. The pipe needs none of that: the kernel closes it however orch ends.

What it does not cover: a process that left its command's session (``setsid``, a daemonizing
server); a command whose ``+`` line orch had not written yet when it died (the instant between the
start and the write); a watchdog killed first (``kill -9 -1``); Windows (no process groups to
signal: commands there outlive a killed orch). This file is the watchdog's program too, imported
as ``watchdog`` from its folder under ``-I -S``: it must import nothing of orch, nothing outside the
standard library, and as little as it can (no ``signal``, ``threading`` or ``contextlib`` until
orch is gone), so that its start, which comes with orch's first command, takes little of the CPU
that command wants (35 M instructions, 28 M for a bare interpreter; 71 M as a script importing those).
"""

from __future__ import annotations

import _thread
import os
import sys
import time

TYPE_CHECKING = False  # the watchdog's own process imports nothing it does not need: not even typing
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

GRACE = 1.0  # seconds between SIGTERM and SIGKILL once orch is gone
_POLL = 0.02


class _Client:
    """Orch's end of the pipe, started with the first command; a failure to start is not an error."""

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()
        self._pipe: int | None = None  # the write end; the watchdog reads the other one as its stdin
        self._started = False
        self.pid: int | None = None  # the watchdog's, once started

    def watch(self, pid: int) -> None:
        self._send(b"+%d\n" % pid)

    def release(self, pid: int) -> None:
        self._send(b"-%d\n" % pid)

    def _send(self, line: bytes) -> None:
        with self._lock:
            if not self._started:
                self._started = True
                self._pipe, self.pid = _start()
            if self._pipe is None:
                return
            try:
                os.write(self._pipe, line)  # a few bytes: the write is whole
            except OSError:  # the watchdog is gone: carry on without it
                self._pipe = None


def _start() -> tuple[int | None, int | None]:
    """Start the watchdog in a session of its own, reading a pipe no other process holds; the pipe's
    write end and the watchdog's pid.

    ``posix_spawn`` rather than :class:`subprocess.Popen`: no object to warn at exit that the watchdog
    still runs (it does, on purpose, until orch's end closes the pipe).
    """
    if sys.platform == "win32" or not sys.executable:
        return None, None
    read, write = os.pipe()  # neither end is inherited by the commands orch starts
    import signal  # loaded already in orch's process (orch.execute.signals)

    # Imported from its folder, not run as a script: its compiled bytecode is used (run as a script, it
    # would be compiled on every start). Its name is its own there: -I -S leave site-packages out.
    argv = [sys.executable, "-I", "-S", "-c", _BOOT, os.path.dirname(os.path.abspath(__file__))]
    # Only the end of the pipe ends the watchdog: a terminal's Ctrl-C, SIGHUP and SIGTERM stay blocked
    # (pending) in it from its start, so it needs no signal module (nor enum) of its own to ignore them.
    blocked = (signal.SIGINT, signal.SIGHUP, signal.SIGTERM)
    actions = [
        (os.POSIX_SPAWN_DUP2, read, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    try:
        try:
            pid = os.posix_spawn(
                sys.executable, argv, os.environ, file_actions=actions, setsid=True, setsigmask=blocked
            )
        except NotImplementedError:  # no POSIX_SPAWN_SETSID: a group of its own is enough
            pid = os.posix_spawn(
                sys.executable, argv, os.environ, file_actions=actions, setpgroup=0, setsigmask=blocked
            )
    except OSError:
        os.close(write)
        return None, None
    finally:
        os.close(read)
    return write, pid


_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); import watchdog; watchdog.main()"
_client = _Client()
watch = _client.watch
release = _client.release


def session_members(sids: Iterable[int]) -> list[int]:
    """The processes (Linux: read from /proc) whose session is one of ``sids``; elsewhere none."""
    wanted = set(sids)
    found: list[int] = []
    if not wanted or not sys.platform.startswith("linux"):
        return found
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 3 and fields[0] != b"Z" and int(fields[3]) in wanted:
            found.append(int(entry))
    return found


def signal_trees(leaders: Iterable[int], signum: int) -> None:
    """Send ``signum`` to each leader's group and (Linux) to every other process of its session."""
    leaders = list(leaders)
    for pgid in leaders:
        _send(os.killpg, pgid, signum)
    for pid in session_members(leaders):
        _send(os.kill, pid, signum)


def _send(kill: Callable[[int, int], None], target: int, signum: int) -> bool:
    """``kill(target, signum)``; False when the target is gone (no ``contextlib``: a light start)."""
    try:
        kill(target, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def trees_alive(leaders: Iterable[int]) -> bool:
    """Whether anything is left in the groups (or, on Linux, the sessions) these leaders started."""
    leaders = list(leaders)
    for pgid in leaders:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):  # macOS answers EPERM for a group of zombies
            continue
        return True
    return bool(session_members(leaders))


def _stop(leaders: set[int]) -> None:
    import signal  # only once orch is gone: the watchdog's start stays light

    signal_trees(leaders, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    while trees_alive(leaders) and time.monotonic() < deadline:
        time.sleep(_POLL)
    signal_trees(leaders, signal.SIGKILL)


def main() -> None:
    """The watchdog process: list the leaders orch names on stdin; at its end, stop what is still listed.
    SIGINT, SIGHUP and SIGTERM are blocked in it from its start (:func:`_start`)."""
    leaders: set[int] = set()
    pending = b""
    while chunk := os.read(0, 4096):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if line[:1] == b"+":
                leaders.add(int(line[1:]))
            elif line[:1] == b"-":
                leaders.discard(int(line[1:]))
    if leaders:
        _stop(leaders)


if __name__ == "__main__":
    main()
