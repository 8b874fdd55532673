"""Finding and loading the project's config file.

From the current folder upward, the first folder holding one of these wins, checked in this order:

1. ``orch.toml``;
2. ``pyproject.toml`` with a ``[tool.orch]`` table;
3. ``tox.ini``.

``-c FILE`` names the file (or a folder to start the search from) instead.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Callable

from orch.config.ini import IniSource
from orch.config.project import Config
from orch.config.registry import SettingsRegistry
from orch.config.resolve import Override, Resolver
from orch.config.source import Source
from orch.errors import ConfigError

CANDIDATES = ("orch.toml", "pyproject.toml", "tox.ini")


_TOOL_ORCH = re.compile(r"^\s*(?:\[\s*tool\s*\.\s*orch\s*[\].]|tool\s*\.\s*orch\s*[.=])", re.MULTILINE)


def _has_tool_orch(path: Path) -> bool:
    """Whether a pyproject.toml has a ``[tool.orch]`` table (a cheap look, no TOML parse)."""
    try:
        return _TOOL_ORCH.search(path.read_text(encoding="utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return False


def discover(start: Path) -> Path:
    """The config file for a project containing ``start``; :class:`ConfigError` when none is found."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CANDIDATES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and not _has_tool_orch(candidate):
                continue
            return candidate
    raise ConfigError(
        f"no orch.toml, pyproject.toml with [tool.orch], or tox.ini in {start} or its parents",
        hint="create a tox.ini (see `orch --help`) or pass -c FILE",
    )


def read_source(path: Path) -> Source:
    """Parse a config file into raw sections, by its name."""
    if path.suffix == ".toml":
        from orch.config.toml import TomlSource  # only TOML projects pay for the TOML parser

        return TomlSource.from_file(path)
    return IniSource.from_file(path)


def load_config(
    *,
    registry: SettingsRegistry,
    type_factors: Mapping[str, str],
    builders: Collection[str],
    config_file: Path | None = None,
    cwd: Path | None = None,
    overrides: Sequence[str] = (),
    posargs: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    is_tty: Callable[[], bool] | None = None,
) -> Config:
    """Load a project's config: find the file, read it, and wrap it in a lazy :class:`Config`."""
    cwd = Path.cwd() if cwd is None else cwd
    if config_file is None:
        path = discover(cwd)
    else:
        path = config_file if config_file.is_absolute() else cwd / config_file
        if path.is_dir():
            path = discover(path)
        elif not path.is_file():
            raise ConfigError(f"config file {config_file} does not exist")
    source = read_source(path.resolve())
    resolver = Resolver(
        source,
        registry,
        type_factors=type_factors,
        overrides=[Override.parse(text) for text in overrides],
        environ=os.environ if environ is None else environ,
        posargs=posargs,
        is_tty=is_tty or (lambda: sys.stdout.isatty()),
    )
    return Config(source, resolver, registry, builders)
