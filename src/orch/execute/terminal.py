"""A command's output, coloured when orch colours: a pseudo-terminal, or the tools' colour variables.

A command given a pseudo-terminal (:attr:`Request.tty <orch.execute.request.Request.tty>`, POSIX)
sees a terminal of orch's size on its stdout and stderr, so pytest, ruff, pip... colour and
line-buffer as they do by hand. Its line discipline keeps ``\\n`` as it is (no ``\\r\\n``), so the
logs read as from a pipe. Where there is none (Windows, no free pty), or for output that is captured
(:attr:`Request.colour`), the command gets ``FORCE_COLOR=1`` and ``PY_COLORS=1`` instead, unless its
environment says anything about colour already (``NO_COLOR``, ``FORCE_COLOR``, ``PY_COLORS`` through
``pass_env`` or ``set_env``): the user's word wins.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import sys
from collections.abc import Mapping

COLOUR_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "PY_COLORS")
FORCED = {"FORCE_COLOR": "1", "PY_COLORS": "1"}

# CSI (colours, cursor moves), OSC (titles, links) and the two-character escapes
_ANSI = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def coloured_environ(env: Mapping[str, str]) -> Mapping[str, str]:
    """``env`` with the tools' colour variables forced, unless it sets one of them already."""
    if any(key in env for key in COLOUR_VARIABLES):
        return env
    return {**env, **FORCED}


def plain(data: bytes) -> bytes:
    """``data`` without terminal escapes (colours, cursor moves): what goes to a log."""
    return _ANSI.sub(b"", data) if b"\x1b" in data else data


def open_pty() -> tuple[int, int] | None:
    """``(main, child)`` file descriptors of a new pseudo-terminal the size of orch's, or ``None``
    where there is none (Windows, no pty left)."""
    if sys.platform == "win32":
        return None
    import fcntl
    import pty
    import termios

    try:
        main, child = pty.openpty()
    except OSError:
        return None
    try:
        attributes = termios.tcgetattr(child)
        attributes[1] &= ~termios.ONLCR  # oflag: "\n" stays "\n"; orch's own terminal turns it into "\r\n"
        termios.tcsetattr(child, termios.TCSANOW, attributes)
        columns, lines = shutil.get_terminal_size()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    except (termios.error, OSError):
        os.close(main)
        os.close(child)
        return None
    return main, child
