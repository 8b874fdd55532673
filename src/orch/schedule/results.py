"""What running an env produced: its status, what setup did, each command's exit code and time."""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from typing import Any


class EnvStatus(str, enum.Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # a missing interpreter with skip_missing_interpreters, a platform mismatch
    IGNORED = "ignored"  # failed, but ignore_outcome = true
    TIMEOUT = "timeout"  # the env's timeout or a command's command_timeout expired
    INTERRUPTED = "interrupted"  # Ctrl-C

    @property
    def fails_run(self) -> bool:
        return self in (EnvStatus.FAILED, EnvStatus.INTERRUPTED, EnvStatus.TIMEOUT)


class CommandStatus(str, enum.Enum):
    """How a command ended: the process statuses of :class:`orch.execute.Status`, and ``rejected``
    (outside the env, not in allowlist_externals: never started)."""

    EXITED = "exited"  # see exit_code
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"
    NOT_FOUND = "not found"
    REJECTED = "rejected"

    def __str__(self) -> str:  # in messages: "timeout", not "CommandStatus.TIMEOUT"
        return self.value

    @classmethod
    def read(cls, text: object) -> CommandStatus:
        """A status as a record stored it; one this orch does not know reads as ``not found``."""
        try:
            return cls(text)
        except ValueError:
            return cls.NOT_FOUND


# The two results are plain classes with slots, not dataclasses: importing ``dataclasses`` brings
# ``inspect``, and a dataclass compiles the source of its methods when its class is made, start-up
# that every run paid (issue 15). They compare and show themselves as dataclasses did.


class CommandResult:
    """One command's outcome: its phase and place in it, the command line (secrets masked), how it
    ended (``status``, ``exit_code``), how long it took, and whether it was ignored (``-cmd``),
    retried (``attempts``) or inverted (``! cmd``)."""

    _fields = (  # in the order of __init__'s parameters
        "phase",
        "index",
        "command_line",
        "status",
        "exit_code",
        "duration",
        "ignored",
        "attempts",
        "inverted",
        "output",
        "started",
    )
    __slots__ = _fields

    def __init__(
        self,
        phase: str,  # extra_setup_commands, commands_pre, commands, commands_post, exec
        index: int,
        command_line: str,  # the command as a shell would show it, secrets masked
        status: CommandStatus | str,  # "exited" from a record or a caller reads as the enum
        exit_code: int | None,
        duration: float,
        ignored: bool = False,  # a leading "-": its exit code does not count
        attempts: int = 1,
        inverted: bool = False,  # a leading "!": a non-zero exit is the success (tox 4)
        output: tuple[int, int] | None = None,  # its bytes in commands.log, [start, end), for --result-json
        started: float = 0.0,  # wall clock (time.time()) when it started
    ) -> None:
        self.phase, self.index, self.command_line = phase, index, command_line
        self.status: CommandStatus = CommandStatus.read(status)
        self.exit_code, self.duration, self.ignored, self.attempts = exit_code, duration, ignored, attempts
        self.inverted, self.output, self.started = inverted, output, started

    def __repr__(self) -> str:
        return _repr(self)

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]  # changes as the run goes: no hash, as a dataclass

    @property
    def ending(self) -> str:
        """How it ended, as messages say it: ``exit 3``, ``timeout``, ``not found``..."""
        return f"exit {self.exit_code}" if self.status is CommandStatus.EXITED else self.status.value

    def as_record(self) -> dict[str, object]:
        """The command as the run record (and ``--result-json``) keeps it."""
        return {
            "phase": self.phase,
            "index": self.index,
            "command": self.command_line,
            "status": self.status.value,
            "exit_code": self.exit_code,
            "duration": round(self.duration, 3),
            "ignored": self.ignored,
            "attempts": self.attempts,
            **({"inverted": True} if self.inverted else {}),
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any], *, duration: float | None = None) -> CommandResult:
        """A command as :meth:`as_record` kept it (a run record, a result cache entry); ``duration``
        replaces the stored one (a replayed result took no time here)."""
        code, index = data.get("exit_code"), data.get("index")
        return cls(
            str(data.get("phase", "commands")),
            index if isinstance(index, int) else 0,
            str(data.get("command", "")),
            CommandStatus.read(data.get("status", "exited")),
            code if isinstance(code, int) else None,
            float(data.get("duration") or 0.0) if duration is None else duration,
            bool(data.get("ignored", False)),
            int(data.get("attempts") or 1),
            bool(data.get("inverted", False)),
        )

    @property
    def ok(self) -> bool:
        return self.status is CommandStatus.EXITED and (self.exit_code != 0 if self.inverted else self.exit_code == 0)


