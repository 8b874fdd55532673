"""The table of commands: every command the parser knows has a handler, and each one imports."""

from __future__ import annotations

import pytest

from orch.cli.main import HANDLERS, RUNS_ENVS, handler
from orch.cli.parser import ALIASES, COMMANDS


def test_every_command_has_a_handler() -> None:
    assert set(HANDLERS) == set(COMMANDS)
    assert set(ALIASES.values()) <= set(HANDLERS)
    assert set(HANDLERS) >= RUNS_ENVS


@pytest.mark.parametrize("command", COMMANDS)
def test_each_handler_imports(command: str) -> None:
    assert callable(handler(command))
