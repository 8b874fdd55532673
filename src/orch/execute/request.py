"""What to run and what came of it."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple


class Status(str, enum.Enum):
    """How a process ended."""

    EXITED = "exited"  # it ended by itself; see exit_code
    TIMEOUT = "timeout"  # the watchdog stopped it
    INTERRUPTED = "interrupted"  # Request.cancel stopped it (Ctrl-C in the main thread raises instead)
    NOT_FOUND = "not found"  # the executable does not exist or cannot be run


class Request(NamedTuple):
    """One process to run. ``argv`` is never run through a shell; ``argv[0]`` is looked up on ``env``'s PATH.

    ``env`` is the child's whole environment (nothing of ``os.environ`` is added). Output (stdout and
    stderr merged, in order) goes to ``log`` when given (appended; its folder is created), to
    ``on_output`` line by line when given (for live streaming: each call gets one line with its newline,
    the last line may lack it, a line over 1 MiB comes in pieces; it runs in a reader thread), and the
    last ``keep_tail`` bytes stay in :attr:`Outcome.tail`. ``timeout`` is in seconds; on expiry, on
    Ctrl-C, and when another thread sets ``cancel``, the whole process group gets SIGINT, then SIGTERM
    after ``grace_interrupt`` seconds, then SIGKILL after ``grace_terminate`` more seconds.

    ``tty`` gives the process a pseudo-terminal for its output where there is one (POSIX), else it
    gets ``colour``'s treatment: ``colour`` sets the tools' colour variables (``FORCE_COLOR``,
    ``PY_COLORS``) unless ``env`` has one already (see :mod:`orch.execute.terminal`). Either way the
    log and the tail get the output without its terminal escapes; ``on_output`` gets it as it came.
    """

    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str]
    timeout: float | None = None
    log: Path | None = None
    on_output: Callable[[bytes], None] | None = None
    keep_tail: int = 64 * 1024
    grace_interrupt: float = 0.3
    grace_terminate: float = 0.2
    cancel: threading.Event | None = None  # set from another thread to stop the process: INTERRUPTED
    tty: bool = False  # a pseudo-terminal for the output (orch's output is a terminal and orch colours)
    colour: bool = False  # FORCE_COLOR / PY_COLORS unless env says otherwise (orch colours, output captured)


class Outcome(NamedTuple):
    """What happened: how it ended, its exit code, how long it took (seconds), the end of its output.

    ``exit_code`` is the process's exit status, with death by signal N given as 128 + N like a shell;
    after a TIMEOUT or INTERRUPTED it is the code the stopped process ended with. It is ``None`` only
    for NOT_FOUND, whose ``tail`` is a one-line message saying why the command could not start.
    """

    request: Request
    status: Status
    exit_code: int | None
    duration: float
    tail: bytes = b""
    pid: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.EXITED and self.exit_code == 0

    @property
    def problem(self) -> str:
        """How a failed process ended, as an error message says it in brackets: ``exit 3``,
        ``timeout``, or why it could not start (``cannot run uv: No such file or directory``)."""
        if self.status is Status.NOT_FOUND:
            return self.text.strip() or "could not start"
        if self.status is Status.EXITED:
            return f"exit {self.exit_code}"
        return str(self.status.value)

    @property
    def text(self) -> str:
        """The kept output, decoded (bad bytes replaced)."""
        return self.tail.decode("utf-8", errors="replace")
