"""Whether orch colours its output, and the styles of its lines (as tox: the env name bright magenta,
a command line cyan with a dim ``>``, each result in the colour of its status).

One decision covers orch's lines and the commands it runs (see :mod:`orch.execute.run`): when orch
colours, a command on orch's terminal gets a pseudo-terminal (sequential runs), or else the tools'
colour variables (``FORCE_COLOR``, ``PY_COLORS``) where the user set none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from orch.schedule.results import EnvStatus

BOLD_MAGENTA, CYAN, DIM, RESET = "\x1b[1m\x1b[35m", "\x1b[36m", "\x1b[2m", "\x1b[0m"
GREEN, RED, YELLOW = "\x1b[32m", "\x1b[31m", "\x1b[33m"
STATUS_COLOURS: dict[EnvStatus, str] = {
    EnvStatus.OK: GREEN,
    EnvStatus.FAILED: RED,
    EnvStatus.TIMEOUT: RED,
    EnvStatus.INTERRUPTED: RED,
    EnvStatus.SKIPPED: YELLOW,
    EnvStatus.IGNORED: YELLOW,
}


def is_terminal(stream: TextIO | None) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):  # a closed stream
        return False


def wants_colour(environ: Mapping[str, str], *, tty: bool, colored: str | None = None) -> bool:
    """tox's rule: ``--colored yes|no`` when given, else no with ``NO_COLOR``, yes with ``FORCE_COLOR``,
    ``TTY_COMPATIBLE=1|0`` as said, no with ``TERM=dumb``, else whether the output is a terminal."""
    if colored in ("yes", "no"):
        return colored == "yes"
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("FORCE_COLOR", ""):
        return True
    if (compatible := environ.get("TTY_COMPATIBLE", "")) in ("0", "1"):
        return compatible == "1"
    if environ.get("TERM", "") == "dumb":
        return False
    return tty


class Palette:
    """Paints text when ``enabled``, else hands it back unchanged."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def paint(self, text: str, style: str) -> str:
        return f"{style}{text}{RESET}" if self.enabled and text else text

    def status(self, text: str, status: EnvStatus) -> str:
        return self.paint(text, STATUS_COLOURS[status])

    def env(self, name: str) -> str:
        """``py311:``, the prefix of orch's lines."""
        return self.paint(f"{name}:", BOLD_MAGENTA)

    def command(self, head: str, shell: str) -> str:
        """``commands[0]> pytest``: the command in cyan after a dim ``>``."""
        if not self.enabled:
            return f"{head}> {shell}"
        return f"{head}{DIM}>{RESET} {CYAN}{shell}{RESET}"
