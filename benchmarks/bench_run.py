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

Usage: ``python benchmarks/bench_run.py [--repeat 3] [--cold-repeat 1] [--json results.json]``
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    CommandFailed,
    OrchLocation,
    OrchNotFound,
    Timing,
    add_output_options,
    add_tool_options,
    check_repeats,
    ensure_tool_venv,
    find_python,
    finish,
    format_table,
    format_targets,
    locate_orch,
    machine_info,
    ratio_goals,
    ratios_table,
    resolve_executable,
    run_command,
    run_in_temp_dir,
    scrubbed_env,
    section,
    shell_join,
    time_sequence,
    timings_as_dict,
    tool_version,
    venv_executable,
)

PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
"""The interpreter versions of the generated project's envs."""

ENVS = tuple("py" + version.replace(".", "") for version in PYTHONS)
"""``py39`` ... ``py313``, in ``env_list`` order."""

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

TOOLS = ("orch", "tox", "tox-uv")
"""The measured tools, in the order they run and appear in the table."""

COMMANDS = "commands"
"""Key of the commands-alone measurement."""


# --------------------------------------------------------------------------------------------- setup


UNSHARED = "cold, bytecode not shared"  # phase name: orch cold with ORCH_SHARE_BYTECODE=0


def write_project(root: Path) -> Path:
    """Create ``root/project`` with the ``tox.ini`` and ``tests/test_one.py``; return the project folder."""
    project = root / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tox.ini").write_text(TOX_INI, encoding="utf-8")
    (project / "tests" / "test_one.py").write_text(TEST_FILE, encoding="utf-8")
    return project


@dataclass
class Tool:
    """One measured command line and the work dir it keeps its envs in (deleted before cold runs)."""

    name: str
    cmd: list[str]
    work_dir: Path
    version: str | None = None
    failed: bool = False
    keep: tuple[str, ...] = ()  # folders in work_dir that are another tool's: orch's .tox/.orch in tox's .tox

    def env_python(self, env: str) -> Path:
        """The interpreter of *env* inside this tool's work dir."""
        return venv_executable(self.work_dir / env, "python")

    def clean(self) -> None:
        """Delete the work dir (all but *keep* in it), so the next run creates every env anew."""
        children = list(self.work_dir.iterdir()) if self.keep and self.work_dir.is_dir() else [self.work_dir]
        for path in children:
            if path.name in self.keep:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {"cmd": self.cmd, "work_dir": self.work_dir.name, "version": self.version, "failed": self.failed}


@dataclass
class Results:
    """Everything measured, plus the problems found along the way."""

    timings: dict[str, dict[str, Timing | None]] = field(default_factory=dict)
    commands_in: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def best(self, phase: str, tool: str) -> float | None:
        """Best seconds of *tool* in *phase* (``cold``, ``warm``), or ``None`` if not measured."""
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


def find_interpreters(results: Results) -> dict[str, Path]:
    """CPython ``X.Y`` for every entry of :data:`PYTHONS` (missing ones are errors: tox would fail on them)."""
    found: dict[str, Path] = {}
    for version in PYTHONS:
        path = find_python(version)
        if path is None:
            results.error(f"python{version} not found in pyenv ($PYENV_ROOT/versions) or on PATH")
        else:
            found[version] = path
    return found


def bench_env(root: Path, interpreters: Mapping[str, Path]) -> dict[str, str]:
    """The environment all commands run in: scrubbed, the interpreters' folders first on ``PATH``.

    ``VIRTUAL_ENV`` is dropped so an activated venv of the caller does not leak into uv or virtualenv.
    """
    folders = list(dict.fromkeys(str(path.parent) for path in interpreters.values()))
    env = scrubbed_env({"PATH": os.pathsep.join([*folders, os.environ.get("PATH", "")])}, work_dir=root)
    env.pop("VIRTUAL_ENV", None)
    return env


def find_tools(args: argparse.Namespace, project: Path, results: Results) -> list[Tool]:
    """The orch, tox and tox-uv commands (building cached venvs as needed); failures are recorded and skipped."""
    tools: list[Tool] = []
    if not args.tox_only:
        orch: OrchLocation | None = None
        try:
            orch = locate_orch(args.orch)
        except OrchNotFound as exc:
            results.error(f"orch not available, orch side skipped (tox and tox-uv are still measured): {exc}")
        if orch is not None:
            tools.append(Tool("orch", [*orch.cmd, "run"], project / ".tox" / ".orch"))
    for name, explicit, packages, work_dir in (
        ("tox", args.tox, ["tox"], ".tox"),
        ("tox-uv", args.tox_uv, ["tox", "tox-uv"], ".tox-uv"),
    ):
        exe = tool_executable(name, explicit, packages, args.refresh_tox, results)
        if exe is None:
            continue
        extra = [] if work_dir == ".tox" else ["-x", f"tox.work_dir={work_dir}"]
        tools.append(Tool(name, [str(exe), "run", *extra], project / work_dir, keep=(".orch",) if not extra else ()))
    return tools


