"""What running an env produced: its status, what setup did, each command's exit code and time."""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
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


@dataclass
class CommandResult:
    phase: str  # extra_setup_commands, commands_pre, commands, commands_post, exec
    index: int
    command_line: str  # the command as a shell would show it, secrets masked
    status: CommandStatus
    exit_code: int | None
    duration: float
    ignored: bool = False  # a leading "-": its exit code does not count
    attempts: int = 1
    inverted: bool = False  # a leading "!": a non-zero exit is the success (tox 4)
    output: tuple[int, int] | None = None  # its bytes in commands.log, [start, end), for --result-json
    started: float = 0.0  # wall clock (time.time()) when it started

    def __post_init__(self) -> None:
        self.status = CommandStatus.read(self.status)  # "exited" from a record or a caller: the enum

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


@dataclass
class EnvResult:
    name: str
    status: EnvStatus = EnvStatus.OK
    message: str = ""  # why it failed or was skipped, one line
    duration: float = 0.0
    started: float = 0.0  # wall clock (time.time()) when the env started, and when it ended
    ended: float = 0.0
    interpreter: str = ""
    actions: tuple[str, ...] = ()
    installer_runs: int = 0
    log_dir: str = ""
    package: dict[str, object] = field(default_factory=dict)  # the installed artifact's provenance
    commands: list[CommandResult] = field(default_factory=list)
    cached: dict[str, object] = field(default_factory=dict)  # a result cache hit: key, stored, saved

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
