"""tox's ``constraints`` key: constraints files or URLs applied to everything an env installs.

As in tox 4.14 and newer, each entry becomes ``-c ENTRY`` for the deps (and dependency groups)
install, only when there is something to install, and for the package install. A file is relative
to the project root (``tox_root``); a URL is passed as is. The lines go into the env's record with
the deps, so a new, removed or edited constraints file recreates the env, as in tox.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orch.config.model import EnvConfig


def lines(config: EnvConfig) -> tuple[str, ...]:
    """The env's constraints as deps lines (``-c FILE``)."""
    return tuple(f"-c {entry}" for entry in config.constraints)


def applied(config: EnvConfig, requirements: Sequence[str]) -> tuple[str, ...]:
    """``requirements`` plus the env's constraints, when there is anything to install."""
    return (*requirements, *lines(config)) if requirements else tuple(requirements)


def args(config: EnvConfig, root: Path) -> list[str]:
    """Installer arguments for the constraints: ``-c PATH`` (relative to ``root``) or ``-c URL``."""
    result: list[str] = []
    for entry in config.constraints:
        result += ["-c", entry if "://" in entry else str(root / entry)]
    return result
