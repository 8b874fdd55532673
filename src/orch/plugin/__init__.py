"""Plugins: the hooks (:mod:`~orch.plugin.spec`), orch's built-ins, and loading them all."""

from __future__ import annotations

from typing import Any

__all__ = ["hookimpl", "hookspec"]


def __getattr__(name: str) -> Any:
    """``hookimpl``/``hookspec`` on first use: importing pluggy is left to runs that need it."""
    if name in __all__:
        from orch.plugin import spec

        return getattr(spec, name)
    raise AttributeError(name)
