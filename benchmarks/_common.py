"""Shared helpers for orch's benchmark scripts (stdlib only, Python >= 3.9).

The benchmark scripts in this folder import this module by name (``from _common import ...``): running
``python benchmarks/bench_*.py`` puts this folder first on ``sys.path``.

What lives here:

* timing a command, or several one after another, best of N runs (:func:`time_command`,
  :func:`time_sequence`),
* an environment scrubbed of the user's tox/orch settings (:func:`scrubbed_env`),
* cached tool virtual environments, e.g. tox or tox + tox-uv (:func:`ensure_tool_venv`, :func:`ensure_tox`),
* finding the orch command under test and the interpreter that runs it (:func:`locate_orch`),
* finding a CPython ``X.Y`` in pyenv or on ``PATH`` (:func:`find_python`),
* checking which modules an import pulls in (:func:`import_report`),
* printing tables and targets, writing JSON results (:func:`print_ratio_table`, :func:`format_table`,
  :func:`format_targets`, :func:`ratios_table`, :func:`ratio_goals`, :func:`timings_as_dict`, :func:`write_json`),
* the command-line options and the run/report skeleton the scripts share (:func:`add_tool_options`,
  :func:`add_output_options`, :func:`check_repeats`, :func:`finish`, :func:`run_in_temp_dir`).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
"""The ``benchmarks/`` folder."""

CACHE_DIR = BENCH_DIR / ".cache"
"""Where tool virtual environments are kept between runs (git-ignored)."""

DEFAULT_TIMEOUT = 600.0
"""Seconds after which a single benchmarked command is considered hung."""

IS_WINDOWS = os.name == "nt"


# --------------------------------------------------------------------------------------------- running commands


class CommandFailed(RuntimeError):
    """A benchmarked command exited non-zero, timed out or could not be started."""

    def __init__(self, cmd: Sequence[str], returncode: int | None, stderr: str, stdout: str = "") -> None:
        self.cmd = list(cmd)
        self.returncode = returncode
        self.stderr = stderr
        self.stdout = stdout
        super().__init__(self.describe())

    def describe(self, max_lines: int = 30) -> str:
        """A multi-line report: the command, its exit code and the tail of its stderr (or stdout)."""
        status = "timed out" if self.returncode is None else f"exited with {self.returncode}"
        output = (self.stderr or self.stdout).rstrip().splitlines()
        tail = output[-max_lines:]
        lines = [f"command {status}: {shell_join(self.cmd)}"]
        if len(output) > len(tail):
            lines.append(f"  ... ({len(output) - len(tail)} earlier lines cut)")
        lines.extend(f"  | {line}" for line in tail)
        return "\n".join(lines)


def shell_join(cmd: Sequence[str]) -> str:
    """Render *cmd* for humans (POSIX quoting; good enough for messages on Windows too)."""
    return " ".join(shlex.quote(part) for part in cmd)


def run_command(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run *cmd* with captured text output and no stdin; raise :class:`CommandFailed` unless it exits 0."""
    try:
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CommandFailed(cmd, None, _as_text(exc.stderr), _as_text(exc.stdout)) from exc
    except OSError as exc:
        raise CommandFailed(cmd, 127, f"cannot start: {exc}") from exc
    if proc.returncode != 0:
        raise CommandFailed(cmd, proc.returncode, proc.stderr, proc.stdout)
    return proc


def _as_text(data: str | bytes | None) -> str:
    """Decode the partial output attached to a ``TimeoutExpired``."""
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


