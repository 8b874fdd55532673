#!/usr/bin/env python3
"""Benchmark: ``orch -p auto`` (parallel runs) on five environments, against tox, tox-uv and the shell.

The project is ``bench_run.py``'s: a ``tox.ini`` with ``env_list = py39, py310, py311, py312, py313``,
``skip_install = true``, ``deps = pytest``, ``commands = pytest -q {posargs}``, and one test file. Every tool
runs its envs in parallel, in the same run:

* **warm** (envs in place, nothing changed): ``orch -p auto`` (work dir ``.tox/.orch``), ``tox -p auto`` (``.tox``),
  tox with the tox-uv plugin (``tox -p auto -x tox.work_dir=.tox-uv``), and the commands alone run in parallel
  the way a shell would (``cmd1 & cmd2 & ... & wait``): the five ``ENV/bin/python -m pytest -q`` of orch's envs
  started at once, timed as one whole; and ``orch -p all`` (no target), which like the commands in parallel
  starts all five at once, where ``-p auto`` runs as many as there are CPUs: what orch itself adds, apart
  from the last envs' wait for a free CPU;
* **cold** (each tool's work dir deleted before every timed run, uv and pip caches warm after an untimed
  warm-up run): ``orch -p auto``, tox-uv's and tox's ``-p auto``;
* **breakdown** (no target): a cold ``orch -p auto --notest`` (set the envs up, run nothing), then either
  ``orch -p auto`` or the commands in parallel in those fresh envs; and tox-uv's ``--notest`` then ``-p auto``
  the same way: where a cold run's time goes. Also per env: its setup time from orch's record, uv's own
  resolve/install times from the env's ``log/setup.log``, and ``.pyc`` files in it before and after the first run.

The tools take turns within each round (orch, tox, tox-uv, commands), so a burst of load on the machine hits
them alike. Every orch run is checked from ``.tox/.orch/last-run.json``: rewritten by that run, complete, every env
``ok``; a warm run must have started no installer (every env ``installer_runs == 0``), a cold one must have
created every env. A timed run that does otherwise is an error (exit 1).

Targets (issue 15): warm ``orch -p auto`` at most 1.1x the commands run in parallel; cold ``orch -p auto`` at
most 0.5x tox-uv's cold ``tox -p auto``; set up only (``--notest``) at most 0.6x tox-uv's.

Tools, interpreters, the scrubbed environment and the env checks come from ``bench_run.py``.

With ``--index local`` every tool gets its packages from a local index that sends PyPI's caching headers
(``_index.py``) instead of this machine's default, PyPI through a proxy that drops them; the requests each
run made to it are reported.

Usage: ``python benchmarks/bench_parallel.py [--repeat 5] [--cold-repeat 3] [--index local] [--json results.json]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _breakdown import (
    NOTEST,
    ORCH_FIRST,
    SHELL,
    SHELL_FIRST,
    UV_FIRST,
    UV_NOTEST,
    breakdown_table,
    count_pyc,
    details_table,
    env_details,
)
from _cli import add_index_option, add_output_options, add_tool_options, new_parser, parse_checked
from _index import BenchIndex
from _process import CommandFailed, Timing, run_command, run_parallel
from _projects import run_in_temp_dir
from _report import best_line, finish, format_targets, ratio_goals, ratio_item, ratios_table, seconds, section
from _runs import RunCheck, check_goals, check_orch_run, record_stamp, report_check
from _suite import (
    ENVS,
    SuiteResults,
    Tool,
    check_envs,
    commands_source,
    prepare,
    print_times,
    pytest_commands,
    start_tools,
    suite_json,
    warm_up,
)
from bench_run import write_project

ALL_AT_ONCE = "orch -p all"
"""Key of the extra warm runs of orch with every env at once, as the commands in parallel start them."""
PARALLEL = ("-p", "auto")
"""How every tool is asked to run its envs in parallel (``auto``: as many jobs as CPUs, for orch and tox)."""

WARM_TARGET = 1.1
"""Issue 15: a warm ``orch -p auto`` takes at most this many times the commands run in parallel."""

COLD_TARGET = 0.5
"""Issue 15: a cold ``orch -p auto`` takes at most this fraction of tox-uv's cold ``tox -p auto``."""

# --------------------------------------------------------------------------------------------- measuring