class EnvResult:
    """What running one env produced; filled in as the env runs."""

    _fields = (  # in the order of __init__'s parameters
        "name",
        "status",
        "message",
        "duration",
        "started",
        "ended",
        "interpreter",
        "actions",
        "installer_runs",
        "log_dir",
        "package",
        "commands",
        "cached",
    )
    __slots__ = _fields

    def __init__(
        self,
        name: str,
        status: EnvStatus = EnvStatus.OK,
        message: str = "",  # why it failed or was skipped, one line
        duration: float = 0.0,
        started: float = 0.0,  # wall clock (time.time()) when the env started, and when it ended
        ended: float = 0.0,
        interpreter: str = "",
        actions: tuple[str, ...] = (),
        installer_runs: int = 0,
        log_dir: str = "",
        package: dict[str, object] | None = None,  # the installed artifact's provenance
        commands: list[CommandResult] | None = None,
        cached: dict[str, object] | None = None,  # a result cache hit: key, stored, saved
    ) -> None:
        self.name, self.status, self.message, self.duration = name, status, message, duration
        self.started, self.ended, self.interpreter, self.actions = started, ended, interpreter, actions
        self.installer_runs, self.log_dir = installer_runs, log_dir
        self.package: dict[str, object] = {} if package is None else package
        self.commands: list[CommandResult] = [] if commands is None else commands
        self.cached: dict[str, object] = {} if cached is None else cached

    def __repr__(self) -> str:
        return _repr(self)

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]  # changes as the run goes: no hash, as a dataclass

    def as_record(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "message": self.message,
            "duration": round(self.duration, 3),
            "started": round(self.started, 3),
            "ended": round(self.ended, 3),
            "interpreter": self.interpreter,
            "actions": list(self.actions),
            "installer_runs": self.installer_runs,
            "log_dir": self.log_dir,
            "package": self.package,
            "commands": [c.as_record() for c in self.commands],
            **({"cached": self.cached} if self.cached else {}),
        }


def _repr(result: CommandResult | EnvResult) -> str:
    """``EnvResult(name='py', status=...)``: every field in order, as a dataclass would show it."""
    fields = ", ".join(f"{name}={getattr(result, name)!r}" for name in result._fields)
    return f"{type(result).__name__}({fields})"


def _equal(result: CommandResult | EnvResult, other: object) -> bool:
    """Equal when of the same class with equal fields, as dataclasses compare."""
    return type(other) is type(result) and all(getattr(result, name) == getattr(other, name) for name in result._fields)


def cached_line(result: EnvResult) -> str:
    """``cached (passed 2026-12-03 14:02, key 3f2a..., 0.9 s saved)`` for a result cache hit, else ``""``."""
    if not result.cached:
        return ""
    stored = result.cached.get("stored")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(stored)) if isinstance(stored, (int, float)) else "?"
    saved = result.cached.get("saved")
    took = f", {saved:.1f} s saved" if isinstance(saved, (int, float)) else ""
    return f"cached (passed {when}, key {str(result.cached.get('key', ''))[:4]}...{took})"


def result_from_record(name: str, data: Mapping[str, Any]) -> EnvResult:
    """An env's result as a run record stored it (for ``--resume``)."""
    return EnvResult(
        name,
        EnvStatus(data.get("status", "failed")),
        data.get("message", ""),
        data.get("duration", 0.0),
        data.get("started", 0.0),
        data.get("ended", 0.0),
        data.get("interpreter", ""),
        tuple(data.get("actions") or ()),
        data.get("installer_runs", 0),
        data.get("log_dir", ""),
        dict(data.get("package") or {}),
        [CommandResult.from_record(c) for c in data.get("commands") or []],
        dict(data.get("cached") or {}),
    )
