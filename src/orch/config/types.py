"""Small value types of the config model."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple


class Command(NamedTuple):
    """One command line: its argv (never run through a shell), whether its exit code is ignored (``- cmd``) and
    whether it is inverted (``! cmd``: a non-zero exit is the success)."""

    args: tuple[str, ...]
    ignore_exit: bool = False
    invert_exit: bool = False

    def __str__(self) -> str:
        """The command as tox prints it: shell-quoted, ``- `` or ``! `` in front for an ignored or inverted exit."""
        import shlex  # when a command is shown: not at every start

        text = shlex.join(" ".join(arg.splitlines()) for arg in self.args)
        return f"- {text}" if self.ignore_exit else f"! {text}" if self.invert_exit else text


def plain(value: object) -> object:
    """A config value as JSON-compatible data."""
    if isinstance(value, (Path, Command)):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value