@dataclass
class Bench:
    """The run's shared state: results, the timed runs per (phase, key), orch's per-run checks, the index."""

    results: SuiteResults
    project: Path
    env: Mapping[str, str]
    index: BenchIndex
    runs: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    failed: set[tuple[str, str]] = field(default_factory=set)
    checks: list[RunCheck] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)

    def run_tool(
        self,
        phase: str,
        tool: Tool,
        *,
        timed: bool,
        cold: bool = False,
        key: str | None = None,
        extra: Sequence[str] = (),
        check: str | None = None,
    ) -> float | None:
        """One run of *tool* (``cold``: its work dir deleted first); recorded under (*phase*, *key*) if *timed*.

        orch's runs are checked against its record as phase *check* (default *phase*). A failing command marks
        the tool failed (left out of later phases); an unexpected record is an error if *timed*, else a warning.
        """
        key = key or tool.name
        if tool.failed or (phase, key) in self.failed:
            return None
        if cold:
            tool.clean()
        cmd = [*tool.cmd, *extra]
        stamp = record_stamp(tool.work_dir) if tool.name == "orch" else None
        start = time.perf_counter()
        try:
            run_command(cmd, cwd=self.project, env=self.env)
        except CommandFailed as exc:
            self.results.error(f"{key} ({phase}) failed: {exc.describe()}")
            self.failed.add((phase, key))
            tool.failed = True
            return None
        finally:
            self.index.note(phase, key, timed=timed)
        elapsed = time.perf_counter() - start
        if tool.name == "orch":
            self.check_record(check or phase, timed, tool, stamp)
        if timed:
            self.runs.setdefault((phase, key), []).append(elapsed)
        return elapsed

    def check_record(self, phase: str, timed: bool, tool: Tool, stamp: tuple[int, int] | None) -> None:
        """Check orch's record of the run that just ended; report anything unexpected."""
        result = check_orch_run(
            phase, timed, tool.work_dir, stamp, ENVS, reused=("warm", ORCH_FIRST), created=("cold", "warm-up", NOTEST)
        )
        self.checks.append(result)
        if not result.ok:
            report_check(self.results, result, f"{'timed' if timed else 'untimed'} run")

    def run_shell(self, phase: str, source: Tool, *, timed: bool, key: str = SHELL) -> float | None:
        """The five ``ENV_PYTHON -m pytest -q`` of *source*'s envs, all started at once, timed as one whole."""
        if (phase, key) in self.failed:
            return None
        try:
            elapsed = run_parallel(pytest_commands(source), cwd=self.project, env=self.env)
        except CommandFailed as exc:
            self.results.error(f"commands in parallel ({phase}) failed: {exc.describe()}")
            self.failed.add((phase, key))
            return None
        if timed:
            self.runs.setdefault((phase, key), []).append(elapsed)
        return elapsed

    def store(self, phase: str, key: str, cmd: Sequence[str]) -> None:
        """Put the timed runs of (*phase*, *key*) into ``results.timings`` (``None`` if it failed or never ran)."""
        runs = self.runs.get((phase, key))
        ok = runs and (phase, key) not in self.failed
        timing = Timing(cmd=list(cmd), runs=runs) if ok else None
        self.results.timings.setdefault(phase, {})[key] = timing
        if timing is not None:
            print(f"  {key:>12}: {best_line(timing).lstrip()}")


def round_line(number: int | str, times: Mapping[str, float | None]) -> str:
    """``round 1: orch 0.612  tox 0.901 ...`` for the progress output."""
    return f"  round {number}: " + "  ".join(f"{key} {seconds(value)}" for key, value in times.items())


def measure_cold(bench: Bench, tools: Sequence[Tool], repeat: int) -> None:
    """*repeat* rounds; in each, every tool once from an empty work dir."""
    for number in range(1, repeat + 1):
        times = {tool.name: bench.run_tool("cold", tool, timed=True, cold=True) for tool in tools if not tool.failed}
        print(round_line(number, times), flush=True)
    for tool in tools:
        bench.store("cold", tool.name, tool.cmd)


def measure_warm(bench: Bench, tools: Sequence[Tool], source: Tool | None, repeat: int) -> None:
    """One untimed round, then *repeat* timed rounds: every tool once, then the commands in parallel."""
    for number in range(repeat + 1):
        timed = number > 0
        times: dict[str, float | None] = {
            tool.name: bench.run_tool("warm", tool, timed=timed) for tool in tools if not tool.failed
        }
        orch = next((tool for tool in tools if tool.name == "orch" and not tool.failed), None)
        if orch is not None:  # as many at once as the commands in parallel: orch's own cost, without the tail
            times[ALL_AT_ONCE] = bench.run_tool("warm", orch, timed=timed, key=ALL_AT_ONCE, extra=("-p", "all"))
        if source is not None:
            times[SHELL] = bench.run_shell("warm", source, timed=timed)
        print(round_line(number if timed else "0 (untimed)", times), flush=True)
    for tool in tools:
        bench.store("warm", tool.name, tool.cmd)
        if tool.name == "orch":
            bench.store("warm", ALL_AT_ONCE, [*tool.cmd, "-p", "all"])
    if source is not None:
        bench.store(
            "warm", SHELL, [f"{source.work_dir.name}/{{{','.join(ENVS)}}}/bin/python -m pytest -q, all at once"]
        )


