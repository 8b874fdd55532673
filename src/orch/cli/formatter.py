"""argparse's help formatters, sized to the terminal without :mod:`shutil`.

argparse makes a formatter at every ``add_argument`` (to check the metavar), and its default width comes
from ``shutil.get_terminal_size()``: importing :mod:`shutil` (and the zlib, bz2 and lzma it imports) cost
every command about 2 ms of its start, ``orch list`` included, for text that is rarely shown.
"""

from __future__ import annotations

import argparse
import os
import sys


def terminal_columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size()`` gives it: ``$COLUMNS``, else the width of the
    terminal on stdout, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout, a closed one, or no terminal
        return 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, as wide as argparse makes it: the terminal's width less 2."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, terminal_columns() - 2 if width is None else width)


class RawDescriptionHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """:class:`HelpFormatter` keeping the line breaks of the description and the epilog."""
