#!/usr/bin/env python3
"""Benchmark: how fast ``orch run`` sets up and runs five environments, compared with tox and tox-uv.

Generates a project in a temporary folder -- a ``tox.ini`` with ``env_list = py39, py310, py311, py312, py313``,
``skip_install = true``, ``deps = pytest``, ``commands = pytest -q {posargs}``, and one test file -- then
measures, one env after another (no parallelism), in the same run:

* **cold**: ``orch run`` (work dir ``.tox/.orch``), ``tox run`` (``.tox``) and tox with the tox-uv plugin
  (``tox run -x tox.work_dir=.tox-uv``), each with its env folder deleted before every timed run but with warm
  uv/pip caches (each tool does one untimed run first); the tools take turns within each round;
* **cold, bytecode not shared** (no target): ``orch run`` cold again with ``ORCH_SHARE_BYTECODE=0``, so each
  env's first pytest compiles its imports, as tox's and tox-uv's do;
* **warm**: the same three commands again, envs in place and nothing changed;
* **commands alone**: ``python -m pytest -q`` with each env's interpreter, the five one after another, timed
  as one whole (in orch's envs; in tox's if orch could not make them).

It checks every command exits 0 and every env got the right Python, prints the times, the ratios and the
targets (warm orch at most 1.3x the commands alone, cold orch at most 0.4x tox-uv's cold time), and with
``--json PATH`` writes everything as JSON.

tox and tox + tox-uv come from venvs cached under ``benchmarks/.cache/`` (made on first use) unless ``--tox`` /
``--tox-uv`` are given; orch is ``--orch PATH``, else the ``orch`` script next to this interpreter, else
``python -m orch``. The CPython 3.9-3.13 interpreters are taken from pyenv (``$PYENV_ROOT/versions``) or
``PATH`` and their folders put first on ``PATH`` for all three tools.

With ``--index local`` every tool gets its packages from a local index that sends PyPI's caching headers
(``_index.py``) instead of this machine's default, PyPI through a proxy that drops them; the requests each
run made to it are reported.

Usage: ``python benchmarks/bench_run.py [--repeat 3] [--cold-repeat 1] [--index local] [--json results.json]``
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from _cli import add_index_option, add_output_options, add_tool_options, new_parser, parse_checked
from _index import BenchIndex
from _process import CommandFailed, Timing, shell_join, time_sequence
from _projects import run_in_temp_dir, write_files
from _report import finish, format_targets, ratio_goals, ratio_item, ratios_table, section
from _suite import (
    COMMANDS,
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

TOX_INI = f"""\
[tox]
env_list = {", ".join(ENVS)}

[testenv]
skip_install = true
deps = pytest
commands = pytest -q {{posargs}}
"""

TEST_FILE = """\
def test_one():
    assert 1 + 1 == 2
"""

WARM_TARGET = 1.1
"""Issue 15: a warm ``orch run`` takes at most this many times the commands alone."""

COLD_TARGET = 0.35
"""Issue 15: a cold ``orch run`` takes at most this fraction of tox-uv's cold run."""

AHEAD_TARGET = 1.0
"""Issue 15: orch ahead of tox-uv in every row (orch / tox-uv below 1)."""

# --------------------------------------------------------------------------------------------- setup


UNSHARED = "cold, bytecode not shared"  # phase name: orch cold with ORCH_SHARE_BYTECODE=0


def write_project(root: Path) -> Path:
    """Create ``root/project`` with the ``tox.ini`` and ``tests/test_one.py``; return the project folder."""
    return write_files(root / "project", {"tox.ini": TOX_INI, "tests/test_one.py": TEST_FILE})


# --------------------------------------------------------------------------------------------- measuring


def measure_warm(
    results: SuiteResults,
    tools: Sequence[Tool],
    source: Tool | None,
    project: Path,
    env: Mapping[str, str],
    repeat: int,
    index: BenchIndex,
) -> None:
    """One untimed round, then *repeat* rounds; in each, every tool's warm run, then the commands alone (the
    five ``ENV_PYTHON -m pytest -q`` in *source*'s envs), taking turns: a change in the machine's load reaches
    orch and the commands it is compared with alike (timed one phase after the other, the ratio moved by a
    fifth between invocations). A failure leaves that entry out of the later rounds."""
    entries: list[tuple[str, list[list[str]], Tool | None]] = [(t.name, [t.cmd], t) for t in tools if not t.failed]
    if source is not None:
        results.commands_in = source.name
        entries.append((COMMANDS, pytest_commands(source), None))
    for key, cmds, tool in entries:
        what = shell_join(cmds[0]) if tool is not None else f"python -m pytest -q in .orch/{{{','.join(ENVS)}}}"
        print(f"  {key:>8}: {what}", flush=True)
    runs: dict[str, list[float]] = {}
    failed: set[str] = set()
    for number in range(repeat + 1):
        line = []
        for key, cmds, tool in entries:
            if key in failed:
                continue
            try:
                elapsed = time_sequence(cmds, cwd=project, env=env, repeat=1, warmup=0).runs[0]
            except CommandFailed as exc:
                results.error(f"{key} (warm) failed: {exc.describe()}")
                failed.add(key)
                if tool is not None:
                    tool.failed = True
                continue
            finally:
                index.note("warm", key, timed=number > 0)
            if number:
                runs.setdefault(key, []).append(elapsed)
            line.append(f"{key} {elapsed:.3f}")
        print(f"  round {number}{' (untimed)' if not number else ''}: " + "  ".join(line), flush=True)
    slot = results.timings.setdefault("warm", {})
    for key, cmds, _ in entries:
        values = runs.get(key)
        slot[key] = Timing(cmd=[shell_join(c) for c in cmds], runs=values) if values and key not in failed else None


