"""Small value types of the config model."""

from __future__ import annotations

import shlex
from typing import NamedTuple


class Command(NamedTuple):
    """One command line: its argv (never run through a shell), whether its exit code is ignored (``- cmd``) and
    whether it is inverted (``! cmd``: a non-zero exit is the success)."""

    args: tuple[str, ...]
    ignore_exit: bool = False
    invert_exit: bool = False

    def __str__(self) -> str:
        """The command as tox prints it: shell-quoted, ``- `` or ``! `` in front for an ignored or inverted exit."""
        text = shlex.join(" ".join(arg.splitlines()) for arg in self.args)
        return f"- {text}" if self.ignore_exit else f"! {text}" if self.invert_exit else text
