"""A sample project with a C extension."""

from __future__ import annotations

from cext_proj._speed import add

__all__ = ["add"]
