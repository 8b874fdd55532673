"""The closing table of a run, shared by the sequential and the parallel console."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from orch.schedule.results import CommandResult, EnvResult, EnvStatus

_PATH_SUFFIX = re.compile(r" \(.*\)$")  # the path may hold parentheses itself


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def short_interpreter(text: str) -> str:
    """``CPython 3.12.1 (/usr/bin/python3.12)`` -> ``CPython 3.12.1``."""
    return _PATH_SUFFIX.sub("", text)


def package_label(package: Mapping[str, object]) -> str:
    """``name version`` of the installed package, its artifact name, or ``-``."""
    name, version = package.get("name"), package.get("version")
    if name:
        return f"{name} {version}" if version else str(name)
    artifact = package.get("artifact")
    return Path(str(artifact)).name if artifact else "-"


def message_lines(message: str) -> list[str]:
    """An env's message as lines: the reason, then what backs it (an installer's last lines)."""
    return message.split("\n") if message else [""]


def command_line(env: str, result: CommandResult) -> str:
    """``py311: commands[0] exit 1 (ignored) after 2 attempts in 0.52 s``."""
    how = result.ending
    ignored = " (ignored)" if result.ignored and not result.ok else ""
    tries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    return f"{env}: {result.phase}[{result.index}] {how}{ignored}{tries} in {seconds(result.duration)}"


def summary_lines(
    results: Sequence[EnvResult],
    duration: float,
    paint: Callable[[str, EnvStatus], str] | None = None,
) -> list[str]:
    """A table (env, result, duration, interpreter, package), why each env that did not pass did
    not, and the counts."""
    if not results:
        return ["orch: no env selected"]
    header = ("env", "result", "duration", "interpreter", "package")
    rows = [
        (
            r.name,
            r.status.value + (" (cached)" if r.cached else ""),
            seconds(r.duration),
            short_interpreter(r.interpreter) or "-",
            package_label(r.package),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...], status: EnvStatus | None = None) -> str:
        cells = [cell.rjust(w) if i == 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        if status is not None and paint is not None:
            cells[1] = paint(cells[1], status)
        return "  " + "  ".join(cells).rstrip()

    out = ["", line(header)]
    for row, result in zip(rows, results):
        out.append(line(row, result.status))
        if result.status is not EnvStatus.OK and result.message:
            out.extend(f"    {line}" for line in message_lines(result.message))
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    parts = ", ".join(f"{counts[s.value]} {s.value}" for s in EnvStatus if s.value in counts)
    out.append(f"orch: {parts} in {seconds(duration)}")
    return out
