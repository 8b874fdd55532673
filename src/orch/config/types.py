"""Small value types of the config model."""

from __future__ import annotations

import shlex
from typing import NamedTuple


class Command(NamedTuple):
    """One command line: its argv (never run through a shell) and whether its exit code is ignored."""

    args: tuple[str, ...]
    ignore_exit: bool = False

    def __str__(self) -> str:
        """The command as tox prints it: shell-quoted, ``- `` in front when the exit code is ignored."""
        text = shlex.join(" ".join(arg.splitlines()) for arg in self.args)
        return f"- {text}" if self.ignore_exit else text