@dataclass
class Timing:
    """Wall-clock timings of one command; ``best`` is what benchmarks report."""

    cmd: list[str]
    runs: list[float]
    stdout: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")

    @property
    def best(self) -> float:
        """The fastest run in seconds: the least disturbed by noise from the rest of the machine."""
        return min(self.runs)

    @property
    def median(self) -> float:
        """The median run in seconds (reported alongside ``best`` in JSON)."""
        ordered = sorted(self.runs)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the captured output)."""
        return {"cmd": self.cmd, "best": self.best, "median": self.median, "runs": self.runs}


def time_command(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    repeat: int = 5,
    warmup: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
) -> Timing:
    """Time *cmd* ``repeat`` times after ``warmup`` untimed runs; every run must exit 0.

    The warm-up runs fill the OS file cache and write ``__pycache__`` so a freshly installed tool is not
    charged for compiling itself. The output of the first run (warm-up or timed) is kept on the result so
    callers can check it without running the command again.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    first: subprocess.CompletedProcess[str] | None = None
    for _ in range(warmup):
        proc = run_command(cmd, cwd=cwd, env=env, timeout=timeout)
        first = first or proc
    runs: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = run_command(cmd, cwd=cwd, env=env, timeout=timeout)
        runs.append(time.perf_counter() - start)
        first = first or proc
    assert first is not None  # repeat >= 1
    return Timing(cmd=list(cmd), runs=runs, stdout=first.stdout, stderr=first.stderr)


