"""One env from start to end: find its interpreter and backend, set it up (or take the setup done
ahead of its turn), install its package, call the plugins' lifecycle hooks, run its commands.

The commands themselves run in :mod:`orch.schedule.commands` (``commands_pre``, then ``commands``,
skipped when a pre command failed, then ``commands_post``, always); ``ignore_outcome`` turns the
env's failure into "ignored". This module is close to 500 lines because it is the one place where an
env's stages meet and its result is decided: each stage's work lives elsewhere (envs/, builders/,
schedule/ahead.py, schedule/packages.py, schedule/commands.py), and what is left is their order
and how each one's failure ends the env.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from orch.builders.api import BuildError
from orch.config.types import Command
from orch.envs import bytecode, ownership
from orch.envs import lock as env_lock
from orch.envs.api import EnvSetupError, PreparedEnv, SetupRequest
from orch.envs.discovery import parse_spec
from orch.envs.environ import command_environ
from orch.envs.resolutions import OnlineResolutions
from orch.envs.uvsync import uses_lock
from orch.errors import ConfigError, OrchError
from orch.execute import cancel_scope
from orch.execute.masking import Masker, current, remember
from orch.schedule.ahead import Ahead, AheadSetups, Turns
from orch.schedule.commands import CommandRunner, file_size
from orch.schedule.console import log_lines_since
from orch.schedule.packages import IncompatiblePackage, Placed
from orch.schedule.results import CommandStatus, EnvResult, EnvStatus

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.config.project import Config
    from orch.envs.api import Backend
    from orch.envs.discovery import Discovery
    from orch.envs.interpreter import Interpreter
    from orch.plugin.manager import Plugins
    from orch.schedule.console import Console
    from orch.schedule.packages import PackageStage
    from orch.schedule.resultcache import ResultCache


RUN_LOGS = "run-"  # a run sharing its env with another logs into <env_log_dir>/run-XXXX/


class _Parts(NamedTuple):
    """What setting an env up starts from."""

    interpreter: Interpreter | None  # found by discovery (None: no Python, or the env brings its own)
    backend: Backend
    python_version: tuple[int, int] | None = None  # for env types that install their own Python
    provides_python: bool = False


class _NotSetUp(NamedTuple):
    """Why an env gets no setup: skipped (platform) or missing (no interpreter)."""

    reason: str
    skip: bool = False


class RunOptions(NamedTuple):
    """What the command line asked for, beyond the selection."""

    recreate: bool = False
    notest: bool = False  # set envs up, run no commands
    skip_missing: bool | None = None  # --skip-missing-interpreters; None: the config decides
    exec_argv: tuple[str, ...] | None = None  # orch exec: run this instead of the env's commands
    hash_seed: int | None = None  # PYTHONHASHSEED for the commands (--hashseed); None: not set


def _named_version(specs: Sequence[str]) -> tuple[int, int] | None:
    """The CPython version the first spec of ``base_python`` that names one asks for (``py312``: (3, 12))."""
    for text in specs:
        spec = parse_spec(text)
        cpython = spec.valid and spec.path is None and spec.implementation in (None, "cpython")
        if cpython and spec.major is not None and spec.minor is not None:
            return spec.major, spec.minor
    return None


def _python_name(version: tuple[int, int] | None) -> str:
    return "Python" if version is None else f"Python {version[0]}.{version[1]}"


def _with_tail(exc: Exception) -> str:
    """A setup error's message, then the last lines of the installer's output when it kept them."""
    tail: tuple[str, ...] = getattr(exc, "tail", ())
    return "\n".join((str(exc), *(f"  | {line}" for line in tail)))


def _shown(env: str, message: str) -> str:
    """An env's message as reports show it: masked, without a leading ``env: `` (they name the env)."""
    return current().mask(message.removeprefix(f"{env}: "))


