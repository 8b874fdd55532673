"""The tools the benchmarks run, found or installed (stdlib only, Python >= 3.9).

* cached tool virtual environments, e.g. tox or tox + tox-uv (:func:`ensure_tool_venv`,
  :func:`tool_executable`), and a tool's version (:func:`tool_version`),
* the orch command under test and the interpreter that runs it (:func:`locate_orch`),
* a CPython ``X.Y`` in pyenv or on ``PATH`` (:func:`find_python`),
* which modules an import pulls in (:func:`import_report`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _process import DEFAULT_TIMEOUT, CommandFailed, run_command

BENCH_DIR = Path(__file__).resolve().parent
"""The ``benchmarks/`` folder."""

CACHE_DIR = BENCH_DIR / ".cache"
"""Where tool virtual environments are kept between runs (git-ignored)."""

IS_WINDOWS = os.name == "nt"


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
        ignore.write_text("# created by benchmarks/_tools.py: cached tool venvs, never commit\n*\n")


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


def tool_executable(
    name: str, explicit: str | None, packages: Sequence[str], refresh: bool, error: Callable[[str], object]
) -> Path | None:
    """``--tox``/``--tox-uv`` (*explicit*) resolved, else the ``tox`` of a cached venv holding *packages*.

    ``None`` when neither works; *error* is told why (e.g. ``results.error``).
    """
    if explicit:
        path = resolve_executable(explicit)
        if path is None:
            error(f"--{name} {explicit}: no such file or command")
        return path
    try:
        return venv_executable(ensure_tool_venv(name, packages, refresh=refresh), "tox")
    except CommandFailed as exc:
        error(f"cannot set up {name}: {exc.describe()}")
        return None


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
