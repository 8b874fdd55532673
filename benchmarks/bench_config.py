#!/usr/bin/env python3
"""Benchmark: how fast orch reads a configuration, compared with tox.

Generates two projects in a temporary folder -- a ``tox.ini`` whose ``env_list`` expands to 960 environments
with factor-conditional settings, and a small 3-environment one -- then times, best of N runs, in each:

* ``orch list`` vs ``tox list`` on the 960-env file,
* ``orch config -e ALL -k deps`` vs ``tox config -e ALL -k deps`` on the 960-env file,
* ``orch list`` vs ``tox list`` vs ``python -c pass`` on the small file.

It checks every command exits 0 and that orch and tox list the same environments, checks that importing
``orch.cli.main`` pulls in none of the heavy packages (virtualenv, build, uv, rattler), prints a table with
the ratios and the targets, and with ``--json PATH`` writes everything as JSON.

tox comes from a venv cached under ``benchmarks/.cache/`` (made on first use) unless ``--tox PATH`` is given;
orch is ``--orch PATH``, else the ``orch`` script next to this interpreter, else ``python -m orch``.

Usage: ``python benchmarks/bench_config.py [--repeat 5] [--tox-repeat 3] [--json results.json]``
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _cli import add_output_options, add_tool_options, new_parser, parse_checked
from _configs import SMALL_ENVS, expected_large_envs, parse_config_key, parse_env_names, write_projects
from _process import CommandFailed, run_command, time_command
from _projects import run_in_temp_dir, scrubbed_env
from _report import (
    RatioRow,
    Results,
    best_line,
    finish,
    format_targets,
    machine_info,
    print_ratio_table,
    section,
    timings_as_dict,
)
from _tools import ImportReport, OrchLocation, OrchNotFound, import_report, locate_orch, tool_executable, tool_version

HEAVY_MODULES = ("virtualenv", "build", "uv", "rattler")
"""Packages the CLI must not import just to read configuration."""

LIST_SPEEDUP_TARGET = 10.0
"""Issue target: ``orch list`` on the 960-env file is at least this many times faster than ``tox list``."""

SMALL_LIST_TARGET_MS = 30.0
"""Issue 15: ``orch list`` on the 3-env file costs at most this many ms more than ``python -c pass``."""

# --------------------------------------------------------------------------------------------- the run


@dataclass
class Case:
    """One benchmarked invocation, identical for orch and tox."""

    key: str
    label: str
    project: Path
    args: list[str]


@dataclass
class ConfigResults(Results):
    """:class:`Results` (by case), and what importing orch's CLI loads."""

    imports: ImportReport | None = None
    import_error: str | None = None


def timed(
    results: ConfigResults, key: str, tool: str, cmd: Sequence[str], cwd: Path, env: Mapping[str, str], repeat: int
) -> None:
    """Time *cmd* into ``results.timings[key][tool]``; on failure record the error and store ``None``."""
    print(f"  {tool:>6}: {' '.join(cmd)} (x{repeat}) ...", flush=True)
    slot = results.timings.setdefault(key, {})
    try:
        timing = time_command(cmd, cwd=cwd, env=env, repeat=repeat)
    except CommandFailed as exc:
        results.error(f"{tool} failed in {cwd.name} project: {exc.describe()}")
        slot[tool] = None
        return
    print(best_line(timing), flush=True)
    slot[tool] = timing


def list_names(cmd: Sequence[str], cwd: Path, env: Mapping[str, str]) -> list[str] | None:
    """Env names from ``CMD list --no-desc``, or ``None`` if that invocation fails."""
    try:
        return parse_env_names(run_command([*cmd, "list", "--no-desc"], cwd=cwd, env=env).stdout)
    except CommandFailed:
        return None


def compare_names(results: ConfigResults, project: str, orch: Sequence[str], tox: Sequence[str]) -> None:
    """Error if orch and tox list different env names; warn if only the order differs."""
    missing, extra = sorted(set(tox) - set(orch)), sorted(set(orch) - set(tox))
    if missing or extra:
        results.error(
            f"{project}: orch lists {len(orch)} envs, tox {len(tox)}; "
            f"missing in orch: {missing[:10]}{' ...' if len(missing) > 10 else ''}; "
            f"extra in orch: {extra[:10]}{' ...' if len(extra) > 10 else ''}"
        )
    elif list(orch) != list(tox):
        results.warn(f"{project}: orch and tox list the same {len(tox)} envs but in a different order")
    else:
        print(f"  {project}: orch and tox list the same {len(tox)} envs")


