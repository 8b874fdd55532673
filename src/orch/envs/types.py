"""Kept for old import paths: the env-type registry lives in :mod:`orch.plugin.env_types`."""

from __future__ import annotations

from orch.plugin.env_types import EnvType, EnvTypeRegistry

__all__ = ["EnvType", "EnvTypeRegistry"]