class EnvRunner:
    """Runs envs one at a time with shared discovery; the parallel scheduler reuses it per env."""

    def __init__(
        self,
        config: Config,
        plugins: Plugins,
        discovery: Discovery,
        console: Console,
        options: RunOptions,
        environ: Mapping[str, str] | None = None,
        packages: PackageStage | None = None,
    ) -> None:
        self.config, self.plugins, self.discovery = config, plugins, discovery
        self.console, self.options = console, options
        self.environ = os.environ if environ is None else environ
        self.interrupted = False
        self._local = threading.local()  # the running env's cancel event and deadline, per worker thread
        self.packages = packages  # None: envs install no package (orch exec on a reused env still has it)
        self.package_files: dict[str, Path] = {}  # env name -> the package file it installed (TOX_PACKAGE)
        self._ahead = AheadSetups()  # setups started before their env's turn (setup_ahead)
        self.turns = Turns()  # the envs a run starts first go one after another until their commands start
        self._setup_from: dict[str, int] = {}  # -v: where each env's setup began writing its setup.log
        self.result_cache: ResultCache | None = None  # --cached / result_cache (set by the command)
        self.resolutions = OnlineResolutions()  # what this run's uv installs resolved online (envs.resolutions)

    # ------------------------------------------------------------------------------- stages
    def run(self, name: str, cancel: threading.Event | None = None) -> EnvResult:
        """Run one env. Ctrl-C ends it as "interrupted" and sets :attr:`interrupted`, so the
        caller starts nothing new; the running command's processes are gone by then. ``cancel``
        (set by another thread: Ctrl-C, fail-fast) stops the running command the same way."""
        result = EnvResult(name, started=time.time())
        start = time.monotonic()
        self._local.cancel = cancel
        self._local.deadline = None
        self.console.env_start(name)
        try:
            self.turns.wait(name)
            with env_lock.session():  # the env's locks, held from its setup to its last command
                self._run(name, result)
        except ConfigError as exc:  # a value of this env cannot be computed: this env fails, not the run
            result.status, result.message = EnvStatus.FAILED, f"error: {exc}"
        except KeyboardInterrupt:
            result.status = EnvStatus.INTERRUPTED
            if cancel is not None and cancel.is_set() and not self.interrupted:
                result.message = "stopped (fail-fast)"
            else:
                result.message = "interrupted"
                self.interrupted = True
        finally:
            result.duration = time.monotonic() - start
            result.ended = time.time()
            result.message = _shown(name, result.message)
            self.turns.went(name)
            self.console.env_end(result)
        return result

    def _run(self, name: str, result: EnvResult) -> None:
        env = self.config.env(name)
        self._local.masker = remember(Masker.from_environ(self.environ, env.set_env, texts=env.deps))
        result.log_dir = str(env.env_log_dir)
        parts = self._setup_parts(env)
        if isinstance(parts, _NotSetUp):
            if parts.skip:
                self._skip(result, parts.reason)
            else:
                self._missing(result, parts.reason)
            return
        interpreter, backend = parts.interpreter, parts.backend
        if interpreter is not None and not parts.provides_python:
            result.interpreter = interpreter.describe()
            self.console.note(name, result.interpreter)
        request = self._request(env, parts, lambda text: self.console.note(name, text))
        reason = backend.cannot_create(request)
        if reason is not None:
            self._missing(result, reason)
            return
        if self._hook(result, env, "orch_before_setup", env=env) is None:
            return
        cancel = getattr(self._local, "cancel", None)
        try:
            with cancel_scope(cancel):  # Ctrl-C and fail-fast stop the installers too (parallel runs)
                prepared = self._setup(backend, request)
        except EnvSetupError as exc:
            if cancel is not None and cancel.is_set():
                raise KeyboardInterrupt from exc
            self._show_setup(name, request.log)
            self._fail(result, env, _with_tail(exc))
            return
        if parts.provides_python:
            interpreter = self._own_interpreter(prepared, parts)
            result.interpreter = interpreter.describe() if interpreter else _python_name(parts.python_version)
            self.console.note(name, result.interpreter)
        result.actions, result.installer_runs = prepared.actions, prepared.installer_runs
        if not self._install_package(env, prepared, interpreter, result, cancel):
            return
        self._show_setup(name, request.log)
        self.console.setup_done(name, result.actions)
        if self._hook(result, env, "orch_after_setup", env=env, prepared=prepared) is None:
            return
        if self.options.notest and not env.extra_setup_commands:
            return
        cache = None if self.options.notest or self.options.exec_argv is not None else self.result_cache
        if cache is not None and cache.replay(env, interpreter, result, lambda: self._fresh_dirs(env, result)):
            return  # passed before with exactly these inputs: no process (orch.schedule.resultcache)
        try:
            self._commands(env, prepared, result, setup_only=self.options.notest)
        finally:
            bytecode.after_run(env.env_dir, bytecode.interpreter_tag(interpreter))
        self._hook(result, env, "orch_after_commands", env=env, result=result)
        if cache is not None:
            cache.keep(env, result)

    def _install_package(
        self,
        env: EnvConfig,
        prepared: PreparedEnv,
        interpreter: Interpreter | None,
        result: EnvResult,
        cancel: threading.Event | None,
    ) -> bool:
        """Build (or reuse) the env's package and install it when it changed; ``False`` when the env
        cannot go on (failed, or skipped as incompatible)."""
        if self.packages is None or not env.packagedef or uses_lock(env):  # uv sync installed the project
            return True
        ahead = self._local.__dict__.pop("package", None)  # placed ahead of the env's turn, with its setup
        try:
            with cancel_scope(cancel):
                if ahead is None:
                    self.console.phase(env.name, f"waiting for .pkg[{env.packagedef}]")
                    note = functools.partial(self.console.note, env.name)
                    placed = self.packages.place(env, prepared, interpreter, note)
                elif isinstance(ahead, Exception):
                    raise ahead
                else:
                    placed = ahead
                if placed is not None:
                    result.actions += (placed.installed.action,)
                    result.installer_runs += placed.installed.installer_runs
                    result.package = dict(placed.installed.provenance)
                    self.package_files[env.name] = placed.cached.artifact.path  # TOX_PACKAGE
        except (BuildError, EnvSetupError) as exc:
            if cancel is not None and cancel.is_set():
                raise KeyboardInterrupt from exc
            if isinstance(exc, IncompatiblePackage) and env.package_incompatible == "skip":
                self._skip(result, str(exc))
            else:
                self._fail(result, env, _with_tail(exc))
            return False
        return True

    def _setup_parts(self, env: EnvConfig) -> _Parts | _NotSetUp:
        """The env's interpreter and backend, or why it is not set up at all (skipped or missing)."""
        try:
            env_type = self.plugins.env_types.get(env.env_type)
        except KeyError:
            known = ", ".join(self.plugins.env_types.names())
            raise ConfigError(f"{env.name}: env_type {env.env_type!r} is unknown (known: {known})") from None
        if env.platform and not re.match(env.platform, sys.platform):
            return _NotSetUp(f"platform {sys.platform} does not match {env.platform!r}", skip=True)
        backend = self._backend(env.env_type)
        if not env_type.needs_python:
            return _Parts(None, backend)
        if env_type.provides_python and (version := _named_version(env.base_python)) is not None:
            return _Parts(None, backend, version, provides_python=True)
        interpreter = self.discovery.find(env.base_python)
        if interpreter is None:
            wanted = ", ".join(str(parse_spec(spec)) for spec in env.base_python)
            return _NotSetUp(f"no interpreter for {wanted} (searched {self.discovery.describe_search()})")
        if env_type.provides_python:
            major, minor = interpreter.version[:2]
            return _Parts(interpreter, backend, (major, minor), provides_python=True)
        return _Parts(interpreter, backend)

    def _own_interpreter(self, prepared: PreparedEnv, parts: _Parts) -> Interpreter | None:
        """The Python an env that installs its own got (inspected once, cached like any interpreter)."""
        if prepared.python is None:
            return parts.interpreter
        return self.discovery.find([str(prepared.python)]) or parts.interpreter

    def _request(self, env: EnvConfig, parts: _Parts, note: Callable[[str], None]) -> SetupRequest:
        self._setup_from.setdefault(env.name, file_size(env.env_log_dir / "setup.log"))  # the first: maybe ahead

        def noted(text: str) -> None:  # a setup that says what it does is creating or installing: slow work
            self.turns.went(env.name)
            note(text)

        return SetupRequest(
            config=env,
            interpreter=parts.interpreter,
            recreate=self.options.recreate or env.recreate,
            root=self.config.root,
            log=env.env_log_dir / "setup.log",
            note=noted,
            python_version=parts.python_version,
            work_dir=self.config.core.work_dir,
            options=self.plugins.options,
            resolutions=self.resolutions,
        )

    def _show_setup(self, name: str, log: Path) -> None:
        """``-v``: what this setup wrote to ``setup.log`` (the installer commands and their output)."""
        start = self._setup_from.pop(name, 0)
        if self.console.verbosity >= 1:
            self.console.setup_detail(name, log_lines_since(log, start))

    # ------------------------------------------------------------------------- setup ahead
    def setup_ahead(self, names: Sequence[str], workers: int) -> None:
        """Start setting ``names`` up in ``workers`` background threads, in this order.

        For one-after-another runs: while an env's commands run, the next envs are created and get
        their deps (mostly waiting on the package index). Their progress lines are kept and shown
        when their turn comes, so the output reads as if they were set up in turn. The backend's
        setup runs ahead, and with it the env's package: built once for all envs, installed when it
        changed (:meth:`~orch.schedule.packages.PackageStage.place`); hooks and commands stay in turn.
        """
        if names and workers >= 1:
            self._ahead.start(names, workers, self._set_up_ahead)

    def stop_ahead(self) -> None:
        """Drop the setups ahead that have not started and stop the running ones."""
        self._ahead.stop()

    def _set_up_ahead(self, name: str) -> Ahead | None:
        self.turns.wait(name)
        env = self.config.env(name)
        parts = self._setup_parts(env)
        if isinstance(parts, _NotSetUp):
            return None
        notes: list[str] = []
        request = self._request(env, parts, notes.append)
        if parts.backend.cannot_create(request) is not None:
            return None
        try:
            with cancel_scope(self._ahead.cancel), env_lock.session() as held:
                prepared = parts.backend.setup(request)
                package: Placed | Exception | None = None
                if self.packages is not None and self._places_ahead(env, parts):
                    try:  # the package too: while an earlier env's commands run, not in this env's turn
                        package = self.packages.place(env, prepared, parts.interpreter, notes.append)
                    except (BuildError, EnvSetupError) as exc:  # raised in the env's turn, as if it happened there
                        package = exc
                return Ahead(notes, prepared, tuple(held.detach()), package)
        except Exception as exc:  # handed over to the env's turn, where it is raised as if it happened there
            return Ahead(notes, exc)

    def _places_ahead(self, env: EnvConfig, parts: _Parts) -> bool:
        """Whether the env's package is built and installed with its setup ahead of its turn: a
        virtualenv-like env (its interpreter known before the setup) with a package, not from uv.lock."""
        return bool(env.packagedef) and not uses_lock(env) and not parts.provides_python

    def _setup(self, backend: Backend, request: SetupRequest) -> PreparedEnv:
        """The backend's setup of the env: done ahead (waited for), or done now."""
        self._local.__dict__.pop("package", None)
        ahead = self._ahead.take(request.config.name, getattr(self._local, "cancel", None))
        if ahead is None:
            return backend.setup(request)
        env_lock.adopt(ahead.locks)
        for text in ahead.notes:
            request.note(text)
        if isinstance(ahead.outcome, Exception):
            raise ahead.outcome
        if ahead.package is not None:
            self._local.package = ahead.package  # for _install_package, in this thread
        return ahead.outcome

    def _backend(self, env_type: str) -> Backend:
        factory = self.plugins.env_types.load_backend(env_type)
        if not callable(factory):
            raise OrchError(f"env type {env_type!r}: its backend is not a class")
        return cast("Backend", factory())

    def _timeout(self, env: EnvConfig) -> float | None:
        """The time left for the next command: its own limit and what remains of the env's."""
        limits = [env.command_timeout] if env.command_timeout > 0 else []
        deadline = getattr(self._local, "deadline", None)
        if deadline is not None:
            limits.append(max(deadline - time.monotonic(), 0.01))
        return min(limits) if limits else None

    def _skip(self, result: EnvResult, message: str) -> None:
        result.status, result.message = EnvStatus.SKIPPED, message

    def _missing(self, result: EnvResult, message: str) -> None:
        if self._skip_missing():
            self._skip(result, message)
        else:
            result.status, result.message = EnvStatus.FAILED, message

    def _fail(self, result: EnvResult, env: EnvConfig, message: str) -> None:
        result.status = EnvStatus.IGNORED if env.ignore_outcome else EnvStatus.FAILED
        result.message = message

    def _hook(self, outcome: EnvResult, config: EnvConfig, hook: str, /, **kwargs: object) -> list[object] | None:
        """A plugin's lifecycle hook (:mod:`orch.plugin.spec`): what its implementations returned, or
        None when one raised, which fails this env with the hook's one-line error."""
        try:
            return self.plugins.lifecycle(hook, **kwargs)
        except OrchError as exc:
            self._fail(outcome, config, f"{config.name}: {exc}")
            return None

    def _skip_missing(self) -> bool:
        if self.options.skip_missing is not None:
            return self.options.skip_missing
        return str(self.config.core.skip_missing_interpreters).lower() in ("true", "1", "yes")

    # ---------------------------------------------------------------------------- commands
    def _commands(self, env: EnvConfig, prepared: PreparedEnv, result: EnvResult, *, setup_only: bool = False) -> None:
        self._local.deadline = time.monotonic() + env.timeout if env.timeout > 0 else None
        log = self._fresh_dirs(env, result) / "commands.log"
        log.write_bytes(b"")
        environ = command_environ(
            caller=self.environ,
            pass_env=env.pass_env,
            set_env=env.set_env,
            backend=prepared.environ,
            bin_dirs=prepared.bin_dirs,
            env_name=env.name,
            env_dir=env.env_dir,
            work_dir=self.config.core.work_dir,
            hash_seed=self.options.hash_seed,
            packages=[self.package_files[env.name]] if env.name in self.package_files else [],
        )
        added = self._hook(result, env, "orch_before_commands", env=env, prepared=prepared)
        if added is None:
            return
        for variables in added:  # a plugin's variables for the commands, after set_env
            environ.update(
                {str(k): str(v) for k, v in dict(variables).items()} if isinstance(variables, Mapping) else {}
            )
        masker = remember(Masker.from_environ(environ))  # shown and written text only
        self._local.masker = masker
        runner = CommandRunner(
            env,
            prepared,
            environ,
            log,
            console=self.console,
            masker=masker,
            timeout=lambda: self._timeout(env),
            cancel=getattr(self._local, "cancel", None),
        )
        self.turns.went(env.name)
        # tox's extra_setup_commands: after the deps and the package, before commands_pre, on every run
        # and with --notest too; one that fails (without ignore_errors) fails the env: no other command
        failed = runner.phase("extra_setup_commands", env.extra_setup_commands, result)
        if failed is not None:
            self._fail(result, env, f"{failed.phase}[{failed.index}] {failed.ending}")
            if not env.ignore_errors:
                return
        if setup_only:
            return
        if self.options.exec_argv is not None:
            outcome = runner.one("exec", 0, Command(self.options.exec_argv), check=False)
            if not outcome.ok:
                self._fail(result, env, f"exec {outcome.ending}")
            result.commands.append(outcome)
            return
        failed = runner.phase("commands_pre", env.commands_pre, result)
        if failed is None:  # a pre command failed: skip the commands, still run the post ones
            failed = runner.phase("commands", env.commands, result)
        post = runner.phase("commands_post", env.commands_post, result)  # always, after a failure too
        failed = failed or post
        if failed is not None:
            self._fail(result, env, f"{failed.phase}[{failed.index}] {failed.ending}")
            if failed.status is CommandStatus.TIMEOUT and result.status is EnvStatus.FAILED:
                result.status = EnvStatus.TIMEOUT

    def _fresh_dirs(self, env: EnvConfig, result: EnvResult) -> Path:
        """Empty ``{envtmpdir}`` and old logs when no other orch run uses the env; else leave them to
        that run and log into a folder of this run's own. The folder for ``commands.log``."""
        with env_lock.alone(env.env_dir, env.name) as alone:
            env.env_log_dir.mkdir(parents=True, exist_ok=True)
            if alone:
                ownership.fresh_tmp(env.name, env.env_tmp_dir, env.env_dir)  # empties only a folder orch created
                for old in env.env_log_dir.glob(f"{RUN_LOGS}*"):
                    if old.is_dir() and not old.is_symlink():
                        shutil.rmtree(old, ignore_errors=True)
                return env.env_log_dir
            env.env_tmp_dir.mkdir(parents=True, exist_ok=True)
            import tempfile  # only when another run uses the env: 2 ms of every start otherwise

            log_dir = Path(tempfile.mkdtemp(prefix=RUN_LOGS, dir=env.env_log_dir))
        result.log_dir = str(log_dir)
        self.console.note(
            env.name, f"another orch run uses this env: {env.env_tmp_dir} is left as it is, this run logs to {log_dir}"
        )
        return log_dir
