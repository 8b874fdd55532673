"""The exceptions orch raises; ``str()`` of each is the message a user reads.

The CLI prints ``error: <message>`` for an :class:`OrchError` and exits with its ``exit_code``.
A traceback is printed only with ``-vv`` or for exceptions that are not :class:`OrchError`
(those are bugs).
"""

from __future__ import annotations

from typing import NamedTuple


class Location(NamedTuple):
    """Where a value came from: a file and line, or a description such as ``CLI -x``."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


class OrchError(Exception):
    """Root of every error meant for the user."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(OrchError):
    """Bad command-line use: an unknown env after ``-e``, conflicting options."""


class ConfigError(OrchError):
    """Bad configuration; the message starts with the location (``tox.ini:12: ...``)."""

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None) -> None:
        self.location = location
        super().__init__(f"{location}: {message}" if location is not None else message, hint)
        self.bare = message