def tool_executable(
    name: str, explicit: str | None, packages: Sequence[str], refresh: bool, results: Results
) -> Path | None:
    """``--tox``/``--tox-uv`` resolved, else the ``tox`` of a cached venv holding *packages*."""
    if explicit:
        path = resolve_executable(explicit)
        if path is None:
            results.error(f"--{name} {explicit}: no such file or command")
        return path
    try:
        return venv_executable(ensure_tool_venv(name, packages, refresh=refresh), "tox")
    except CommandFailed as exc:
        results.error(f"cannot set up {name}: {exc.describe()}")
        return None


def check_tox_uv(tool: Tool, project: Path, env: Mapping[str, str], results: Results) -> None:
    """Error if the tox-uv command's tox does not list the tox-uv plugin (it would silently measure plain tox)."""
    try:
        out = run_command([tool.cmd[0], "--version"], cwd=project, env=env, timeout=120).stdout
    except CommandFailed as exc:
        results.error(f"tox-uv: {exc.describe()}")
        tool.failed = True
        return
    plugin = re.search(r"tox-uv(?:-bare)?-(\S+) at .*?(?:with uv==(\S+))?$", out, re.MULTILINE)
    if plugin is None:
        results.error(f"tox-uv: {tool.cmd[0]} has no tox-uv plugin (`tox --version` lists none)")
        tool.failed = True
        return
    uv = f", uv {plugin.group(2)}" if plugin.group(2) else ""
    tool.version = f"tox {tool.version} + tox-uv {plugin.group(1)}{uv}"


# --------------------------------------------------------------------------------------------- measuring


def measure_warm(
    results: Results, tools: Sequence[Tool], source: Tool | None, project: Path, env: Mapping[str, str], repeat: int
) -> None:
    """One untimed round, then *repeat* rounds; in each, every tool's warm run, then the commands alone (the
    five ``ENV_PYTHON -m pytest -q`` in *source*'s envs), taking turns: a change in the machine's load reaches
    orch and the commands it is compared with alike (timed one phase after the other, the ratio moved by a
    fifth between invocations). A failure leaves that entry out of the later rounds."""
    entries: list[tuple[str, list[list[str]], Tool | None]] = [(t.name, [t.cmd], t) for t in tools if not t.failed]
    if source is not None:
        results.commands_in = source.name
        entries.append((COMMANDS, [[str(source.env_python(name)), "-m", "pytest", "-q"] for name in ENVS], None))
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
            if number:
                runs.setdefault(key, []).append(elapsed)
            line.append(f"{key} {elapsed:.3f}")
        print(f"  round {number}{' (untimed)' if not number else ''}: " + "  ".join(line), flush=True)
    slot = results.timings.setdefault("warm", {})
    for key, cmds, _ in entries:
        values = runs.get(key)
        slot[key] = Timing(cmd=[shell_join(c) for c in cmds], runs=values) if values and key not in failed else None


def measure_cold(results: Results, tools: Sequence[Tool], project: Path, env: Mapping[str, str], repeat: int) -> None:
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
            runs.setdefault((phase, tool.name), []).append(timing.runs[0])
            label = tool.name if phase == "cold" else f"{tool.name} (not shared)"
            line.append(f"{label} {timing.runs[0]:.3f}")
        print(f"  round {number}: " + "  ".join(line), flush=True)
    for phase, tool, _ in entries:
        values = runs.get((phase, tool.name))
        timing = Timing(cmd=[shell_join(tool.cmd)], runs=values) if values and not tool.failed else None
        results.timings.setdefault(phase, {})[tool.name] = timing


def warm_up(results: Results, tool: Tool, project: Path, env: Mapping[str, str]) -> None:
    """One untimed run from an empty work dir: fills uv's and pip's caches and the tool's ``__pycache__``."""
    print(f"  {tool.name:>6}: {shell_join(tool.cmd)} ...", flush=True)
    tool.clean()
    try:
        run_command(tool.cmd, cwd=project, env=env)
    except CommandFailed as exc:
        results.error(f"{tool.name} (warm-up) failed: {exc.describe()}")
        tool.failed = True


