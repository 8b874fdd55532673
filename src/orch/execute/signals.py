"""SIGTERM and SIGHUP stop orch the way Ctrl-C does, and orch exits with 128 + the signal's number.

A CI runner cancelling a job, ``timeout``, ``docker stop``, a closed terminal and a kill of orch's
process group all send one of these. Python's default would end orch at once and leave every running
command behind (each runs in a session of its own, see :mod:`orch.execute.run`). :func:`handle_stop_signals`
turns the first one into a :class:`Stopped` raised in the main thread: a ``KeyboardInterrupt``, so the
teardown written for Ctrl-C runs unchanged (each command's tree gets SIGINT, SIGTERM, SIGKILL within
its grace periods; the run record says the run is incomplete, for ``--resume``). Later ones are
ignored: the teardown is bounded already, and a closed terminal often sends two SIGHUPs (the
kernel's and the shell's). A signal the caller set to be ignored (``nohup``) stays ignored.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import threading
from collections.abc import Iterator
from types import FrameType

_STOP_SIGNALS = ("SIGTERM", "SIGHUP", "SIGBREAK")  # SIGBREAK: Ctrl-Break on Windows
_received: int | None = None


class Stopped(KeyboardInterrupt):
    """A stop signal other than SIGINT arrived; handled exactly like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def exit_code(interrupted: int = 130) -> int:
    """128 + the stop signal's number, or ``interrupted`` (Ctrl-C's 130) when none arrived."""
    return interrupted if _received is None else 128 + _received


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _received
    if _received is not None:
        return
    _received = signum
    if signum == getattr(signal, "SIGHUP", None):
        _leave_terminal()
    raise Stopped(signum)


def _leave_terminal() -> None:
    """After a hang-up, writing to the terminal fails (EIO): the teardown and its record must not."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            with contextlib.suppress(OSError):
                if stat.S_ISCHR(os.fstat(fd).st_mode):  # a terminal (or /dev/null already)
                    os.dup2(devnull, fd)
    finally:
        os.close(devnull)


@contextlib.contextmanager
def handle_stop_signals() -> Iterator[None]:
    """Within the block (in the main thread), SIGTERM and SIGHUP raise :class:`Stopped`; restored after."""
    global _received
    _received = None
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for name in _STOP_SIGNALS:
            signum = getattr(signal, name, None)
            if signum is None or signal.getsignal(signum) is signal.SIG_IGN:
                continue
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, handler)  # type: ignore[arg-type]
