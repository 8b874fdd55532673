"""What running an env produced: its status, what setup did, each command's exit code and time."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class EnvStatus(str, enum.Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # a missing interpreter with skip_missing_interpreters, a platform mismatch
    IGNORED = "ignored"  # failed, but ignore_outcome = true
    INTERRUPTED = "interrupted"  # Ctrl-C

    @property
    def fails_run(self) -> bool:
        return self in (EnvStatus.FAILED, EnvStatus.INTERRUPTED)


@dataclass
class CommandResult:
    phase: str  # commands_pre, commands, commands_post, exec
    index: int
    shell: str  # the command as a shell would show it
    status: str  # exited, timeout, interrupted, not found
    exit_code: int | None
    duration: float
    ignored: bool = False  # a leading "-": its exit code does not count
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status == "exited" and self.exit_code == 0


@dataclass
class EnvResult:
    name: str
    status: EnvStatus = EnvStatus.OK
    message: str = ""  # why it failed or was skipped, one line
    duration: float = 0.0
    interpreter: str = ""
    actions: tuple[str, ...] = ()
    installer_runs: int = 0
    log_dir: str = ""
    package: dict[str, object] = field(default_factory=dict)  # the installed artifact's provenance
    commands: list[CommandResult] = field(default_factory=list)

    def as_record(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "message": self.message,
            "duration": round(self.duration, 3),
            "interpreter": self.interpreter,
            "actions": list(self.actions),
            "installer_runs": self.installer_runs,
            "log_dir": self.log_dir,
            "package": self.package,
            "commands": [
                {
                    "phase": c.phase,
                    "index": c.index,
                    "command": c.shell,
                    "status": c.status,
                    "exit_code": c.exit_code,
                    "duration": round(c.duration, 3),
                    "ignored": c.ignored,
                    "attempts": c.attempts,
                }
                for c in self.commands
            ],
        }