def time_sequence(
    cmds: Sequence[Sequence[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    repeat: int = 3,
    warmup: int = 1,
    before: Callable[[], object] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Timing:
    """Time *cmds* run one after another, as one whole, ``repeat`` times after ``warmup`` untimed rounds.

    *before* (if given) is called before every round, warm-up included, and is not timed: e.g. deleting a
    tool's env folder so each timed run starts cold. Every command must exit 0 (:class:`CommandFailed`
    otherwise). The result's ``cmd`` holds one shell-quoted string per command; its ``stdout``/``stderr`` are
    those of the first round, the commands' outputs concatenated.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    if not cmds:
        raise ValueError("no commands to time")
    first: list[subprocess.CompletedProcess[str]] = []
    runs: list[float] = []
    for round_no in range(warmup + repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        procs = [run_command(cmd, cwd=cwd, env=env, timeout=timeout) for cmd in cmds]
        elapsed = time.perf_counter() - start
        if round_no >= warmup:
            runs.append(elapsed)
        first = first or procs
    return Timing(
        cmd=[shell_join(cmd) for cmd in cmds],
        runs=runs,
        stdout="".join(p.stdout for p in first),
        stderr="".join(p.stderr for p in first),
    )


def scrubbed_env(extra: Mapping[str, str] | None = None, *, work_dir: Path | None = None) -> dict[str, str]:
    """A copy of ``os.environ`` without ``TOX_*``/``ORCH_*`` settings and with user config switched off.

    ``TOX_USER_CONFIG_FILE`` points to a file that does not exist, so neither tox nor orch (which honours
    tox's variables) reads the developer's own defaults. *work_dir* is where that non-file is placed.
    ``PYTHONDONTWRITEBYTECODE`` is dropped: with it, an editable orch recompiles its sources on every
    run while tox, installed by pip with its bytecode, does not; a user's machine has bytecode for both.
    """
    dropped = ("TOX_", "ORCH_", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith(dropped)}
    missing = (work_dir or CACHE_DIR) / "no-such-user-config.ini"
    env["TOX_USER_CONFIG_FILE"] = str(missing)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------------------------- tool venvs


def venv_bin(venv: Path) -> Path:
    """The scripts folder of virtual environment *venv* (``bin`` or ``Scripts``)."""
    return venv / ("Scripts" if IS_WINDOWS else "bin")


def venv_executable(venv: Path, name: str) -> Path:
    """Path of executable *name* (e.g. ``python``, ``tox``) inside virtual environment *venv*."""
    return venv_bin(venv) / (f"{name}.exe" if IS_WINDOWS else name)


def _ensure_cache_dir(cache_dir: Path) -> None:
    """Create *cache_dir* with a self-ignoring ``.gitignore`` so nothing in it is ever committed."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    ignore = cache_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by benchmarks/_common.py: cached tool venvs, never commit\n*\n")


def _venv_key(packages: Sequence[str], python: str) -> str:
    """Short hash that changes when the requested packages or the base interpreter change."""
    payload = json.dumps([sorted(packages), python, sys.version], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def ensure_tool_venv(
    name: str,
    packages: Sequence[str],
    *,
    python: str = sys.executable,
    cache_dir: Path = CACHE_DIR,
    refresh: bool = False,
    quiet: bool = False,
) -> Path:
    """Return a cached virtual environment named after *name* with *packages* pip-installed into it.

    Created with ``python -m venv`` under *cache_dir* on first use, then reused: a marker file is written
    only after a successful install, so an interrupted run is redone next time. Changing *packages* or the
    interpreter makes a new venv; *refresh* rebuilds it (e.g. to pick up a newer tox release).
    Example: ``ensure_tool_venv("tox-uv", ["tox", "tox-uv"])``.
    """
    _ensure_cache_dir(cache_dir)
    venv = cache_dir / f"{name}-{_venv_key(packages, python)}"
    marker = venv / ".bench-complete"
    if marker.exists() and not refresh:
        return venv
    if venv.exists():
        shutil.rmtree(venv)
    if not quiet:
        print(f"creating tool venv {venv} with: {' '.join(packages)} (cached for later runs)", flush=True)
    run_command([python, "-m", "venv", str(venv)], timeout=DEFAULT_TIMEOUT)
    pip = [str(venv_executable(venv, "python")), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run_command([*pip, *packages], timeout=3 * DEFAULT_TIMEOUT)
    marker.write_text("\n".join(packages) + "\n")
    return venv


def ensure_tox(packages: Sequence[str] = ("tox",), *, refresh: bool = False) -> Path:
    """Path of a ``tox`` executable from a cached venv holding *packages* (default: latest tox)."""
    name = "tox-uv" if any(p.startswith("tox-uv") for p in packages) else "tox"
    return venv_executable(ensure_tool_venv(name, packages, refresh=refresh), "tox")


def tool_version(cmd: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """Version reported by ``CMD --version`` (e.g. ``4.67.15`` for tox), or ``None`` if that fails.

    Takes the first dotted number in the output (``4.67.15 from ...``, ``orch 0.1.0``), so log lines such as
    tox's ``ROOT: No loadable tox.ini ...`` before it do not matter.
    """
    try:
        out = run_command([*cmd, "--version"], cwd=cwd, env=env, timeout=120).stdout
    except CommandFailed:
        return None
    for line in out.splitlines():
        match = re.search(r"(?<![\w.])v?(\d+(?:\.\w+)+)", line)
        if match:
            return match.group(1)
    return out.strip().splitlines()[-1] if out.strip() else None


# --------------------------------------------------------------------------------------------- interpreters


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key of a pyenv version folder such as ``3.12.1`` (non-numeric parts sort first)."""
    return tuple(int(part) if part.isdigit() else -1 for part in path.name.split("."))


def find_python(version: str, *, path: str | None = None) -> Path | None:
    """An interpreter for ``X.Y`` *version*: pyenv's newest ``X.Y.*`` build, else ``pythonX.Y`` on *path*.

    pyenv's versions folder is ``$PYENV_ROOT/versions`` (default ``~/.pyenv/versions``); pyenv's shims are
    skipped on ``PATH`` (*path*, default ``os.environ["PATH"]``) because they only work for the versions
    pyenv has activated. Returns ``None`` when neither has it.
    """
    exe = f"python{version}.exe" if IS_WINDOWS else f"python{version}"
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if root.is_dir():
        builds = [d for d in root.glob(f"{version}.*") if re.fullmatch(rf"{re.escape(version)}\.\d+", d.name)]
        for build in sorted(builds, key=_version_key, reverse=True):
            candidate = venv_executable(build, f"python{version}")
            if candidate.is_file():
                return candidate
    search = os.pathsep.join(
        part for part in (path or os.environ.get("PATH", "")).split(os.pathsep) if "shims" not in Path(part).parts
    )
    found = shutil.which(exe, path=search)
    return None if found is None else Path(found)


# --------------------------------------------------------------------------------------------- locating orch


class OrchNotFound(RuntimeError):
    """No usable orch command: the message says what was tried."""


@dataclass
class OrchLocation:
    """How to invoke orch (``cmd``) and the interpreter that runs it (``python``)."""

    cmd: list[str]
    python: str


def interpreter_for(script: Path) -> str:
    """Best guess of the Python that runs console script *script*: its shebang, else a sibling ``python``.

    Falls back to ``sys.executable``. Handles pip's ``#!/bin/sh`` + ``'''exec' /path/python`` trampoline
    used for long paths.
    """
    try:
        head = script.read_bytes()[:1024].decode("utf-8", "replace").splitlines()[:2]
    except OSError:
        head = []
    if head and head[0].startswith("#!"):
        for line in head:
            match = re.search(r"""(/[^\s'"]*python[\w.]*)""", line)
            if match and Path(match.group(1)).exists():
                return match.group(1)
    for name in ("python", "python3"):
        candidate = script.parent / (f"{name}.exe" if IS_WINDOWS else name)
        if candidate.exists():
            return str(candidate)
    return sys.executable


def resolve_executable(name: str) -> Path | None:
    """Absolute path of *name*: an existing file (relative to the current folder) or a command on ``PATH``.

    Benchmarks run commands inside generated project folders, so relative paths must be made absolute first.
    Symlinks are kept as they are: a venv's ``bin/python`` must stay the venv's.
    """
    path = Path(name)
    if path.is_file():
        return path.absolute()
    found = shutil.which(name)
    return None if found is None else Path(found).absolute()


def locate_orch(explicit: str | None = None) -> OrchLocation:
    """Find the orch command to benchmark.

    Order: *explicit* path (``--orch``); the ``orch`` script next to ``sys.executable``; ``python -m orch``
    with the current interpreter if ``orch.cli.main`` imports. Raises :class:`OrchNotFound` otherwise.
    """
    if explicit:
        path = resolve_executable(explicit)
        if path is None:
            raise OrchNotFound(f"--orch {explicit}: no such file or command")
        return OrchLocation(cmd=[str(path)], python=interpreter_for(path))
    sibling = Path(sys.executable).parent / ("orch.exe" if IS_WINDOWS else "orch")
    if sibling.is_file():
        return OrchLocation(cmd=[str(sibling)], python=sys.executable)
    try:
        run_command([sys.executable, "-c", "import orch.cli.main"], timeout=120)
    except CommandFailed as exc:
        raise OrchNotFound(
            f"no orch script at {sibling} and `{sys.executable} -m orch` cannot import orch.cli.main;\n"
            "install orch into this interpreter (`pip install -e .`) or pass --orch PATH.\n" + exc.describe(5)
        ) from exc
    return OrchLocation(cmd=[sys.executable, "-m", "orch"], python=sys.executable)


# --------------------------------------------------------------------------------------------- import checks


@dataclass
class ImportReport:
    """What ``import MODULE`` loads beyond bare interpreter start-up (from ``python -X importtime``)."""

    module: str
    modules: list[str]
    cumulative_us: int | None
    flagged: list[str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the full module list is long; only its size is kept)."""
        return {
            "module": self.module,
            "module_count": len(self.modules),
            "cumulative_ms": None if self.cumulative_us is None else self.cumulative_us / 1000,
            "flagged": self.flagged,
        }


def _importtime(python: str, code: str, env: Mapping[str, str] | None) -> dict[str, int]:
    """Run *code* under ``-X importtime``; map each imported module to its cumulative microseconds."""
    stderr = run_command([python, "-X", "importtime", "-c", code], env=env, timeout=120).stderr
    result: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            result[parts[2].strip()] = int(parts[1].strip())
    return result


def import_report(
    python: str, module: str, flag: Iterable[str], *, env: Mapping[str, str] | None = None
) -> ImportReport:
    """Which top-level packages in *flag* get imported by ``import module`` under *python*.

    Modules already loaded by ``python -c pass`` (site, ``.pth`` hooks) are not blamed on *module*.
    Raises :class:`CommandFailed` if the import fails.
    """
    baseline = _importtime(python, "pass", env)
    loaded = _importtime(python, f"import {module}", env)
    new = [name for name in loaded if name not in baseline]
    tops = {name.split(".")[0] for name in new}
    return ImportReport(
        module=module,
        modules=new,
        cumulative_us=loaded.get(module),
        flagged=sorted(tops.intersection(flag)),
    )


# --------------------------------------------------------------------------------------------- reporting


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


def _fmt_seconds(value: float | None) -> str:
    """``0.123`` style seconds, or ``n/a``."""
    return "n/a" if value is None else f"{value:.3f}"


def format_ratio_table(rows: Sequence[RatioRow], *, ours: str = "orch", theirs: str = "tox") -> str:
    """Render *rows* as an aligned text table: command, seconds for each tool, ratio theirs/ours."""
    header = ["command", f"{ours} [s]", f"{theirs} [s]", f"{theirs}/{ours}", "note"]
    body = [
        [
            row.label,
            _fmt_seconds(row.ours),
            _fmt_seconds(row.theirs),
            "n/a" if row.ratio is None else f"{row.ratio:.1f}x",
            row.note,
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    aligned = [
        "  ".join(cell.ljust(w) if i in (0, 4) else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
        for line in [header, *body]
    ]
    rule = "-" * max(len(line.rstrip()) for line in aligned)
    return "\n".join([aligned[0].rstrip(), rule, *(line.rstrip() for line in aligned[1:])])


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


# --------------------------------------------------------------------------------------------- command line


def add_tool_options(parser: argparse.ArgumentParser, *, tox_uv: bool, commands_in: str | None = None) -> None:
    """Add ``--orch``, ``--tox``, ``--tox-only`` and, with *tox_uv*, ``--tox-uv``.

    Without *tox_uv* (tox alone) ``--tox`` comes first. With *commands_in* (what uses the envs, e.g. ``the
    commands-alone run uses``) also add ``--commands-in``.
    """
    orch_help = "orch executable (default: next to python, or python -m orch)"
    if tox_uv:
        parser.add_argument("--orch", metavar="PATH", help=orch_help)
        parser.add_argument("--tox", metavar="PATH", help="tox executable (default: a cached venv with tox)")
        parser.add_argument(
            "--tox-uv", metavar="PATH", help="tox executable with the tox-uv plugin (default: a cached venv)"
        )
        parser.add_argument("--tox-only", action="store_true", help="measure tox and tox-uv only; no error for orch")
    else:
        parser.add_argument("--tox", metavar="PATH", help="tox executable to use (default: a cached venv with tox)")
        parser.add_argument("--orch", metavar="PATH", help=orch_help)
        parser.add_argument(
            "--tox-only", action="store_true", help="measure tox only; do not treat a missing orch as error"
        )
    if commands_in is not None:
        parser.add_argument(
            "--commands-in",
            choices=("auto", "orch", "tox", "tox-uv"),
            default="auto",
            help=f"whose envs {commands_in} (auto: orch's, else tox's)",
        )


def add_output_options(parser: argparse.ArgumentParser, *, tox_uv: bool, project: str = "project") -> None:
    """Add ``--refresh-tox`` (the cached tox venv; with *tox_uv* the tox-uv one too), ``--keep`` and ``--json``.

    *project* names what ``--keep`` keeps in its help: ``project`` or ``projects``.
    """
    refresh_help = "rebuild the cached tox and tox-uv venvs" if tox_uv else "rebuild the cached tox venv (newest tox)"
    parser.add_argument("--refresh-tox", action="store_true", help=refresh_help)
    parser.add_argument("--keep", action="store_true", help=f"keep the generated {project} and print where")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the results as JSON to PATH")


def check_repeats(parser: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    """Exit with a usage error unless each repeat count in *names* (``None`` = not given) is at least 1."""
    if any(getattr(args, name) is not None and getattr(args, name) < 1 for name in names):
        flags = " and ".join("--" + name.replace("_", "-") for name in names)
        parser.error(f"{flags} must be at least 1")


# --------------------------------------------------------------------------------------------- running a script


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


def run_in_temp_dir(
    run: Callable[[argparse.Namespace, Path], int], args: argparse.Namespace, *, prefix: str, what: str = "project"
) -> int:
    """Call ``run(args, root)`` in a temporary folder named *prefix*..., kept (and *what* printed) with ``--keep``."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr (errors) in order when piped
    if args.keep:
        root = Path(tempfile.mkdtemp(prefix=prefix))
        print(f"{what} kept in {root}")
        return run(args, root)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        return run(args, Path(tmp))
