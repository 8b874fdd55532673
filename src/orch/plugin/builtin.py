"""orch's built-ins as a plugin: the same hooks a third-party plugin implements.

The hooks are ``tryfirst`` and this module is registered last (pluggy calls the last registered
first), so these registrations come first and win a name clash with any plugin. The data lives in
:mod:`orch.plugin.catalog`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orch.plugin import catalog
from orch.plugin.catalog import BUILDERS, ENV_TYPES
from orch.plugin.spec import hookimpl

if TYPE_CHECKING:
    from orch.config.registry import SettingsRegistry
    from orch.plugin.builder_types import BuilderRegistry
    from orch.plugin.env_types import EnvTypeRegistry

__all__ = ["BUILDERS", "ENV_TYPES", "orch_add_settings", "orch_register_builders", "orch_register_env_types"]


@hookimpl(tryfirst=True)
def orch_add_settings(registry: SettingsRegistry) -> None:
    catalog.add_settings(registry)


@hookimpl(tryfirst=True)
def orch_register_env_types(registry: EnvTypeRegistry) -> None:
    catalog.register_env_types(registry)


@hookimpl(tryfirst=True)
def orch_register_builders(registry: BuilderRegistry) -> None:
    catalog.register_builders(registry)
