"""Plugins: the hooks (:mod:`~orch.plugin.spec`), orch's built-ins, and loading them all."""

from __future__ import annotations

from orch.plugin.spec import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]