def measure_breakdown(bench: Bench, orch: Tool, tox_uv: Tool | None, repeat: int) -> None:
    """*repeat* rounds of: cold ``orch -p auto --notest`` then ``orch -p auto``; the same two with tox-uv (if
    given); cold ``orch -p auto --notest`` then the commands in parallel. Every second step finds the envs set up
    but pytest not yet compiled to bytecode. After each round's first ``--notest``, :func:`env_details` goes
    into ``bench.details``."""
    for number in range(1, repeat + 1):
        times: dict[str, float | None] = {}
        times[NOTEST] = bench.run_tool(
            "breakdown", orch, timed=True, cold=True, key=NOTEST, extra=["--notest"], check=NOTEST
        )
        details = env_details(orch.work_dir) if times[NOTEST] is not None else {}
        times[ORCH_FIRST] = bench.run_tool("breakdown", orch, timed=True, key=ORCH_FIRST, check=ORCH_FIRST)
        if orch.failed:
            break
        for name, detail in details.items():
            detail["pyc_after_first"] = count_pyc(orch.work_dir / name)
        bench.details.append({"notest": times[NOTEST], "first": times[ORCH_FIRST], "envs": details})
        if tox_uv is not None and not tox_uv.failed:
            times[UV_NOTEST] = bench.run_tool(
                "breakdown", tox_uv, timed=True, cold=True, key=UV_NOTEST, extra=["--notest"]
            )
            times[UV_FIRST] = bench.run_tool("breakdown", tox_uv, timed=True, key=UV_FIRST)
        notest = bench.run_tool("breakdown", orch, timed=True, cold=True, key=NOTEST, extra=["--notest"], check=NOTEST)
        times[f"{NOTEST} (again)"] = notest
        if notest is not None:
            times[SHELL_FIRST] = bench.run_shell("breakdown", orch, timed=True, key=SHELL_FIRST)
        print(round_line(number, times), flush=True)
    bench.store("breakdown", NOTEST, [*orch.cmd, "--notest"])
    bench.store("breakdown", ORCH_FIRST, orch.cmd)
    bench.store("breakdown", SHELL_FIRST, [f"{orch.work_dir.name}/ENV/bin/python -m pytest -q, all at once"])
    if tox_uv is not None:
        bench.store("breakdown", UV_NOTEST, [*tox_uv.cmd, "--notest"])
        bench.store("breakdown", UV_FIRST, tox_uv.cmd)


# --------------------------------------------------------------------------------------------- reporting


def ratios(results: SuiteResults) -> list[dict[str, Any]]:
    """The ratios of the table: name, value, and the target (``max``) where the issue sets one."""
    best = results.best
    notest, first = best("breakdown", NOTEST), best("breakdown", ORCH_FIRST)
    both = None if notest is None or first is None else notest + first
    return [
        ratio_item("orch warm / commands in parallel", best("warm", "orch"), best("warm", SHELL), WARM_TARGET),
        # -p auto runs 2 at a time on 2 CPUs, the commands in parallel all 5: -p all is like for like
        ratio_item("orch -p all warm / commands in parallel", best("warm", ALL_AT_ONCE), best("warm", SHELL)),
        ratio_item("orch cold / tox-uv cold", best("cold", "orch"), best("cold", "tox-uv"), COLD_TARGET),
        ratio_item("tox warm / orch warm", best("warm", "tox"), best("warm", "orch")),
        ratio_item("orch warm / tox-uv warm", best("warm", "orch"), best("warm", "tox-uv"), 1.0),
        ratio_item("tox cold / orch cold", best("cold", "tox"), best("cold", "orch")),
        ratio_item("orch cold --notest / tox-uv cold", notest, best("cold", "tox-uv")),
        # issue 15: set-up only at most 0.6x tox-uv's
        ratio_item("orch cold --notest / tox-uv cold --notest", notest, best("breakdown", UV_NOTEST), 0.6),
        ratio_item("(orch --notest + orch first) / orch cold", both, best("cold", "orch")),
    ]


