"""Kept for old import paths: the builder registry lives in :mod:`orch.plugin.builder_types`."""

from __future__ import annotations

from orch.plugin.builder_types import BuilderRegistry, BuilderType

__all__ = ["BuilderRegistry", "BuilderType"]