def version_of(python: Path, project: Path, env: Mapping[str, str]) -> str | None:
    """``X.Y`` of *python*, or ``None`` if it does not run."""
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        return run_command([str(python), "-c", code], cwd=project, env=env, timeout=120).stdout.strip()
    except CommandFailed:
        return None


def check_envs(results: Results, tool: Tool, project: Path, env: Mapping[str, str]) -> None:
    """Every env of *tool* must exist with the Python its name asks for; otherwise the tool is marked failed."""
    if tool.failed:
        return
    wrong = []
    for name, version in zip(ENVS, PYTHONS):
        python = tool.env_python(name)
        got = version_of(python, project, env) if python.exists() else None
        if got != version:
            wrong.append(f"{name}: {'no ' + str(python) if not python.exists() else f'Python {got}'}")
    if wrong:
        results.error(f"{tool.name}: envs missing or on the wrong Python after its run: {'; '.join(wrong)}")
        tool.failed = True
    else:
        print(f"  {tool.name}: {len(ENVS)} envs in {tool.work_dir.name}/ on Python {', '.join(PYTHONS)}")


def commands_source(args: argparse.Namespace, tools: Sequence[Tool], results: Results) -> Tool | None:
    """The tool whose envs the commands-alone run uses: orch's, or tox's when orch failed (``--commands-in``)."""
    by_name = {tool.name: tool for tool in tools if not tool.failed}
    if args.commands_in != "auto":
        chosen = by_name.get(args.commands_in)
        if chosen is None:
            results.error(f"--commands-in {args.commands_in}: that tool has no working envs")
        return chosen
    for name in ("orch", "tox", "tox-uv"):
        if name in by_name:
            if name != "orch" and not args.tox_only:
                results.warn(f"commands alone run in {name}'s envs: orch made none")
            return by_name[name]
    return None


def measure_commands(results: Results, source: Tool, project: Path, env: Mapping[str, str], repeat: int) -> None:
    """Time ``ENV_PYTHON -m pytest -q`` for the five envs one after another, as one whole."""
    cmds = [[str(source.env_python(name)), "-m", "pytest", "-q"] for name in ENVS]
    results.commands_in = source.name
    slot = results.timings.setdefault("warm", {})
    print(f"  pytest -q in {source.work_dir.name}/{{{','.join(ENVS)}}} (x{repeat}, after one untimed round) ...")
    try:
        timing = time_sequence(cmds, cwd=project, env=env, repeat=repeat, warmup=1)
    except CommandFailed as exc:
        results.error(f"commands alone failed: {exc.describe()}")
        slot[COMMANDS] = None
        return
    print(f"          best {timing.best:.3f}s of {[round(r, 3) for r in timing.runs]}", flush=True)
    slot[COMMANDS] = timing


def set_versions(tools: Sequence[Tool], project: Path, env: Mapping[str, str], results: Results) -> None:
    """Fill in each tool's version; check that the tox-uv tool really has the plugin."""
    for tool in tools:
        tool.version = tool_version(tool.cmd[:-1] if tool.name == "orch" else tool.cmd[:1], cwd=project, env=env)
        if tool.name == "tox-uv":
            check_tox_uv(tool, project, env, results)


def print_tools(tools: Sequence[Tool], interpreters: Mapping[str, Path]) -> None:
    """The ``tools`` section: each tool's command and version, and the interpreters found."""
    section("tools")
    for tool in tools:
        print(f"  {tool.name:>6}: {shell_join(tool.cmd)} (version {tool.version})")
    for version, path in interpreters.items():
        print(f"  python{version}: {path}")


# --------------------------------------------------------------------------------------------- reporting


def ratio(top: float | None, bottom: float | None) -> float | None:
    """``top / bottom``, or ``None`` when either is missing."""
    return None if top is None or bottom is None or bottom <= 0 else top / bottom


