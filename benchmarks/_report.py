"""What the benchmarks report: measurements, tables, targets and JSON (stdlib only, Python >= 3.9).

* the measurements and problems of a run (:class:`Results`),
* aligned tables (:func:`format_table`, :func:`print_ratio_table`, :func:`ratios_table`),
* ratios and targets (:func:`ratio`, :func:`ratio_item`, :func:`ratio_goals`, :func:`format_targets`),
* JSON output and the end of a run (:func:`timings_as_dict`, :func:`machine_info`, :func:`write_json`,
  :func:`finish`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _process import Timing


@dataclass
class Results:
    """Everything measured (``timings[phase or case][tool]``), plus the problems found along the way."""

    timings: dict[str, dict[str, Timing | None]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def best(self, phase: str, tool: str) -> float | None:
        """Best seconds of *tool* in *phase* (or on case *phase*), or ``None`` if not measured."""
        timing = self.timings.get(phase, {}).get(tool)
        return None if timing is None else timing.best

    def error(self, message: str) -> None:
        """Record and print a failure (makes the script exit 1)."""
        self.errors.append(message)
        print(f"ERROR: {message}", file=sys.stderr, flush=True)

    def warn(self, message: str) -> None:
        """Record and print a non-fatal problem."""
        self.warnings.append(message)
        print(f"WARNING: {message}", file=sys.stderr, flush=True)


@dataclass
class RatioRow:
    """One line of a ratio table: seconds for orch and for the reference tool (``None`` = not measured)."""

    label: str
    ours: float | None
    theirs: float | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """``theirs / ours``: how many times faster orch is (> 1 is better)."""
        if self.ours is None or self.theirs is None or self.ours <= 0:
            return None
        return self.theirs / self.ours

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, ratio included."""
        return {**dataclasses.asdict(self), "ratio": self.ratio}


def seconds(value: float | None) -> str:
    """``1.234`` style seconds, or ``n/a``."""
    return "n/a" if value is None else f"{value:.3f}"


def best_line(timing: Timing) -> str:
    """``          best 0.123s of [0.123, 0.131]``: a timing in the progress output."""
    return f"          best {timing.best:.3f}s of {[round(r, 3) for r in timing.runs]}"


def format_ratio_table(rows: Sequence[RatioRow], *, ours: str = "orch", theirs: str = "tox") -> str:
    """Render *rows* as an aligned text table: command, seconds for each tool, ratio theirs/ours."""
    header = ["command", f"{ours} [s]", f"{theirs} [s]", f"{theirs}/{ours}", "note"]
    body = [
        [
            row.label,
            seconds(row.ours),
            seconds(row.theirs),
            "n/a" if row.ratio is None else f"{row.ratio:.1f}x",
            row.note,
        ]
        for row in rows
    ]
    return format_table(header, body, left=(0, 4))


def print_ratio_table(rows: Sequence[RatioRow], *, ours: str = "orch", theirs: str = "tox") -> None:
    """Print :func:`format_ratio_table` to stdout."""
    print(format_ratio_table(rows, ours=ours, theirs=theirs))


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: Iterable[int] = (0,)) -> str:
    """Render *rows* under *header* as an aligned text table; columns in *left* are left-aligned, others right."""
    left_cols = set(left)
    lines = [list(header), *(list(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    aligned = [
        "  ".join(cell.ljust(w) if i in left_cols else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
        for line in lines
    ]
    rule = "-" * max(len(line.rstrip()) for line in aligned)
    return "\n".join([aligned[0].rstrip(), rule, *(line.rstrip() for line in aligned[1:])])


def format_targets(items: Iterable[Mapping[str, Any]]) -> str:
    """One line per target: ``[PASS]``/``[FAIL]``, ``[INFO]`` (``ok`` is ``None``) or ``[ n/a]`` (no ``value``)."""
    lines = []
    for item in items:
        value = item.get("value")
        mark = "n/a" if value is None else {True: "PASS", False: "FAIL", None: "INFO"}[item.get("ok")]
        lines.append(f"  [{mark:>4}] {item['target']}: {value if value is not None else 'not measured'}")
    return "\n".join(lines)


def machine_info() -> dict[str, Any]:
    """Context worth keeping next to numbers: interpreter, platform, CPU count, time of the run."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write *data* as indented JSON to *path*, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def section(title: str) -> None:
    """Print a visible section heading."""
    print(f"\n== {title} ==", flush=True)


def ratio(top: float | None, bottom: float | None) -> float | None:
    """``top / bottom``, or ``None`` when either is missing."""
    return None if top is None or bottom is None or bottom <= 0 else top / bottom


def ratio_item(name: str, top: float | None, bottom: float | None, limit: float | None = None) -> dict[str, Any]:
    """One ratio of a script's table: *name*, ``top / bottom`` as ``value``, the target *limit* as ``max``."""
    return {"name": name, "value": ratio(top, bottom), "max": limit}


def ratios_table(items: Sequence[Mapping[str, Any]]) -> str:
    """One row per ratio item (``name``, ``value``, ``max``), with its target where there is one."""
    rows = [
        [
            item["name"],
            "n/a" if item["value"] is None else f"{item['value']:.2f}x",
            "" if item["max"] is None else f"<= {item['max']:g}x",
        ]
        for item in items
    ]
    return format_table(["ratio", "value", "target"], rows)


def ratio_goals(items: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """The ratio items with a ``max`` as target entries: ``labels`` maps an item's name to the target's text."""
    return [
        {
            "target": labels[item["name"]],
            "value": None if item["value"] is None else f"{item['value']:.2f}x",
            "ok": None if item["value"] is None else item["value"] <= item["max"],
        }
        for item in items
        if item["max"] is not None
    ]


def timings_as_dict(timings: Mapping[str, Mapping[str, Timing | None]]) -> dict[str, dict[str, Any]]:
    """JSON-ready form of ``{phase or case: {tool: Timing or None}}``."""
    return {
        key: {name: None if t is None else t.as_dict() for name, t in by_name.items()}
        for key, by_name in timings.items()
    }


def finish(json_path: Path | None, document: Callable[[], Mapping[str, Any]], errors: Sequence[str]) -> int:
    """Write ``document()`` to *json_path* (if given), list the *errors*; return the exit code (1 on errors)."""
    if json_path:
        write_json(json_path, document())
        print(f"\nwrote {json_path}")
    if errors:
        section(f"{len(errors)} error(s), details above")
        for message in errors:
            print(f"  - {message.splitlines()[0]}")
    return 1 if errors else 0
