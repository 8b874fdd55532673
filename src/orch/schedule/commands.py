"""An env's commands, once it is set up: each phase's loop, one command, and where its program is.

``extra_setup_commands``, ``commands_pre``, ``commands`` and ``commands_post`` run through the same
loop (:meth:`CommandRunner.phase`): a leading ``-`` ignores a command's exit code,
``ignore_errors`` goes on after a failure, ``commands_retry`` runs a failing command again, and
Ctrl-C stops the env. A program outside the env must be in ``allowlist_externals``.
"""

from __future__ import annotations

import fnmatch
import os
import shlex
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orch.errors import OrchError
from orch.execute import Request, Status
from orch.execute.masking import Masker, execute_masked
from orch.schedule.results import CommandResult, CommandStatus, EnvResult

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.config.types import Command
    from orch.envs.api import PreparedEnv
    from orch.schedule.console import Console


class CommandRejected(OrchError):
    """A command that cannot run (``not found``) or may not (outside the env and not in
    allowlist_externals: ``rejected``)."""

    def __init__(self, message: str, status: CommandStatus = CommandStatus.NOT_FOUND) -> None:
        super().__init__(message)
        self.status = status


def locate(argv0: str, *, bin_dirs: tuple[Path, ...], path: str, cwd: Path, env_dir: Path | None) -> tuple[str, bool]:
    """The executable for ``argv0`` and whether it belongs to the env.

    Raises :class:`CommandRejected` when it cannot be found.
    """
    if os.sep in argv0 or (os.altsep and os.altsep in argv0):
        candidate = (cwd / argv0).resolve() if not os.path.isabs(argv0) else Path(argv0)
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            raise CommandRejected(f"command not found or not executable: {argv0}")
        inside = env_dir is not None and env_dir.resolve() in candidate.parents
        return str(candidate), inside
    if bin_dirs:
        found = shutil.which(argv0, path=os.pathsep.join(map(str, bin_dirs)))
        if found:
            return found, True
    found = shutil.which(argv0, path=path)
    if not found:
        raise CommandRejected(f"command not found: {argv0}")
    return found, False


def allowed(name: str, resolved: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``allowlist_externals`` lets an outside command run (globs on the name or the path)."""
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(resolved, p) for p in patterns)


class CommandRunner:
    """Runs the commands of one env, set up as ``prepared``, with ``environ``, logging to ``log``.
    ``timeout`` gives the time left for the next command; ``cancel`` is the env's Ctrl-C/fail-fast event."""

    def __init__(
        self,
        env: EnvConfig,
        prepared: PreparedEnv,
        environ: Mapping[str, str],
        log: Path,
        *,
        console: Console,
        masker: Masker,
        timeout: Callable[[], float | None],
        cancel: threading.Event | None,
    ) -> None:
        self.env, self.prepared, self.environ, self.log = env, prepared, environ, log
        self.console, self.masker, self.timeout, self.cancel = console, masker, timeout, cancel

    def phase(self, phase: str, commands: Sequence[Command], result: EnvResult) -> CommandResult | None:
        """Run ``commands`` in turn, each added to ``result``; the first failure, or None. Stops at a
        failure unless ``ignore_errors``; Ctrl-C (an interrupted command) raises KeyboardInterrupt."""
        failed: CommandResult | None = None
        for index, command in enumerate(commands):
            outcome = self.one(phase, index, command, check=True)
            result.commands.append(outcome)
            if outcome.ok or outcome.ignored:
                continue
            if outcome.status is CommandStatus.INTERRUPTED:
                raise KeyboardInterrupt
            failed = failed or outcome
            if not self.env.ignore_errors:
                break
        return failed

    def one(self, phase: str, index: int, command: Command, *, check: bool) -> CommandResult:
        """Run one command (``check``: refuse a program outside the env that allowlist_externals does
        not name); retried up to ``commands_retry`` times while it fails."""
        env, console = self.env, self.console
        line = self.masker.mask(("! " if command.invert_exit else "") + shlex.join(command.args))
        console.command_start(env.name, phase, index, line)
        if not command.args:
            return CommandResult(phase, index, line, CommandStatus.NOT_FOUND, None, 0.0, command.ignore_exit)
        cwd = env.change_dir
        bin_dirs = self.prepared.bin_dirs
        try:
            executable, inside = locate(
                command.args[0], bin_dirs=bin_dirs, path=self.environ["PATH"], cwd=cwd, env_dir=env.env_dir
            )
            needs_allow = check and not inside and bool(bin_dirs) and env.env_type != "system"
            if needs_allow and not allowed(command.args[0], executable, env.allowlist_externals):
                raise CommandRejected(
                    f"{command.args[0]} is not in the env ({executable}); add it to allowlist_externals to run it",
                    CommandStatus.REJECTED,
                )
        except CommandRejected as exc:
            console.error(env.name, str(exc))
            failed = CommandResult(phase, index, line, exc.status, None, 0.0, command.ignore_exit)
            console.command_end(env.name, failed)
            return failed
        argv = (executable, *command.args[1:])
        attempts = 0
        output_from, started = file_size(self.log), time.time()  # what it prints, for --result-json
        while True:
            attempts += 1
            outcome = execute_masked(
                Request(
                    argv,
                    cwd,
                    self.environ,
                    timeout=self.timeout(),
                    log=self.log,
                    on_output=console.output_sink(env.name),
                    grace_interrupt=env.interrupt_timeout,
                    grace_terminate=env.terminate_timeout,
                    cancel=self.cancel,
                    tty=console.tty,
                    colour=console.colour,
                ),
                self.masker,
            )
            done = CommandResult(
                phase,
                index,
                line,
                CommandStatus(outcome.status.value),
                outcome.exit_code,
                outcome.duration,
                command.ignore_exit,
                attempts,
                command.invert_exit,
                (output_from, file_size(self.log)),
                started,
            )
            if outcome.status is Status.INTERRUPTED:
                console.command_end(env.name, done)
                raise KeyboardInterrupt
            if done.ok or attempts > env.commands_retry:
                console.command_end(env.name, done)
                return done
            console.note(env.name, f"{phase}[{index}] exit {outcome.exit_code}: retrying")


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
