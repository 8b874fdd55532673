"""What a sequential run prints: a header per env, each command with its duration, a summary.

Command output streams through as it comes. Lines orch writes itself start with the env name,
like tox's (``py311: commands[0]> pytest``), so a log reads the same as the terminal. Every line is
masked (:func:`orch.execute.masking.current`); the runner masks the command output it streams.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from orch.execute.masking import current
from orch.report.summary import command_line, message_lines, summary_lines
from orch.report.summary import seconds as _seconds
from orch.schedule.results import CommandResult, EnvResult, EnvStatus


class Console:
    """Plain text on a stream; ``verbosity`` below 0 keeps only failures and the summary."""

    def __init__(self, stream: TextIO | None = None, *, verbosity: int = 0) -> None:
        self.stream = sys.stdout if stream is None else stream
        self.verbosity = verbosity

    def _line(self, text: str) -> None:
        self.stream.write(current().mask(text) + "\n")
        self.stream.flush()

    # ------------------------------------------------------------------------- per env
    def env_start(self, env: str) -> None:
        """An env begins (the parallel console starts its status line; here nothing is printed)."""

    def note(self, env: str, text: str) -> None:
        if self.verbosity >= 0:
            self._line(f"{env}: {text}")

    def error(self, env: str, text: str) -> None:
        self._line(f"{env}: error: {text}")

    def setup_done(self, env: str, actions: Sequence[str]) -> None:
        if self.verbosity >= 0:
            self._line(f"{env}: {', '.join(actions) or 'ready'}")

    def command_start(self, env: str, phase: str, index: int, shell: str) -> None:
        if self.verbosity >= 0:
            self._line(f"{env}: {phase}[{index}]> {shell}")

    def output_sink(self, env: str) -> Callable[[bytes], None] | None:
        """Where a command's output goes: straight through, in a sequential run."""
        if self.verbosity < 0:
            return None
        buffer = getattr(self.stream, "buffer", None)

        def write(chunk: bytes) -> None:
            if buffer is not None:
                self.stream.flush()
                buffer.write(chunk)
                buffer.flush()
            else:
                self.stream.write(chunk.decode("utf-8", errors="replace"))

        return write

    def command_end(self, env: str, result: CommandResult) -> None:
        if self.verbosity < 0 and result.ok:
            return
        self._line(command_line(env, result))

    def env_end(self, result: EnvResult) -> None:
        if result.status is EnvStatus.OK and self.verbosity < 0:
            return
        first, *more = message_lines(result.message)
        detail = f": {first}" if first else ""
        self._line(f"{result.name}: {result.status.value} in {_seconds(result.duration)}{detail}")
        for line in more:
            self._line(f"{result.name}: {line}")

    # --------------------------------------------------------------------------- summary
    def summary(self, results: Sequence[EnvResult], duration: float) -> None:
        for line in summary_lines(results, duration):
            self._line(line)
