"""Standard streams that cannot fail: a closed, broken or full stdout never decides orch's exit code.

``orch run >&-`` (stdout closed), ``orch run | head -1`` (broken pipe) and ``orch list >/dev/full`` (no space) all get
one treatment: the rest of the output is discarded, the command goes on and exits with its real result, and a note on
stderr says so (for a broken pipe only when envs ran: ``orch list | head`` stays quiet, as ``ls | head`` does).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO, cast

__all__ = ["Guard", "guarded_streams", "reopen_closed_fds"]


class Guard:
    """A stream whose first failing write or flush points its file descriptor at the null device.

    Every later write (orch's own, the commands' inherited output, the final flush at exit) then succeeds and is
    discarded. ``broken`` says whether that happened, ``reason`` why (``strerror`` of the first failure).
    """

    def __init__(self, stream: Any, owner: Guard | None = None) -> None:
        self._stream = stream
        self._owner = owner or self
        self.broken = False
        self.reason = ""
        self.errno = 0
        buffer = getattr(stream, "buffer", None)
        if owner is None and buffer is not None:
            self.buffer = Guard(buffer, self)

    def _guarded(self, action: Callable[[], object]) -> object:
        if self._owner.broken:
            with contextlib.suppress(OSError, ValueError):
                return action()
            return None
        try:
            return action()
        except OSError as exc:  # EPIPE, ENOSPC, EIO, EBADF...
            self._owner._discard(exc)
            return None

    def _discard(self, exc: OSError) -> None:
        self.broken = True
        self.errno = exc.errno or 0
        self.reason = "broken pipe" if isinstance(exc, BrokenPipeError) else (exc.strerror or str(exc)).lower()
        with contextlib.suppress(OSError, ValueError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)

    def write(self, data: Any) -> int:
        self._guarded(lambda: self._stream.write(data))
        return len(data)

    def flush(self) -> None:
        self._guarded(self._stream.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def reopen_closed_fds() -> None:
    """Point a closed fd 0, 1 or 2 (``orch run >&-``) at the null device, and give Python a stream for it.

    Without this, ``sys.stdout`` is None, and the next file orch opens would take fd 1 and receive the commands' output.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stdin is None:
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115


@contextlib.contextmanager
def guarded_streams(announce: Callable[[Guard], bool]) -> Iterator[Guard]:
    """Within the block, stdout and stderr are :class:`Guard`; afterwards, a note on stderr if stdout failed.

    ``announce(guard)`` decides whether a failed stdout gets its note (it is called after the block).
    """
    reopen_closed_fds()
    out, err = sys.stdout, sys.stderr
    guards = Guard(out), Guard(err)
    sys.stdout, sys.stderr = cast("TextIO", guards[0]), cast("TextIO", guards[1])
    try:
        yield guards[0]
    finally:
        guards[0].flush()
        guards[1].flush()
        sys.stdout, sys.stderr = out, err
        if guards[0].broken and not guards[1].broken and announce(guards[0]):
            with contextlib.suppress(OSError, ValueError):
                print(f"orch: stdout failed ({guards[0].reason}): the rest of the output was discarded", file=err)


def quiet_broken_pipe(guard: Guard) -> bool:
    """The note's rule for commands that only print (list, config): silent on a broken pipe, said on anything else."""
    return guard.errno != errno.EPIPE