def check_env_lists(
    results: ConfigResults, cases: Sequence[Case], orch: OrchLocation | None, tox: Sequence[str]
) -> None:
    """Compare ``list --no-desc`` of both tools per project; fall back to orch's timed ``list`` output."""
    for case in (c for c in cases if c.args == ["list"]):
        env = scrubbed_env(work_dir=case.project.parent)
        tox_names = list_names(tox, case.project, env)
        if tox_names is None:
            results.error(f"{case.project.name}: `tox list --no-desc` failed")
            continue
        expected = expected_large_envs() if case.project.name == "large" else list(SMALL_ENVS)
        if tox_names != expected:
            results.error(
                f"{case.project.name}: tox lists {len(tox_names)} envs, the generator expects {len(expected)}"
            )
        else:
            print(f"  {case.project.name}: tox lists the {len(expected)} envs the generator expects")
        if orch is None:
            continue
        orch_names = list_names(orch.cmd, case.project, env)
        if orch_names is None:
            timing = results.timings.get(case.key, {}).get("orch")
            if timing is None:
                continue  # orch list itself failed: already reported
            results.warn(f"{case.project.name}: `orch list --no-desc` failed; comparing names parsed from `orch list`")
            orch_names = parse_env_names(timing.stdout)
        compare_names(results, case.project.name, orch_names, tox_names)


def check_deps(results: ConfigResults, key: str) -> None:
    """Warn (do not fail) when orch's and tox's ``config -k deps`` disagree for some environments."""
    orch, tox = results.timings.get(key, {}).get("orch"), results.timings.get(key, {}).get("tox")
    if orch is None or tox is None:
        return
    ours, theirs = parse_config_key(orch.stdout, "deps"), parse_config_key(tox.stdout, "deps")
    differ = sorted(name for name in set(ours) | set(theirs) if ours.get(name) != theirs.get(name))
    if differ:
        example = differ[0]
        results.warn(
            f"`config -e ALL -k deps`: {len(differ)} of {len(theirs)} envs differ, e.g. {example}: "
            f"orch {ours.get(example)} vs tox {theirs.get(example)}"
        )
    else:
        print(f"  config -k deps: orch and tox agree on all {len(theirs)} envs")


def check_imports(results: ConfigResults, orch: OrchLocation, env: Mapping[str, str]) -> None:
    """Record which of :data:`HEAVY_MODULES` ``import orch.cli.main`` loads."""
    try:
        results.imports = import_report(orch.python, "orch.cli.main", HEAVY_MODULES, env=env)
    except CommandFailed as exc:
        results.import_error = exc.describe()
        results.error(f"cannot import orch.cli.main with {orch.python}:\n{exc.describe()}")
        return
    report = results.imports
    took = "" if report.cumulative_us is None else f" in {report.cumulative_us / 1000:.1f} ms"
    print(f"  import orch.cli.main loads {len(report.modules)} modules{took}; heavy: {report.flagged or 'none'}")


# --------------------------------------------------------------------------------------------- reporting


def status_note(results: ConfigResults, key: str) -> str:
    """``orch not run`` / ``tox failed`` style remarks for case *key* (empty when both were measured)."""
    by_tool = results.timings.get(key, {})
    missing = [tool for tool in ("orch", "tox") if by_tool.get(tool) is None]
    return ", ".join(f"{tool} {'failed' if tool in by_tool else 'not run'}" for tool in missing)


def table_rows(results: ConfigResults, cases: Sequence[Case]) -> list[RatioRow]:
    """One :class:`RatioRow` per case; the ``python -c pass`` baseline goes in the note of the small list."""
    rows = [
        RatioRow(
            case.label, results.best(case.key, "orch"), results.best(case.key, "tox"), status_note(results, case.key)
        )
        for case in cases
    ]
    startup = results.best("startup", "python")
    for row, case in zip(rows, cases):
        if case.key == "list-3" and startup is not None:
            row.note = "; ".join(filter(None, [f"python -c pass: {startup:.3f}s", row.note]))
    return rows


def targets(results: ConfigResults) -> list[dict[str, Any]]:
    """The issue's targets with measured values; ``ok`` is ``None`` where nothing could be measured."""
    ratio = RatioRow("", results.best("list-960", "orch"), results.best("list-960", "tox")).ratio
    orch_small, startup = results.best("list-3", "orch"), results.best("startup", "python")
    overhead = None if orch_small is None or startup is None else (orch_small - startup) * 1000
    flagged = None if results.imports is None else results.imports.flagged
    return [
        {
            "target": f"orch list on the 960-env file at least {LIST_SPEEDUP_TARGET:g}x faster than tox list",
            "value": None if ratio is None else f"{ratio:.1f}x",
            "ok": None if ratio is None else ratio >= LIST_SPEEDUP_TARGET,
        },
        {
            "target": f"orch list on a small config at most +{SMALL_LIST_TARGET_MS:g} ms over python -c pass",
            "value": None if overhead is None else f"{overhead:+.0f} ms",
            "ok": None if overhead is None else overhead <= SMALL_LIST_TARGET_MS,
        },
        {
            "target": f"importing orch.cli.main loads none of {', '.join(HEAVY_MODULES)}",
            "value": None if flagged is None else (", ".join(flagged) or "none"),
            "ok": None if flagged is None else not flagged,
        },
    ]


