"""Read tox 4's native TOML (``tox.toml``, ``[tool.tox]`` in ``pyproject.toml``) into the raw layer.

Being written: the lead engineer owns this module. :func:`read_tox_toml` is the entry point.
"""

from __future__ import annotations

from pathlib import Path

from orch.config.source import Source
from orch.errors import ConfigError


def read_tox_toml(path: Path) -> Source:
    """A ``tox.toml`` (the whole document) or a ``pyproject.toml`` (its ``[tool.tox]`` table)."""
    raise ConfigError(f"{path.name}: tox's native TOML is not read yet")
