"""A result as the run record keeps it reads back the same (--resume keeps the envs that passed)."""

from __future__ import annotations

from orch.schedule.results import CommandResult, CommandStatus, EnvResult, EnvStatus, result_from_record


def test_a_record_reads_back_the_same_commands() -> None:
    commands = [
        CommandResult("commands", 0, "! false", CommandStatus.EXITED, 1, 0.5, inverted=True),  # passed: inverted
        CommandResult("commands", 1, "- flaky", CommandStatus.EXITED, 3, 0.25, ignored=True, attempts=2),
        CommandResult("commands_post", 0, "gone", CommandStatus.NOT_FOUND, None, 0.0),
    ]
    result = EnvResult("py", EnvStatus.OK, duration=1.0, commands=commands)
    again = result_from_record("py", result.as_record())
    assert again.commands == commands
    assert again.commands[0].ok


def test_a_replayed_command_took_no_time() -> None:
    stored = CommandResult("commands", 0, "pytest", CommandStatus.EXITED, 0, 2.5).as_record()
    assert CommandResult.from_record(stored, duration=0.0).duration == 0.0
    assert "inverted" not in stored  # the --result-json document keeps tox's keys unless a command is inverted