def measure_cold(
    results: SuiteResults,
    tools: Sequence[Tool],
    project: Path,
    env: Mapping[str, str],
    repeat: int,
    index: BenchIndex,
) -> None:
    """*repeat* rounds; in each, every tool once from an empty work dir, then orch once more without shared
    bytecode (``ORCH_SHARE_BYTECODE=0``, phase :data:`UNSHARED`).

    Taking turns within a round, rather than all runs of one tool and then the next, spreads changes in the
    machine's load and in the package index's response times over all tools alike: a cold run's resolution
    waits on the index, and tox's runs between them take minutes.
    """
    entries = [("cold", tool, env) for tool in tools]
    entries += [(UNSHARED, tool, {**env, "ORCH_SHARE_BYTECODE": "0"}) for tool in tools if tool.name == "orch"]
    runs: dict[tuple[str, str], list[float]] = {}
    for tool in tools:
        print(f"  {tool.name:>6}: {shell_join(tool.cmd)}", flush=True)
    for number in range(1, repeat + 1):
        line = []
        for phase, tool, tool_env in entries:
            if tool.failed:
                continue
            try:
                timing = time_sequence([tool.cmd], cwd=project, env=tool_env, repeat=1, warmup=0, before=tool.clean)
            except CommandFailed as exc:
                results.error(f"{tool.name} ({phase}) failed: {exc.describe()}")
                tool.failed = True
                continue
            finally:
                index.note(phase, tool.name)
            runs.setdefault((phase, tool.name), []).append(timing.runs[0])
            label = tool.name if phase == "cold" else f"{tool.name} (not shared)"
            line.append(f"{label} {timing.runs[0]:.3f}")
        print(f"  round {number}: " + "  ".join(line), flush=True)
    for phase, tool, _ in entries:
        values = runs.get((phase, tool.name))
        timing = Timing(cmd=[shell_join(tool.cmd)], runs=values) if values and not tool.failed else None
        results.timings.setdefault(phase, {})[tool.name] = timing


# --------------------------------------------------------------------------------------------- reporting


def ratios(results: SuiteResults) -> list[dict[str, Any]]:
    """The ratios of the table: name, value, and the target (``max``) where the issue sets one."""
    best = results.best
    return [
        ratio_item("orch warm / commands alone", best("warm", "orch"), best("warm", COMMANDS), WARM_TARGET),
        ratio_item("orch cold / tox-uv cold", best("cold", "orch"), best("cold", "tox-uv"), COLD_TARGET),
        ratio_item("tox warm / orch warm", best("warm", "tox"), best("warm", "orch")),
        ratio_item("orch warm / tox-uv warm", best("warm", "orch"), best("warm", "tox-uv"), AHEAD_TARGET),
        ratio_item("tox cold / orch cold", best("cold", "tox"), best("cold", "orch")),
        ratio_item("orch cold, bytecode not shared / tox-uv cold", best(UNSHARED, "orch"), best("cold", "tox-uv")),
    ]


def targets(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets (the ratios with a ``max``) as PASS/FAIL entries."""
    labels = {
        "orch warm / commands alone": f"warm orch run at most {WARM_TARGET:g}x the commands alone",
        "orch cold / tox-uv cold": f"cold orch run at most {COLD_TARGET:g}x tox-uv's cold time",
        "orch warm / tox-uv warm": "warm orch run ahead of tox-uv's warm run",
    }
    return ratio_goals(items, labels)


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line of this script."""
    parser = new_parser(__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="timed warm runs per tool and of the commands (3)")
    parser.add_argument("--cold-repeat", type=int, default=1, help="timed cold runs per tool (1: cold is slow)")
    add_tool_options(parser, tox_uv=True, commands_in="the commands-alone run uses")
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
    tools = start_tools(args, project, env, results, interpreters, ["run"])
    print(f"  project: {project}")

    section("warm-up: one untimed run of each tool (fills the uv and pip caches)")
    for tool in tools:
        if not tool.failed:
            warm_up(results, tool, project, env, index)
    section(f"cold: empty work dir, warm caches; the tools take turns (best of {args.cold_repeat})")
    measure_cold(results, tools, project, env, args.cold_repeat, index)
    section("envs made by the cold runs")
    check_envs(results, tools, project, env)
    section(
        f"warm: envs in place, nothing changed; the tools and the commands alone ({len(ENVS)} x `python -m pytest"
        f" -q`, one after another) take turns (one untimed round, then best of {args.repeat})"
    )
    measure_warm(results, tools, commands_source(args, tools, results), project, env, args.repeat, index)

    items = ratios(results)
    goals = targets(items)
    section(f"results (wall clock; cold best of {args.cold_repeat}, warm best of {args.repeat})")
    print_times(results, [phase for phase in ("cold", UNSHARED, "warm") if phase in results.timings])
    print()
    print(ratios_table(items))
    index.report()
    section("targets")
    print(format_targets(goals))
    settings = {"repeat": args.repeat, "cold_repeat": args.cold_repeat, "envs": list(ENVS), "index": index.mode}
    return finish(
        args.json,
        lambda: suite_json("run", settings, results, tools, interpreters, items, goals, index=index.as_dict()),
        results.errors,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, run inside a temporary folder (kept with ``--keep``) with the index."""
    args = parse_args(argv)
    with BenchIndex(args.index) as index:
        return run_in_temp_dir(lambda args, root: run(args, root, index), args, prefix="orch-bench-run-")


if __name__ == "__main__":
    sys.exit(main())
