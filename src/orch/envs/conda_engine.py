"""The conda engines: what creates a conda prefix, installs into it and says how to activate it.

Which engine an env gets (:func:`select_engine`), the first that applies:

1. ``ORCH_CONDA_EXE`` in orch's environment, then the env's ``conda_exe`` setting: a path or the
   name of a ``micromamba``, ``mamba`` or ``conda`` executable (the CLI engine), or ``rattler``
   for the embedded engine;
2. the embedded engine, when py-rattler is installed (``pip install 'orch-tox[conda]'``, Python 3.10+);
3. ``micromamba``, ``mamba``, then ``conda``, the first found on ``PATH`` (the CLI engine).

The **CLI engine** runs ``<exe> create|install --yes --prefix P --override-channels -c CHANNEL...
SPEC...`` (the same argv for the three tools) and takes the activation variables from
``<exe> run --prefix P <orch's python> -c <print os.environ>``: what differs from the caller's
environment. The **embedded engine** runs :mod:`orch.envs.rattler_worker` in a subprocess, one
operation per process, so a crash of the native library fails the env, never orch. Indexing a local
channel (the project's conda packages) always goes through the embedded engine's worker.

Every process starts through :mod:`orch.execute`; output goes to the env's setup log.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orch.distribution import conda_extra_hint
from orch.envs.api import EnvSetupError

if TYPE_CHECKING:
    from typing import Protocol

    class CondaEngine(Protocol):
        """Creates and changes conda prefixes."""

        @property
        def name(self) -> str:
            """How the engine is called in messages and fingerprints: ``micromamba``, ``py-rattler``."""

        def create(
            self, prefix: Path, channels: Sequence[str], specs: Sequence[str], *, log: Path, environ: Mapping[str, str]
        ) -> None:
            """A new prefix holding ``specs``, solved from ``channels`` (in priority order)."""

        def install(
            self, prefix: Path, channels: Sequence[str], specs: Sequence[str], *, log: Path, environ: Mapping[str, str]
        ) -> None:
            """Add ``specs`` to an existing prefix (a spec naming an installed package replaces it)."""

        def activation(self, prefix: Path, *, log: Path, environ: Mapping[str, str]) -> dict[str, str]:
            """The variables activating the prefix sets, ``PATH`` included (whole)."""

        def index(self, channel: Path, *, log: Path, environ: Mapping[str, str]) -> None:
            """Index a local channel folder."""


EXE_VARIABLE = "ORCH_CONDA_EXE"
CLI_TOOLS = ("micromamba", "mamba", "conda")
EMBEDDED = "rattler"
WORKER = "orch.envs.rattler_worker"
_PRINT_ENVIRON = "import json, os; print(json.dumps(dict(os.environ)))"
_NOT_ACTIVATION = frozenset({"_", "SHLVL", "PWD", "OLDPWD", "PS1", "CONDA_PROMPT_MODIFIER"})


class EngineError(EnvSetupError):
    """A conda engine failed or cannot be found."""


def embedded_available() -> bool:
    """Whether py-rattler can be imported (checked without importing it)."""
    return importlib.util.find_spec("rattler") is not None


def select_engine(conda_exe: str, environ: Mapping[str, str]) -> CondaEngine:
    """The engine for an env (see the module docs for the order); :class:`EngineError` when there is none."""
    wanted = environ.get(EXE_VARIABLE) or conda_exe
    if wanted:
        source = EXE_VARIABLE if environ.get(EXE_VARIABLE) else "conda_exe"
        if wanted == EMBEDDED:
            if not embedded_available():
                hint = conda_extra_hint("py-rattler")
                raise EngineError(f"{source} = {EMBEDDED}, but py-rattler is not installed ({hint})")
            return RattlerEngine(_rattler_cache(environ))
        found = wanted if os.sep in wanted else shutil.which(wanted, path=environ.get("PATH"))
        if found is None or not Path(found).exists():
            raise EngineError(f"{source} = {wanted}: no such executable")
        return CliEngine(found)
    if embedded_available():
        return RattlerEngine(_rattler_cache(environ))
    for tool in CLI_TOOLS:
        found = shutil.which(tool, path=environ.get("PATH"))
        if found is not None:
            return CliEngine(found)
    raise EngineError(
        f"no conda engine: install orch's conda extra ({conda_extra_hint('py-rattler')}), "
        f"put {', '.join(CLI_TOOLS)} on PATH, or set conda_exe"
    )


def _rattler_cache(environ: Mapping[str, str]) -> Path:
    from orch.paths import cache_dir

    return cache_dir(environ) / "rattler"


def _run(argv: Sequence[str], *, what: str, log: Path, environ: Mapping[str, str], cwd: Path | None = None) -> Any:
    from orch.execute import Request, execute

    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"$ {shlex.join(argv)}\n")
    outcome = execute(Request(argv=tuple(argv), cwd=cwd or log.parent, env=dict(environ), log=log))
    if not outcome.ok:
        raise EngineError(f"{what} failed ({outcome.problem}), see {log}", log)
    return outcome


class CliEngine:
    """A ``micromamba``, ``mamba`` or ``conda`` executable."""

    def __init__(self, exe: str) -> None:
        self.exe = exe
        self.tool = Path(exe).name

    @property
    def name(self) -> str:
        return self.tool

    def __repr__(self) -> str:
        return f"CliEngine({self.exe!r})"

    def argv(self, verb: str, prefix: Path, channels: Sequence[str], specs: Sequence[str]) -> list[str]:
        """``<exe> create|install --yes --prefix P --override-channels -c C... SPEC...``."""
        argv = [self.exe, verb, "--yes", "--prefix", str(prefix), "--override-channels"]
        for channel in channels:
            argv += ["-c", channel]
        return [*argv, *specs]

    def create(
        self, prefix: Path, channels: Sequence[str], specs: Sequence[str], *, log: Path, environ: Mapping[str, str]
    ) -> None:
        what = f"creating the conda env with {self.tool}"
        _run(self.argv("create", prefix, channels, specs), what=what, log=log, environ=environ)

    def install(
        self, prefix: Path, channels: Sequence[str], specs: Sequence[str], *, log: Path, environ: Mapping[str, str]
    ) -> None:
        what = f"installing {' '.join(specs)} with {self.tool}"
        _run(self.argv("install", prefix, channels, specs), what=what, log=log, environ=environ)

    def activation(self, prefix: Path, *, log: Path, environ: Mapping[str, str]) -> dict[str, str]:
        from orch.execute import capture

        argv = [self.exe, "run", "--prefix", str(prefix), sys.executable, "-c", _PRINT_ENVIRON]
        outcome = capture(argv, timeout=120, env=dict(environ))
        with log.open("a", encoding="utf-8") as stream:
            stream.write(f"$ {shlex.join(argv)}\n")
            if not outcome.ok:
                stream.write(outcome.text)
        if not outcome.ok:
            raise EngineError(f"activating the conda env with {self.tool} failed ({outcome.problem}), see {log}", log)
        for line in reversed(outcome.text.splitlines()):
            try:
                inside = json.loads(line)
            except ValueError:
                continue
            if isinstance(inside, dict):
                return {
                    str(k): str(v)
                    for k, v in inside.items()
                    if k not in _NOT_ACTIVATION and (environ.get(k) != v or k == "PATH")
                }
        raise EngineError(f"activating the conda env with {self.tool}: no environment in its output, see {log}", log)

    def index(self, channel: Path, *, log: Path, environ: Mapping[str, str]) -> None:
        if not embedded_available():
            hint = conda_extra_hint("py-rattler")
            raise EngineError(f"indexing the local channel {channel} needs py-rattler ({hint})")
        RattlerEngine(_rattler_cache(os.environ)).index(channel, log=log, environ=environ)


class RattlerEngine:
    """py-rattler, run in a worker subprocess (:mod:`orch.envs.rattler_worker`).

    ``cache`` holds rattler's package and repodata caches (default: ``rattler`` in orch's cache folder).
    """

    name = "py-rattler"

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache or _rattler_cache(os.environ)

    def __repr__(self) -> str:
        return f"RattlerEngine({self.cache!r})"

    def create(
        self, prefix: Path, channels: Sequence[str], specs: Sequence[str], *, log: Path, environ: Mapping[str, str]
    ) -> None:
        request = {"op": "create", "prefix": str(prefix), "channels": list(channels), "specs": list(specs)}
        self.call(request, what="creating the conda env with py-rattler", log=log, environ=environ)

    def install(
        self, prefix: Path, channels: Sequence[str], specs: Sequence[str], *, log: Path, environ: Mapping[str, str]
    ) -> None:
        request = {"op": "install", "prefix": str(prefix), "channels": list(channels), "specs": list(specs)}
        self.call(request, what=f"installing {' '.join(specs)} with py-rattler", log=log, environ=environ)

    def activation(self, prefix: Path, *, log: Path, environ: Mapping[str, str]) -> dict[str, str]:
        path = environ.get("PATH", os.defpath).split(os.pathsep)
        request = {"op": "activate", "prefix": str(prefix), "path": path}
        result = self.call(request, what="activating the conda env", log=log, environ=environ)
        found = result.get("environ")
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}

    def index(self, channel: Path, *, log: Path, environ: Mapping[str, str]) -> None:
        self.call({"op": "index", "channel": str(channel)}, what=f"indexing {channel}", log=log, environ=environ)

    def call(self, request: dict[str, Any], *, what: str, log: Path, environ: Mapping[str, str]) -> dict[str, Any]:
        """Run one worker process for ``request``; its result, or :class:`EngineError` with the worker's message."""
        request.setdefault("cache_dir", str(self.cache))
        child = dict(environ)
        source_root = str(Path(__file__).resolve().parents[2])  # orch importable even from a bare checkout
        child["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, environ.get("PYTHONPATH", "")) if p)
        log.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="orch-rattler-") as tmp:
            request_file, result_file = Path(tmp) / "request.json", Path(tmp) / "result.json"
            request["result"] = str(result_file)
            request_file.write_text(json.dumps(request), encoding="utf-8")
            argv = [sys.executable, "-m", WORKER, str(request_file)]
            from orch.execute import Request, execute

            with log.open("a", encoding="utf-8") as stream:
                stream.write(f"$ {shlex.join(argv)}  # {request['op']}\n")
            outcome = execute(Request(argv=tuple(argv), cwd=Path(tmp), env=child, log=log))
            try:
                result = json.loads(result_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                result = None
        if isinstance(result, dict) and result.get("ok") is True and outcome.ok:
            return result
        if isinstance(result, dict) and result.get("error"):
            raise EngineError(f"{what} failed: {result['error']} (see {log})", log)
        raise EngineError(
            f"{what} failed: the py-rattler worker ended without a result ({outcome.problem}), see {log}", log
        )
