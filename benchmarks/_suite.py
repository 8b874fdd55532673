"""The five envs ``py39`` ... ``py313`` and the tools that run them: orch, tox and tox with tox-uv.

Shared by ``bench_run.py``, ``bench_package.py`` and ``bench_parallel.py`` (which measure these envs with the
three tools and against the commands alone) and by ``bench_scale.py`` and ``bench_cache.py`` (the interpreters):

* the interpreters and the environment every command runs with (:func:`find_interpreters`, :func:`bench_env`),
* the measured tools, their versions and their envs (:class:`Tool`, :func:`find_tools`, :func:`set_versions`,
  :func:`warm_up`, :func:`check_envs`, :func:`commands_source`, :func:`pytest_commands`,
  :func:`measure_commands`),
* what every such script reports (:class:`SuiteResults`, :func:`print_tools`, :func:`print_times`,
  :func:`suite_json`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _index import BenchIndex
from _process import CommandFailed, run_command, shell_join, time_sequence
from _projects import scrubbed_env
from _report import Results, best_line, format_table, machine_info, seconds, section, timings_as_dict
from _tools import OrchLocation, OrchNotFound, find_python, locate_orch, tool_executable, tool_version, venv_executable

PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
"""The interpreter versions of the generated project's envs."""

ENVS = tuple("py" + version.replace(".", "") for version in PYTHONS)
"""``py39`` ... ``py313``, in ``env_list`` order."""

TOOLS = ("orch", "tox", "tox-uv")
"""The measured tools, in the order they run and appear in the table."""

COMMANDS = "commands"
"""Key of the commands-alone measurement."""


@dataclass
class SuiteResults(Results):
    """:class:`Results`, and whose envs the commands alone ran in."""

    commands_in: str | None = None


@dataclass
class Tool:
    """One measured command line and the work dir it keeps its envs in (deleted before cold runs)."""

    name: str
    cmd: list[str]
    work_dir: Path
    version: str | None = None
    failed: bool = False
    keep: tuple[str, ...] = ()  # folders in work_dir that are another tool's: orch's .tox/.orch in tox's .tox
    exe: list[str] | None = None  # the command without its arguments (default: cmd's first word), for --version

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


def prepare(
    results: Results, root: Path, index: BenchIndex | None = None
) -> tuple[dict[str, Path], dict[str, str]] | None:
    """The interpreters (:func:`find_interpreters`) and :func:`bench_env`, pointed at *index* when given
    (:meth:`BenchIndex.start`); ``None`` when an interpreter is missing or the index cannot start."""
    interpreters = find_interpreters(results)
    if len(interpreters) < len(PYTHONS):
        return None
    env = bench_env(root, interpreters)
    if index is not None:
        env = index.start(interpreters, env, results)
        if results.errors:
            return None
    return interpreters, env


def find_tools(args: argparse.Namespace, project: Path, results: Results, run_args: Sequence[str]) -> list[Tool]:
    """orch, tox and tox-uv, each followed by *run_args* (building cached venvs as needed); failures are recorded
    and skipped. Options: ``--orch``, ``--tox``, ``--tox-uv``, ``--tox-only``, ``--refresh-tox``."""
    tools: list[Tool] = []
    if not args.tox_only:
        orch: OrchLocation | None = None
        try:
            orch = locate_orch(args.orch)
        except OrchNotFound as exc:
            results.error(f"orch not available, orch side skipped (tox and tox-uv are still measured): {exc}")
        if orch is not None:
            tools.append(Tool("orch", [*orch.cmd, *run_args], project / ".tox" / ".orch", exe=orch.cmd))
    for name, explicit, packages, work_dir in (
        ("tox", args.tox, ["tox"], ".tox"),
        ("tox-uv", args.tox_uv, ["tox", "tox-uv"], ".tox-uv"),
    ):
        exe = tool_executable(name, explicit, packages, args.refresh_tox, results.error)
        if exe is None:
            continue
        extra = [] if work_dir == ".tox" else ["-x", f"tox.work_dir={work_dir}"]
        keep = (".orch",) if not extra else ()
        tools.append(Tool(name, [str(exe), *run_args, *extra], project / work_dir, keep=keep))
    return tools


def start_tools(
    args: argparse.Namespace,
    project: Path,
    env: Mapping[str, str],
    results: Results,
    interpreters: Mapping[str, Path],
    run_args: Sequence[str],
) -> list[Tool]:
    """:func:`find_tools`, :func:`set_versions`, and the ``tools`` section (:func:`print_tools`)."""
    tools = find_tools(args, project, results, run_args)
    set_versions(tools, project, env, results)
    print_tools(tools, interpreters)
    return tools


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


