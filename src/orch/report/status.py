"""The status area of a parallel run on a terminal: a row per running env and per running build, and a
line of counts.

Each row turns a spinner, says how long its env (or build) has run and what it does now, and how long
that step has taken once it passes :data:`SLOW`::

    ⠹ py311        12.4 s  installing 3 deps (9 s)
    ⠹ .pkg[sdist]   1.2 s  building the wheel from the sdist with setuptools.build_meta
    orch: 2/6 envs done (1 failed), 3 running, 1 waiting; 1 build (12.6 s)

The counts are of envs only: builds (``.pkg[...]`` rows) are not envs, so they are counted apart, and
``done + running + waiting`` is the number of envs the run started with. A build row ends with the
build: when its last note says it was built or failed (see :data:`BUILD_ENDS`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_SPINNER = "-\\|/"
SLOW = 2.0  # seconds: a step that takes longer shows its own time
BUILD_ENDS = ("built ", "build failed")  # a build row's last note starts with one of these


def is_build(name: str) -> bool:
    """Whether a row is a build's (``.pkg[sdist]``) rather than an env's."""
    return name.startswith(".pkg")


def spinner_for(encoding: str | None) -> str:
    """The braille spinner when the stream can write it, else ``-\\|/``."""
    try:
        SPINNER.encode(encoding or "ascii")
    except (LookupError, UnicodeEncodeError):
        return ASCII_SPINNER
    return SPINNER


@dataclass
class Row:
    begun: float  # when the env (build) started
    doing: str  # what it does now
    since: float  # when it started doing that


@dataclass
class StatusArea:
    """What the live view shows; the caller holds the lock and decides when to draw."""

    spinner: str = SPINNER
    total: int | None = None
    envs: dict[str, Row] = field(default_factory=dict)
    builds: dict[str, Row] = field(default_factory=dict)
    done: int = 0
    failed: int = 0
    begun: float = field(default_factory=time.monotonic)
    tick: int = 0  # redraws so far: the spinner's frame

    def doing(self, name: str, text: str, now: float | None = None) -> None:
        """``name`` (an env, or a build) does ``text`` now; a build's last note removes its row."""
        now = time.monotonic() if now is None else now
        rows = self.builds if is_build(name) else self.envs
        if is_build(name) and text.startswith(BUILD_ENDS):
            rows.pop(name, None)
            return
        row = rows.get(name)
        if row is None:
            rows[name] = Row(now, text, now)
        elif row.doing != text:
            row.doing, row.since = text, now

    def finished(self, name: str, *, failed: bool) -> None:
        self.envs.pop(name, None)
        self.done += 1
        self.failed += failed

    def counts(self, now: float) -> str:
        """``orch: 2/6 envs done (1 failed), 3 running, 1 waiting; 1 build (12.6 s)``."""
        running = len(self.envs)
        total = self.total if self.total is not None else self.done + running
        total = max(total, self.done + running)
        text = f"orch: {self.done}/{total} envs done" + (f" ({self.failed} failed)" if self.failed else "")
        text += f", {running} running"
        if waiting := total - self.done - running:
            text += f", {waiting} waiting"
        if self.builds:
            text += f"; {len(self.builds)} build{'s' if len(self.builds) > 1 else ''}"
        return f"{text} ({now - self.begun:.1f} s)"

    def lines(self, columns: int, height: int, now: float | None = None) -> list[str]:
        """The rows (as many as fit in ``height`` lines, with a ``... and N more``) and the counts, each
        cut to ``columns``."""
        now = time.monotonic() if now is None else now
        width = max(columns - 1, 20)
        rows = [*self.builds.items(), *self.envs.items()]
        room = max(height - 3, 1)
        hidden = 0
        if len(rows) > room:
            rows, hidden = rows[: room - 1], len(rows) - room + 1
        frame = self.spinner[self.tick % len(self.spinner)]
        name_width = max((len(name) for name, _ in rows), default=0)
        out = []
        for name, row in rows:
            step = f" ({now - row.since:.0f} s)" if now - row.since >= SLOW and row.since > row.begun else ""
            line = f"{frame} {name.ljust(name_width)}  {now - row.begun:6.1f} s  {row.doing}{step}"
            out.append(line.rstrip()[:width])
        if hidden:
            out.append(f"  ... and {hidden} more"[:width])
        out.append(self.counts(now)[:width])
        return out