def ratios(results: Results) -> list[dict[str, Any]]:
    """The ratios of the table: name, value, and the target (``max``) where the issue sets one."""
    best = results.best
    return [
        {
            "name": "orch warm / commands alone",
            "value": ratio(best("warm", "orch"), best("warm", COMMANDS)),
            "max": WARM_TARGET,
        },
        {
            "name": "orch cold / tox-uv cold",
            "value": ratio(best("cold", "orch"), best("cold", "tox-uv")),
            "max": COLD_TARGET,
        },
        {"name": "tox warm / orch warm", "value": ratio(best("warm", "tox"), best("warm", "orch")), "max": None},
        {
            "name": "orch warm / tox-uv warm",
            "value": ratio(best("warm", "orch"), best("warm", "tox-uv")),
            "max": AHEAD_TARGET,
        },
        {"name": "tox cold / orch cold", "value": ratio(best("cold", "tox"), best("cold", "orch")), "max": None},
        {
            "name": "orch cold, bytecode not shared / tox-uv cold",
            "value": ratio(best(UNSHARED, "orch"), best("cold", "tox-uv")),
            "max": None,
        },
    ]


def seconds(value: float | None) -> str:
    """``1.234`` style seconds, or ``n/a``."""
    return "n/a" if value is None else f"{value:.3f}"


def times_table(results: Results) -> str:
    """Rows cold / warm; columns orch, tox, tox-uv, commands alone (warm only)."""
    header = ["phase", *(f"{tool} [s]" for tool in TOOLS), "commands alone [s]"]
    rows = []
    for phase in ("cold", UNSHARED, "warm"):
        if phase not in results.timings:
            continue
        row = [phase, *(seconds(results.best(phase, tool)) for tool in TOOLS)]
        row.append(seconds(results.best(phase, COMMANDS)) if phase == "warm" else "")
        rows.append(row)
    return format_table(header, rows)


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="timed warm runs per tool and of the commands (3)")
    parser.add_argument("--cold-repeat", type=int, default=1, help="timed cold runs per tool (1: cold is slow)")
    add_tool_options(parser, tox_uv=True, commands_in="the commands-alone run uses")
    add_output_options(parser, tox_uv=True)
    args = parser.parse_args(argv)
    check_repeats(parser, args, "repeat", "cold_repeat")
    return args


def run(args: argparse.Namespace, root: Path) -> int:
    """Generate the project, measure, check, report; return the exit code."""
    results = Results()
    project = write_project(root)
    interpreters = find_interpreters(results)
    if len(interpreters) < len(PYTHONS):
        return 1
    env = bench_env(root, interpreters)
    tools = find_tools(args, project, results)
    set_versions(tools, project, env, results)
    print_tools(tools, interpreters)
    print(f"  project: {project}")

    section("warm-up: one untimed run of each tool (fills the uv and pip caches)")
    for tool in tools:
        if not tool.failed:
            warm_up(results, tool, project, env)
    section(f"cold: empty work dir, warm caches; the tools take turns (best of {args.cold_repeat})")
    measure_cold(results, tools, project, env, args.cold_repeat)
    section("envs made by the cold runs")
    for tool in tools:
        check_envs(results, tool, project, env)
    section(
        f"warm: envs in place, nothing changed; the tools and the commands alone ({len(ENVS)} x `python -m pytest"
        f" -q`, one after another) take turns (one untimed round, then best of {args.repeat})"
    )
    measure_warm(results, tools, commands_source(args, tools, results), project, env, args.repeat)

    items = ratios(results)
    goals = targets(items)
    section(f"results (wall clock; cold best of {args.cold_repeat}, warm best of {args.repeat})")
    print(times_table(results))
    if results.commands_in and results.commands_in != "orch":
        print(f"(commands alone measured in {results.commands_in}'s envs)")
    print()
    print(ratios_table(items))
    section("targets")
    print(format_targets(goals))
    return finish(args.json, lambda: to_json(args, results, tools, interpreters, items, goals), results.errors)


def to_json(
    args: argparse.Namespace,
    results: Results,
    tools: Sequence[Tool],
    interpreters: Mapping[str, Path],
    items: Sequence[Mapping[str, Any]],
    goals: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Assemble the ``--json`` document."""
    return {
        "benchmark": "run",
        "machine": machine_info(),
        "settings": {"repeat": args.repeat, "cold_repeat": args.cold_repeat, "envs": list(ENVS)},
        "tools": {tool.name: tool.as_dict() for tool in tools},
        "interpreters": {version: str(path) for version, path in interpreters.items()},
        "commands_in": results.commands_in,
        "timings": timings_as_dict(results.timings),
        "ratios": list(items),
        "targets": list(goals),
        "errors": results.errors,
        "warnings": results.warnings,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, run inside a temporary folder (kept with ``--keep``)."""
    return run_in_temp_dir(run, parse_args(argv), prefix="orch-bench-run-")


if __name__ == "__main__":
    sys.exit(main())