def set_versions(tools: Sequence[Tool], project: Path, env: Mapping[str, str], results: Results) -> None:
    """Fill in each tool's version; check that the tox-uv tool really has the plugin."""
    for tool in tools:
        tool.version = tool_version(tool.exe or tool.cmd[:1], cwd=project, env=env)
        if tool.name == "tox-uv":
            check_tox_uv(tool, project, env, results)


def warm_up(
    results: Results, tool: Tool, project: Path, env: Mapping[str, str], index: BenchIndex | None = None
) -> None:
    """One untimed run from an empty work dir: fills uv's and pip's caches (with *index*'s pages) and the tool's
    ``__pycache__``; the requests it made are noted on *index*."""
    print(f"  {tool.name:>6}: {shell_join(tool.cmd)} ...", flush=True)
    tool.clean()
    try:
        run_command(tool.cmd, cwd=project, env=env)
    except CommandFailed as exc:
        results.error(f"{tool.name} (warm-up) failed: {exc.describe()}")
        tool.failed = True
    if index is not None:
        index.note("warm-up", tool.name, timed=False)


def version_of(python: Path, project: Path, env: Mapping[str, str]) -> str | None:
    """``X.Y`` of *python*, or ``None`` if it does not run."""
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        return run_command([str(python), "-c", code], cwd=project, env=env, timeout=120).stdout.strip()
    except CommandFailed:
        return None


def check_envs(results: Results, tools: Sequence[Tool], project: Path, env: Mapping[str, str]) -> None:
    """Every env of each tool must exist with the Python its name asks for; otherwise the tool is marked failed."""
    for tool in tools:
        if tool.failed:
            continue
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


def pytest_commands(source: Tool) -> list[list[str]]:
    """The commands alone: ``ENV_PYTHON -m pytest -q`` in each of *source*'s envs."""
    return [[str(source.env_python(name)), "-m", "pytest", "-q"] for name in ENVS]


def measure_commands(results: SuiteResults, source: Tool, project: Path, env: Mapping[str, str], repeat: int) -> None:
    """Time ``ENV_PYTHON -m pytest -q`` for the five envs one after another, as one whole."""
    cmds = pytest_commands(source)
    results.commands_in = source.name
    slot = results.timings.setdefault("warm", {})
    print(f"  pytest -q in {source.work_dir.name}/{{{','.join(ENVS)}}} (x{repeat}, after one untimed round) ...")
    try:
        timing = time_sequence(cmds, cwd=project, env=env, repeat=repeat, warmup=1)
    except CommandFailed as exc:
        results.error(f"commands alone failed: {exc.describe()}")
        slot[COMMANDS] = None
        return
    print(best_line(timing), flush=True)
    slot[COMMANDS] = timing


# --------------------------------------------------------------------------------------------- reporting


def print_tools(tools: Sequence[Tool], interpreters: Mapping[str, Path]) -> None:
    """The ``tools`` section: each tool's command and version, and the interpreters found."""
    section("tools")
    for tool in tools:
        print(f"  {tool.name:>6}: {shell_join(tool.cmd)} (version {tool.version})")
    for version, path in interpreters.items():
        print(f"  python{version}: {path}")


def print_times(
    results: SuiteResults,
    phases: Sequence[str],
    *,
    commands: str = COMMANDS,
    what: str = "commands alone",
    suffix: str = "",
) -> None:
    """The times table: a row per phase; columns orch, tox, tox-uv (``TOOL{suffix} [s]``), and *what* (the
    *commands* key, warm only); under it, in whose envs the commands ran unless orch's."""
    header = ["phase", *(f"{tool}{suffix} [s]" for tool in TOOLS), f"{what} [s]"]
    rows = []
    for phase in phases:
        row = [phase, *(seconds(results.best(phase, tool)) for tool in TOOLS)]
        row.append(seconds(results.best(phase, commands)) if phase == "warm" else "")
        rows.append(row)
    print(format_table(header, rows))
    if results.commands_in and results.commands_in != "orch":
        print(f"({what} measured in {results.commands_in}'s envs)")


def suite_json(
    benchmark: str,
    settings: Mapping[str, Any],
    results: SuiteResults,
    tools: Sequence[Tool],
    interpreters: Mapping[str, Path],
    items: Sequence[Mapping[str, Any]],
    goals: Sequence[Mapping[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    """The ``--json`` document of such a script; *extra* (e.g. ``orch_runs``) goes after the timings."""
    return {
        "benchmark": benchmark,
        "machine": machine_info(),
        "settings": dict(settings),
        "tools": {tool.name: tool.as_dict() for tool in tools},
        "interpreters": {version: str(path) for version, path in interpreters.items()},
        "commands_in": results.commands_in,
        "timings": timings_as_dict(results.timings),
        **extra,
        "ratios": list(items),
        "targets": list(goals),
        "errors": results.errors,
        "warnings": results.warnings,
    }
