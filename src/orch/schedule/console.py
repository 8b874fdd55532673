"""What the run stage tells the user, as a Protocol: the run calls these, report/ implements them.

Declaring the console here keeps the layers one way: schedule/ names the shape it writes to and
never imports report/. orch's consoles (:class:`orch.report.console.Console` for sequential runs,
:class:`orch.report.live.ParallelConsole` for ``-p``, :class:`orch.report.github.GitHubConsole`
around either under GitHub Actions) match it, and so may a plugin's. Every method is called with
the env's name first; the run calls them from worker threads, so an implementation locks what it
shares.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from orch.schedule.results import CommandResult, EnvResult


@runtime_checkable
class Console(Protocol):
    """A view of one run."""

    @property
    def colour(self) -> bool:
        """Whether the console colours its lines (the commands then get colour variables too)."""

    @property
    def verbosity(self) -> int:
        """``-v`` minus ``-q``: 0 by default, 1 shows setup detail, -1 and less fewer lines."""

    @property
    def tty(self) -> bool:
        """Whether it writes to a terminal (a sequential command may then get a pseudo-terminal)."""

    def start(self, total: int | None = None) -> None:
        """Before the first env starts; ``total``: how many envs the run has, when known."""

    def stop(self) -> None:
        """After the last env ended, before the summary (a live view clears its rows here)."""

    def env_start(self, env: str) -> None:
        """An env starts (its setup first)."""

    def note(self, env: str, text: str) -> None:
        """One line of progress or explanation (``recreate: deps changed``)."""

    def phase(self, env: str, text: str) -> None:
        """What the env is doing now (``installing 3 deps``); a live view shows it in the env's row."""

    def error(self, env: str, text: str) -> None:
        """A one-line error about the env."""

    def setup_detail(self, env: str, lines: Sequence[str]) -> None:
        """The installers' output of the env's setup (shown with ``-v``, or when the setup failed)."""

    def setup_done(self, env: str, actions: Sequence[str]) -> None:
        """The setup ended; ``actions`` say what it did (``created``, ``reused``...)."""

    def command_start(self, env: str, phase: str, index: int, line: str) -> None:
        """A command starts: ``phase`` is ``commands_pre``, ``commands``..., ``line`` the command line."""

    def output_sink(self, env: str) -> Callable[[bytes], None] | None:
        """Where the command's output goes as it comes, or None to only spool it to the log."""

    def command_end(self, env: str, result: CommandResult) -> None:
        """A command ended."""

    def env_end(self, result: EnvResult) -> None:
        """An env ended: passed, failed, skipped or cached."""

    def summary(self, results: Sequence[EnvResult], duration: float) -> None:
        """The run's summary, once, after :meth:`stop`."""


def log_lines_since(path: Path, start: int) -> list[str]:
    """The lines of a log from byte ``start`` on (from its beginning when it was emptied since); none when
    it cannot be read. Logs hold masked text, and the console masks each line it prints again."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(start if start <= size else 0)
            data = handle.read()
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()
