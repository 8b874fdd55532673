"""Where a cold ``-p auto`` run goes (``bench_parallel.py``'s breakdown): its keys, what each env's record, uv's
log and ``lib`` folder say after a ``--notest`` run, and the two tables that show it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from _report import Results, format_table, seconds
from _runs import RECORD
from _suite import ENVS

SHELL = "shell"
"""Key of the commands-alone measurement: the five commands started at once, waited for together."""

NOTEST = "orch --notest"
"""Breakdown key: cold ``orch -p auto --notest``."""

ORCH_FIRST = "orch first"
"""Breakdown key: ``orch -p auto`` right after ``--notest``, in envs whose packages have no bytecode yet."""

SHELL_FIRST = "shell first"
"""Breakdown key: the commands in parallel right after ``--notest``."""

UV_NOTEST = "tox-uv --notest"
"""Breakdown key: cold ``tox -p auto --notest`` with tox-uv, for comparison."""

UV_FIRST = "tox-uv first"
"""Breakdown key: tox-uv's ``tox -p auto`` right after its ``--notest``."""


UV_STEP = re.compile(r"^(Resolved|Prepared|Installed) \d+ packages? in ([\d.]+)(ms|s)\b", re.MULTILINE)
"""uv's own timing lines in an env's ``setup.log`` (``Resolved 5 packages in 172ms``)."""


def count_pyc(env_dir: Path) -> int:
    """Bytecode files under the env's ``lib`` folder(s): 0 right after uv installed into it."""
    return sum(1 for lib in env_dir.glob("[Ll]ib*") for _ in lib.rglob("*.pyc"))


def env_details(work_dir: Path) -> dict[str, dict[str, Any]]:
    """Per env, after a ``--notest`` run: its duration from the record, uv's steps from ``log/setup.log``
    (seconds, as uv reports them), and how many ``.pyc`` files its ``lib`` has."""
    try:
        by_env = json.loads((work_dir / RECORD).read_text(encoding="utf-8"))["envs"]
    except (OSError, ValueError, KeyError, TypeError):
        by_env = {}
    details: dict[str, dict[str, Any]] = {}
    for name in ENVS:
        try:
            log = (work_dir / name / "log" / "setup.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            log = ""
        steps: dict[str, float] = {}
        for step, value, unit in UV_STEP.findall(log):
            steps[step.lower()] = steps.get(step.lower(), 0.0) + float(value) / (1000 if unit == "ms" else 1)
        details[name] = {
            "duration": (by_env.get(name) or {}).get("duration"),
            "uv": steps,
            "pyc_after_notest": count_pyc(work_dir / name),
        }
    return details


def breakdown_table(results: Results) -> str:
    """Where a cold ``-p auto`` run goes: setting up, then the first run in fresh envs (orch, and tox-uv)."""
    best = results.best

    def total(*values: float | None) -> float | None:
        return None if None in values else sum(v for v in values if v is not None)

    header = ["step (best of each)", "orch [s]", "tox-uv [s]"]
    notest, first = best("breakdown", NOTEST), best("breakdown", ORCH_FIRST)
    uv_notest, uv_first = best("breakdown", UV_NOTEST), best("breakdown", UV_FIRST)
    rows = [
        ["-p auto --notest, empty work dir (set up only)", seconds(notest), seconds(uv_notest)],
        ["-p auto right after it (envs set up, no bytecode yet)", seconds(first), seconds(uv_first)],
        ["sum of the two", seconds(total(notest, first)), seconds(total(uv_notest, uv_first))],
        ["cold -p auto (table above)", seconds(best("cold", "orch")), seconds(best("cold", "tox-uv"))],
        ["warm -p auto (table above)", seconds(best("warm", "orch")), seconds(best("warm", "tox-uv"))],
        ["commands in parallel right after orch --notest", seconds(best("breakdown", SHELL_FIRST)), ""],
        ["commands in parallel, warm (table above)", seconds(best("warm", SHELL)), ""],
    ]
    return format_table(header, rows)


def details_table(details: Sequence[Mapping[str, Any]]) -> str | None:
    """Per env, from the breakdown round with the fastest ``--notest``: setup time, uv's steps, bytecode."""
    rounds = [r for r in details if r["notest"] is not None and r["envs"]]
    if not rounds:
        return None
    fastest = min(rounds, key=lambda r: r["notest"])
    header = ["env", "setup [s]", "uv resolve [s]", "uv install [s]", ".pyc after --notest", ".pyc after first run"]
    rows = [
        [
            name,
            seconds(env["duration"]),
            seconds(env["uv"].get("resolved")),
            seconds(env["uv"].get("installed")),
            str(env["pyc_after_notest"]),
            str(env.get("pyc_after_first", "n/a")),
        ]
        for name, env in fastest["envs"].items()
    ]
    title = f"per env, fastest --notest round ({seconds(fastest['notest'])} s; setup: the env's duration in the record)"
    return title + "\n" + format_table(header, rows)