def targets(bench: Bench, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The checks on orch's records and the issue's ratio targets, as PASS/FAIL entries."""
    goals = check_goals(
        bench.checks,
        [
            (("cold", "warm", NOTEST, ORCH_FIRST), "every timed orch run exits 0, its record complete, every env ok"),
            (("warm",), "warm orch -p auto starts no installer (every env installer_runs == 0)"),
        ],
    )
    labels = {
        "orch warm / commands in parallel": f"warm orch -p auto at most {WARM_TARGET:g}x the commands in parallel",
        "orch cold / tox-uv cold": f"cold orch -p auto at most {COLD_TARGET:g}x tox-uv's cold tox -p auto",
        "orch warm / tox-uv warm": "warm orch -p auto ahead of tox-uv's",
        "orch cold --notest / tox-uv cold --notest": "set up only (--notest, empty work dir) at most 0.6x tox-uv's",
    }
    goals.extend(ratio_goals(items, labels))
    return goals


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line of this script."""
    parser = new_parser(__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed warm rounds (5)")
    parser.add_argument("--cold-repeat", type=int, default=3, help="timed cold rounds, and breakdown rounds (3)")
    add_tool_options(parser, tox_uv=True, commands_in="the commands in parallel use")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the breakdown of orch's cold run")
    add_index_option(parser)
    add_output_options(parser, tox_uv=True)
    return parse_checked(parser, argv, "repeat", "cold_repeat")


def run(args: argparse.Namespace, root: Path, index: BenchIndex) -> int:
    """Generate the project, measure, check, report; return the exit code."""
    results = SuiteResults()
    project = write_project(root)
    prepared = prepare(results, root, index)
    if prepared is None:
        return 1
    interpreters, env = prepared
    bench = Bench(results, project, env, index)
    tools = start_tools(args, project, env, results, interpreters, PARALLEL)
    print(f"  project: {project}; CPUs: {os.cpu_count()} (what -p auto runs at once, for orch and tox)")

    section("warm-up: one untimed run of each tool from an empty work dir (fills the uv and pip caches)")
    for tool in tools:
        if tool.failed:
            continue
        stamp = record_stamp(tool.work_dir)
        warm_up(results, tool, project, env, index)
        if tool.name == "orch" and not tool.failed:
            bench.check_record("warm-up", False, tool, stamp)
    section(f"cold: empty work dir, warm caches; the tools take turns (best of {args.cold_repeat})")
    measure_cold(bench, tools, args.cold_repeat)
    section("envs made by the cold runs")
    check_envs(results, tools, project, env)
    section(
        f"warm: envs in place, nothing changed; the tools and the commands in parallel take turns "
        f"(one untimed round, then best of {args.repeat})"
    )
    source = commands_source(args, tools, results)
    results.commands_in = None if source is None else source.name
    measure_warm(bench, tools, source, args.repeat)
    orch = next((tool for tool in tools if tool.name == "orch" and not tool.failed), None)
    if orch is not None and not args.no_breakdown:
        section(
            f"breakdown of a cold run (orch; tox-uv): --notest from an empty work dir, then the first run in the "
            f"fresh envs (best of {args.cold_repeat})"
        )
        tox_uv = next((tool for tool in tools if tool.name == "tox-uv" and not tool.failed), None)
        measure_breakdown(bench, orch, tox_uv, args.cold_repeat)

    items = ratios(results)
    goals = targets(bench, items)
    section(f"results (wall clock; cold best of {args.cold_repeat}, warm best of {args.repeat})")
    print_times(results, ("cold", "warm"), commands=SHELL, what="commands in parallel", suffix=" -p auto")
    if "breakdown" in results.timings:
        print()
        print(breakdown_table(results))
        per_env = details_table(bench.details)
        if per_env:
            print()
            print(per_env)
    print()
    print(ratios_table(items))
    index.report()
    section("checks and targets")
    print(format_targets(goals))
    settings = {
        "repeat": args.repeat,
        "cold_repeat": args.cold_repeat,
        "envs": list(ENVS),
        "parallel": list(PARALLEL),
        "index": index.mode,
    }
    return finish(
        args.json,
        lambda: suite_json(
            "parallel",
            settings,
            results,
            tools,
            interpreters,
            items,
            goals,
            orch_runs=[check.as_dict() for check in bench.checks],
            breakdown_envs=bench.details,
            index=index.as_dict(),
        ),
        results.errors,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, run inside a temporary folder (kept with ``--keep``) with the index."""
    args = parse_args(argv)
    with BenchIndex(args.index) as index:
        return run_in_temp_dir(lambda args, root: run(args, root, index), args, prefix="orch-bench-parallel-")


if __name__ == "__main__":
    sys.exit(main())
