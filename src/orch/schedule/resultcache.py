"""A run's use of the result cache (``orch run --cached``): an env that passed with exactly these inputs
is reported as passed, from the stored entry, and no process of it is started.

:meth:`ResultCache.replay` runs after the env's setup and package install (a warm setup is a reuse
check) and before its commands: it computes the env's key (:mod:`orch.schedule.resultkey`) and, on a
hit, fills the result from the entry (:mod:`orch.schedule.resultstore`): status ``ok``, the ``cached``
marker, the stored log as the env's ``commands.log``. :meth:`ResultCache.keep` stores a pass.

What is never cached: a failure, a timeout, an interruption, an ignored failure (``ignore_outcome``:
only a real pass is stored), ``--notest`` (nothing runs; the cache is neither read nor written) and
``orch exec``, nor an env whose own config says ``result_cache = false`` (only ``--no-cached`` is
stronger: ``--cached`` turns on the envs that do not say). With ``-r`` (or ``recreate = true``) the
env is recreated and run, and its pass replaces the entry. Posargs given on this call are part of
the resolved commands that use ``{posargs}``, so such an env hits only the entry of a run given the
same posargs.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orch import __version__
from orch.schedule import resultkey, resultstore
from orch.schedule.results import CommandResult, EnvResult, EnvStatus, cached_line

if TYPE_CHECKING:
    from orch.builders.source import SourceScan
    from orch.config.model import EnvConfig
    from orch.config.project import Config
    from orch.envs.interpreter import Interpreter
    from orch.schedule.console import Console


class ResultCache:
    """The result cache for one run. ``cached``: ``--cached`` (True), ``--no-cached`` (False), or None (each
    env's ``result_cache`` decides). ``scan`` gives the run's look at the sources (shared with the package
    stage); ``outputs`` are files the run writes itself (``--junit``...), never inputs."""

    def __init__(
        self,
        config: Config,
        *,
        cached: bool | None,
        environ: Mapping[str, str],
        scan: Callable[[], SourceScan],
        console: Console,
        cache_dir: Path,
        outputs: Sequence[Path] = (),
        recreate: bool = False,
    ) -> None:
        self.config, self.cached, self.environ, self.console = config, cached, environ, console
        self.cache_dir, self.recreate = cache_dir, recreate
        self._scan = scan
        root = config.root.resolve()
        skipped = [*outputs, resultstore.folder(cache_dir)]
        self._never = tuple(rel for rel in (_relative(Path(p), root) for p in skipped) if rel is not None)
        self._lock = threading.Lock()
        self._sources: tuple[dict[str, bytes], str | None, bool | None] | None = None
        self._files: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        self._keys: dict[str, resultkey.ResultKey] = {}
        self._packages: dict[str, str] = {}  # the package part, by artifact
        self._newest: dict[str, resultstore.Entry] | None = None  # -v: each env's newest stored pass, read once
        self.stored = 0
        resultstore.limits(environ, lambda text: print(text, file=sys.stderr))  # a bad limit: said once, at the start

    def enabled(self, env: EnvConfig) -> bool:
        """``--no-cached``: no env; ``--cached``: every env but one whose own section (or ``[testenv]``)
        says ``result_cache = false``; else the env's ``result_cache`` (the core's by default)."""
        own = bool(env.extra.get("result_cache"))
        if self.cached is None or not self.cached:
            return own and self.cached is None
        return own or "result_cache" not in env.sources

    # ------------------------------------------------------------------------------- the key
    def key(
        self, env: EnvConfig, interpreter: Interpreter | None, package: Mapping[str, object]
    ) -> resultkey.ResultKey:
        """The env's key now (its setup done)."""
        parts = {
            "config": resultkey.config_digest(env, root=self.config.root, work_dir=self.config.core.work_dir),
            "interpreter": resultkey.interpreter_digest(interpreter),
            "distributions": resultkey.distributions_digest(env.env_dir),
            "package": self._package_digest(package),
            "files": self._file_digest(env),
            "pass_env": resultkey.pass_env_digest(self.environ, env.pass_env),
            "orch": resultkey.orch_digest(),
        }
        return resultkey.combine(parts)

    def sources(self) -> tuple[dict[str, bytes], str | None, bool | None]:
        """The project's files (hashed once per run), HEAD and the dirty flag."""
        with self._lock:
            if self._sources is None:
                parts, commit, dirty = self._scan().parts()
                kept = {rel: part for rel, part in parts.items() if not any(_below(rel, n) for n in self._never)}
                self._sources = kept, commit, dirty
            return self._sources

    def _package_digest(self, package: Mapping[str, object]) -> str:
        """The installed artifact's part: by the source files its key covers, when this run's scan
        fingerprinted it (once per artifact: every env installing it shares the digest)."""
        source_hash = package.get("source_hash")
        if not isinstance(source_hash, str) or not source_hash:
            return resultkey.package_digest(package)
        memo = f"{package.get('key')}\0{source_hash}"
        with self._lock:
            known = self._packages.get(memo)
        if known is None:
            known = resultkey.package_digest(package, self._scan().package_parts(source_hash))
            with self._lock:
                self._packages[memo] = known
        return known

    def _file_digest(self, env: EnvConfig) -> str:
        inputs = _globs(env.extra.get("cache_inputs"))
        exclude = (*resultkey.DEFAULT_EXCLUDE, *_globs(env.extra.get("cache_exclude")))
        parts = self.sources()[0]
        with self._lock:
            if (inputs, exclude) not in self._files:
                self._files[inputs, exclude] = resultkey.file_digest(parts, inputs, exclude)[0]
            return self._files[inputs, exclude]

    # ------------------------------------------------------------------------- hit and store
    def replay(
        self, env: EnvConfig, interpreter: Interpreter | None, result: EnvResult, log_dir: Callable[[], Path]
    ) -> bool:
        """On a hit, fill ``result`` from the stored entry, write its log and say so: True. Else remember
        the key for :meth:`keep` and return False (the env runs)."""
        if not self.enabled(env):
            return False
        key = self.key(env, interpreter, result.package)
        self._keys[env.name] = key
        if self.recreate or env.recreate:
            return False
        data = resultstore.read(self.cache_dir, key.key, touch=True)
        if data is None:
            if self.console.verbosity >= 1:
                self.console.setup_detail(env.name, [self._why_missed(env.name, key)])
            return False
        result.commands = [CommandResult.from_record(c, duration=0.0) for c in _list(data.get("commands"))]
        duration = data.get("duration")
        result.cached = {"key": key.key, "stored": data.get("stored"), "saved": duration, "commit": data.get("commit")}
        folder = log_dir()
        log = data.get("log")
        (folder / "commands.log").write_text(log if isinstance(log, str) else "", encoding="utf-8")
        self.console.note(env.name, cached_line(result))
        return True

    def keep(self, env: EnvConfig, result: EnvResult) -> None:
        """Store a pass (only a real pass: never a failure, an ignored failure, a timeout)."""
        key = self._keys.pop(env.name, None)
        if key is None or result.status is not EnvStatus.OK or result.cached:
            return
        _, commit, dirty = self.sources()
        data = {
            "env": env.name,
            "project": self.config.root.resolve().name,
            "stored": round(time.time(), 3),
            "duration": round(max(time.time() - result.started, 0.0), 3),  # the env has not ended yet
            "interpreter": result.interpreter,
            "commands": [c.as_record() for c in result.commands],
            "log": _log_tail(Path(result.log_dir) / "commands.log") if result.log_dir else "",
            "commit": commit,
            "dirty": dirty,
            "config_hash": key.parts["config"],
            "parts": dict(key.parts),
            "orch": __version__,
        }
        try:
            resultstore.write(self.cache_dir, key.key, data)
        except OSError as exc:
            self.console.note(env.name, f"warning: cannot store the result: {exc.strerror or exc}")
            return
        with self._lock:
            self.stored += 1

    def finish(self) -> None:
        """After the run: apply the expiry policy when something was stored."""
        if self.stored:
            resultstore.prune(self.cache_dir, self.environ)

    def _why_missed(self, name: str, key: resultkey.ResultKey) -> str:
        """``-v``: which parts differ from the newest stored pass of an env of this name."""
        with self._lock:
            if self._newest is None:  # the store is read once per run, not once per missed env
                self._newest = {}
                for entry in resultstore.entries(self.cache_dir):  # newest use first
                    self._newest.setdefault(entry.env, entry)
            last = self._newest.get(name)
        head = f"result cache: miss (key {key.key[:12]})"
        if last is None or not isinstance(last.data.get("parts"), dict):
            return f"{head}: no stored pass of {name}"
        before = last.data["parts"]
        assert isinstance(before, dict)
        changed = [part for part in resultkey.PARTS if before.get(part) != key.parts[part]]
        return f"{head}: changed since the last stored pass ({last.key[:12]}): {', '.join(changed) or 'nothing?'}"


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root).as_posix()
    except (OSError, ValueError):
        return None


def _below(rel: str, name: str) -> bool:
    return rel == name or rel.startswith(name.rstrip("/") + "/")


def _globs(value: object) -> tuple[str, ...]:
    return tuple(str(g) for g in value) if isinstance(value, (tuple, list)) else ()


def _list(value: object) -> list[Mapping[str, object]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _log_tail(path: Path) -> str:
    """The last :data:`~orch.schedule.resultstore.LOG_BYTES` of a log (it holds masked text)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(size - resultstore.LOG_BYTES, 0))
            data = handle.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return text if size <= resultstore.LOG_BYTES else f"[... the first {size - len(data)} bytes are not kept]\n{text}"