def to_json(
    results: ConfigResults,
    rows: Sequence[RatioRow],
    goals: Sequence[Mapping[str, Any]],
    meta: Mapping[str, Any],
) -> dict[str, Any]:
    """Assemble the ``--json`` document."""
    return {
        "benchmark": "config",
        **meta,
        "timings": timings_as_dict(results.timings),
        "table": [row.as_dict() for row in rows],
        "targets": list(goals),
        "imports": results.imports.as_dict() if results.imports else {"error": results.import_error},
        "errors": results.errors,
        "warnings": results.warnings,
    }


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line of this script."""
    parser = new_parser(__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per orch command, best is kept (5)")
    parser.add_argument("--tox-repeat", type=int, help="timed runs per tox command (default: min(3, --repeat))")
    add_tool_options(parser, tox_uv=False)
    add_output_options(parser, tox_uv=False, project="projects")
    args = parse_checked(parser, argv, "repeat", "tox_repeat")
    if args.tox_repeat is None:
        args.tox_repeat = min(3, args.repeat)
    return args


def find_tools(args: argparse.Namespace, results: ConfigResults) -> tuple[list[str] | None, OrchLocation | None]:
    """Resolve the tox command (building the cached venv if needed) and the orch location."""
    exe = tool_executable("tox", args.tox, ["tox"], args.refresh_tox, results.error)
    tox = None if exe is None else [str(exe)]
    orch: OrchLocation | None = None
    if not args.tox_only:
        try:
            orch = locate_orch(args.orch)
        except OrchNotFound as exc:
            results.error(f"orch not available, orch side skipped (tox is still measured): {exc}")
    return tox, orch


def run(args: argparse.Namespace, root: Path) -> int:
    """Generate the projects, measure, check, report; return the exit code."""
    results = ConfigResults()
    large, small = write_projects(root)
    env = scrubbed_env(work_dir=root)
    tox, orch = find_tools(args, results)
    meta: dict[str, Any] = {
        "machine": machine_info(),
        "settings": {"repeat": args.repeat, "tox_repeat": args.tox_repeat, "envs_large": len(expected_large_envs())},
        "tox": {"cmd": tox, "version": tool_version(tox, cwd=small, env=env) if tox else None},
        "orch": {
            "cmd": orch.cmd if orch else None,
            "python": orch.python if orch else None,
            "version": tool_version(orch.cmd, cwd=small, env=env) if orch else None,
        },
    }
    section("tools")
    print(f"  tox : {meta['tox']['cmd']} (version {meta['tox']['version']})")
    print(f"  orch: {meta['orch']['cmd']} (version {meta['orch']['version']}, python {meta['orch']['python']})")

    cases = [
        Case("list-960", "list (960 envs)", large, ["list"]),
        Case("config-960", "config -e ALL -k deps (960 envs)", large, ["config", "-e", "ALL", "-k", "deps"]),
        Case("list-3", "list (3 envs)", small, ["list"]),
    ]
    for case in cases:
        section(f"{case.label} in {case.project}")
        if orch:
            timed(results, case.key, "orch", [*orch.cmd, *case.args], case.project, env, args.repeat)
        if tox:
            timed(results, case.key, "tox", [*tox, *case.args], case.project, env, args.tox_repeat)
    python = orch.python if orch else sys.executable
    section("python start-up baseline")
    timed(results, "startup", "python", [python, "-c", "pass"], small, env, args.repeat)

    section("checks")
    if tox:
        check_env_lists(results, cases, orch, tox)
    check_deps(results, "config-960")
    if orch:
        check_imports(results, orch, env)

    rows = table_rows(results, cases)
    goals = targets(results)
    section(f"results (best of {args.repeat} orch / {args.tox_repeat} tox runs, wall clock)")
    print_ratio_table(rows)
    section("targets")
    print(format_targets(goals))
    return finish(args.json, lambda: to_json(results, rows, goals, meta), results.errors)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, run inside a temporary folder (kept with ``--keep``)."""
    return run_in_temp_dir(run, parse_args(argv), prefix="orch-bench-config-", what="projects")


if __name__ == "__main__":
    sys.exit(main())
