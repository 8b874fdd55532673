"""Output for GitHub Actions: folded groups, error annotations and the job summary.

Under GitHub Actions (``GITHUB_ACTIONS=true``) a sequential run wraps each env's output in a
``::group::ENV`` ... ``::endgroup::`` section, so the log shows one line per env that unfolds, and a
failed env gets an ``::error title=ENV::MESSAGE`` annotation on the run's page.
(:class:`~orch.report.live.ParallelConsole` does the same for parallel runs.) When
``GITHUB_STEP_SUMMARY`` names a file, ``orch run`` appends a Markdown table of the results to it,
which GitHub shows on the run's summary page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from orch.report.summary import seconds, short_interpreter
from orch.schedule.results import CommandResult, EnvResult, EnvStatus

if TYPE_CHECKING:
    from orch.report.console import Console

ANNOTATED = (EnvStatus.FAILED, EnvStatus.TIMEOUT)  # statuses that get an ::error annotation
_MARKS = {
    EnvStatus.OK: "✅",
    EnvStatus.FAILED: "❌",
    EnvStatus.TIMEOUT: "❌",
    EnvStatus.INTERRUPTED: "❌",
    EnvStatus.SKIPPED: "⏭️",
    EnvStatus.IGNORED: "⚠️",
}


def on_github(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS", "") == "true"


def escape_data(text: str) -> str:
    """A workflow command's message (``::error ...::<message>``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``title=<value>``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error_command(result: EnvResult) -> str:
    """``::error title=ENV::MESSAGE`` for a failed env."""
    return f"::error title={escape_property(result.name)}::{escape_data(result.message or result.status.value)}"


class GitHubConsole:
    """Wraps the sequential :class:`~orch.report.console.Console`: the same output, each env's
    inside a ``::group::`` section, and an ``::error`` annotation for each failed env."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._open: str | None = None  # the env whose group is open

    @property
    def stream(self) -> TextIO:
        return self.console.stream

    @property
    def verbosity(self) -> int:
        return self.console.verbosity

    @property
    def colour(self) -> bool:
        return self.console.colour

    @property
    def tty(self) -> bool:
        return self.console.tty

    def start(self, total: int | None = None) -> None:
        self.console.start(total)

    def stop(self) -> None:
        self.console.stop()

    def _command(self, text: str) -> None:
        self.console.stream.write(text + "\n")
        self.console.stream.flush()

    def env_start(self, env: str) -> None:
        if self.verbosity >= 0:  # quiet runs print nothing per env, so there is nothing to fold
            self._command(f"::group::{env}")
            self._open = env
        self.console.env_start(env)

    def note(self, env: str, text: str) -> None:
        self.console.note(env, text)

    def phase(self, env: str, text: str) -> None:
        self.console.phase(env, text)

    def error(self, env: str, text: str) -> None:
        self.console.error(env, text)

    def setup_detail(self, env: str, lines: Sequence[str]) -> None:
        self.console.setup_detail(env, lines)

    def setup_done(self, env: str, actions: Sequence[str]) -> None:
        self.console.setup_done(env, actions)

    def command_start(self, env: str, phase: str, index: int, line: str) -> None:
        self.console.command_start(env, phase, index, line)

    def output_sink(self, env: str) -> Callable[[bytes], None] | None:
        return self.console.output_sink(env)

    def command_end(self, env: str, result: CommandResult) -> None:
        self.console.command_end(env, result)

    def env_end(self, result: EnvResult) -> None:
        """Close the env's group, then the annotation and the result line (outside the group, so
        they show while it is folded), in the parallel console's order."""
        if self._open is not None:
            self._command("::endgroup::")
            self._open = None
        if result.status in ANNOTATED:
            self._command(error_command(result))
        self.console.env_end(result)

    def summary(self, results: Sequence[EnvResult], duration: float) -> None:
        self.console.summary(results, duration)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ") or "-"


def summary_markdown(results: Sequence[EnvResult], duration: float) -> str:
    """The job summary: a heading with the counts and a table (env, result, duration, interpreter)."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    parts = ", ".join(f"{counts[s.value]} {s.value}" for s in EnvStatus if s.value in counts) or "no env selected"
    lines = [
        f"### orch: {parts} in {seconds(duration)}",
        "",
        "| env | result | duration | interpreter |",
        "| --- | --- | ---: | --- |",
    ]
    for r in results:
        outcome = r.status.value + (f": {r.message}" if r.message and r.status is not EnvStatus.OK else "")
        lines.append(
            f"| {_cell(r.name)} | {_MARKS[r.status]} {_cell(outcome)} | {seconds(r.duration)} "
            f"| {_cell(short_interpreter(r.interpreter))} |"
        )
    return "\n".join(lines) + "\n\n"


def write_step_summary(path: Path, results: Sequence[EnvResult], duration: float) -> None:
    """Append the job summary to ``$GITHUB_STEP_SUMMARY`` (other steps append theirs too)."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(summary_markdown(results, duration))
