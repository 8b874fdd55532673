"""What a sequential run prints: a header per env, each command with its duration, a summary.

Command output streams through as it comes, at every verbosity. Lines orch writes itself start with
the env name, like tox's (``py311: commands[0]> pytest``), so a log reads the same as the terminal.
Every line is masked (:func:`orch.execute.masking.current`); the runner masks the command output it
streams. Which of orch's lines are shown (``verbosity`` = the count of ``-v`` minus that of ``-q``):

* ``-qq`` (-2 and below): failures only: the failing command's exit line, the env's failure and its log.
* ``-q`` (-1): those, and the closing summary table.
* default (0): also each env's interpreter, what setup did (created, reused, installed...), each
  command before it runs and its exit, each env's result line.
* ``-v`` (1): also setup detail: the installer commands and their output (resolve, downloads),
  and why an env was reused or recreated.
* ``-vv`` (2 and up): also timings: each env's setup and commands time (and orch's tracebacks).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from orch.execute.masking import current
from orch.report.colour import RED, Palette, is_terminal, wants_colour
from orch.report.results_json import output_logs
from orch.report.summary import command_line, message_lines, summary_lines
from orch.report.summary import seconds as _seconds
from orch.schedule.results import CommandResult, EnvResult, EnvStatus

REUSED = "reused: nothing it was set up from changed (interpreter, deps, installer, options)"
QUIET, QUIETER = -1, -2  # -q: failures and the summary; -qq: failures only


def setup_split(result: EnvResult) -> str:
    """``setup 0.13 s, commands 0.03 s``: where an env's time went (``-vv``)."""
    commands = sum(c.duration for c in result.commands)
    return f"setup {_seconds(max(result.duration - commands, 0.0))}, commands {_seconds(commands)}"


def log_line(result: EnvResult) -> str | None:
    """``py311: log: .tox/.orch/py311/log/commands.log``: where a failed env's output is (relative when below the
    current folder), or None without a log."""
    logs = output_logs(result)
    if not logs:
        return None
    path = logs[0]
    try:
        shown = str(path.relative_to(Path.cwd())) if Path.cwd() in path.parents else str(path)
    except (OSError, ValueError):
        shown = str(path)
    return f"{result.name}: log: {shown}"


class Console:
    """orch's lines on ``stream``, coloured as tox's on a terminal (see :mod:`orch.report.colour`:
    ``colored`` is ``--colored``, ``environ`` defaults to ``os.environ``); the commands' output goes to
    ``output`` (default: the same stream). ``verbosity``: see the module.

    :attr:`colour` says whether the commands should colour too; :attr:`tty` whether they get a
    pseudo-terminal for it (``output`` is a terminal and orch colours).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        verbosity: int = 0,
        output: TextIO | None = None,
        colored: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stream = sys.stdout if stream is None else stream
        self.output = self.stream if output is None else output
        self.verbosity = verbosity
        environ = os.environ if environ is None else environ
        self.colour = wants_colour(environ, tty=is_terminal(self.stream), colored=colored)
        self.tty = self.colour and is_terminal(self.output) and environ.get("TERM", "") != "dumb"
        self.palette = Palette(self.colour)
        self._begun: dict[str, float] = {}

    def _line(self, text: str) -> None:
        self.stream.write(current().mask(text) + "\n")
        self.stream.flush()

    def _env_line(self, env: str, text: str, style: str = "") -> None:
        """``py311: text``, the env's name in tox's colour, ``text`` in ``style``."""
        self._line(f"{self.palette.env(env)} {self.palette.paint(text, style) if style else text}")

    # ------------------------------------------------------------------------- per env
    def env_start(self, env: str) -> None:
        """An env begins (the parallel console starts its status line; here nothing is printed)."""
        self._begun[env] = time.monotonic()

    def note(self, env: str, text: str) -> None:
        """What an env (or a build, ``.pkg[name]``) does now or decided: one line each."""
        if self.verbosity >= 0:
            self._env_line(env, text)

    def start(self, total: int | None = None) -> None:
        """Nothing to draw before the first env: lines come as envs go."""

    def stop(self) -> None:
        """Nothing to clear after the last env."""

    def phase(self, env: str, text: str) -> None:
        """A step worth a status row in the parallel view only (``waiting for .pkg[sdist]``): no line here."""

    def error(self, env: str, text: str) -> None:
        self._env_line(env, f"error: {text}", RED)

    def setup_detail(self, env: str, lines: Sequence[str]) -> None:
        """What setup ran and printed (installer commands and output), shown with ``-v``."""
        if self.verbosity >= 1:
            for line in lines:
                self._env_line(env, line)

    def setup_done(self, env: str, actions: Sequence[str]) -> None:
        if self.verbosity < 0:
            return
        shown = [REUSED if a == "reused" and self.verbosity >= 1 else a for a in actions]
        took = ""
        if self.verbosity >= 2 and env in self._begun:
            took = f" (setup {_seconds(time.monotonic() - self._begun[env])})"
        self._env_line(env, f"{', '.join(shown) or 'ready'}{took}")

    def command_start(self, env: str, phase: str, index: int, line: str) -> None:
        if self.verbosity >= 0:
            self._line(f"{self.palette.env(env)} {self.palette.command(f'{phase}[{index}]', line)}")

    def output_sink(self, env: str) -> Callable[[bytes], None] | None:
        """Where a command's output goes: straight through to ``output``, at every verbosity (as tox)."""
        out = self.output
        buffer = getattr(out, "buffer", None)

        def write(chunk: bytes) -> None:
            if buffer is not None:
                self.stream.flush()
                out.flush()
                buffer.write(chunk)
                buffer.flush()
            else:
                out.write(chunk.decode("utf-8", errors="replace"))
                out.flush()

        return write

    def command_end(self, env: str, result: CommandResult) -> None:
        if self.verbosity < 0 and result.ok:
            return
        line = command_line(env, result)
        if self.colour:
            status = EnvStatus.OK if result.ok else EnvStatus.IGNORED if result.ignored else EnvStatus.FAILED
            line = f"{self.palette.env(env)} {self.palette.status(line[len(env) + 2 :], status)}"
        self._line(line)

    def env_end(self, result: EnvResult) -> None:
        self._begun.pop(result.name, None)
        failed = result.status.fails_run
        if not failed and self.verbosity < 0:
            return
        first, *more = message_lines(result.message)
        detail = f": {first}" if first else ""
        split = f" ({setup_split(result)})" if self.verbosity >= 2 else ""
        word = self.palette.status(result.status.value, result.status)
        self._env_line(result.name, f"{word} in {_seconds(result.duration)}{split}{detail}")
        for line in more:
            self._env_line(result.name, line)
        where = log_line(result) if failed and result.status is not EnvStatus.INTERRUPTED else None
        if where is not None:
            self._line(where)

    # --------------------------------------------------------------------------- summary
    def summary(self, results: Sequence[EnvResult], duration: float) -> None:
        if self.verbosity <= QUIETER:
            return
        for line in summary_lines(results, duration, self.palette.status if self.colour else None):
            self._line(line)
