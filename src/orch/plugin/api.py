"""What a plugin author imports: the contracts, their data types and the hook marker, in one place.

Everything here is importable at run time and stays where it is across orch releases; the modules
it comes from may move. A plugin should import from this module only::

    from orch.plugin.api import Backend, EnvType, PreparedEnv, SetupRequest, hookimpl

* registering: :data:`hookimpl`, :class:`Setting` (with :class:`Kind`, :class:`Scope`), :class:`EnvType`,
  :class:`BuilderType` and their registries;
* an env backend: the :class:`Backend` Protocol, :class:`SetupRequest` in, :class:`PreparedEnv` out,
  :class:`EnvSetupError` on failure;
* a builder: the :class:`Builder` Protocol, :class:`BuildRequest` in, :class:`Artifact` out,
  :class:`BuildError` on failure;
* a console (what the user sees of a run): the :class:`Console` Protocol;
* results, for the lifecycle hooks: :class:`EnvResult`, :class:`CommandResult`, :class:`EnvStatus`;
* the config model: :class:`EnvConfig`, :class:`PackageDef`, :class:`Command`;
* errors meant for the user: :class:`OrchError`, :class:`ConfigError`.

This module is an entry point above orch's layers: nothing inside orch imports it
(``tests/unit/test_layers.py`` checks that).
"""

from __future__ import annotations

from orch.builders.api import Artifact, Builder, BuildError, BuildRequest
from orch.config.model import EnvConfig, PackageDef
from orch.config.registry import Kind, Scope, Setting, SettingsRegistry
from orch.config.types import Command
from orch.envs.api import Backend, EnvSetupError, PreparedEnv, SetupRequest
from orch.errors import ConfigError, OrchError
from orch.plugin.builder_types import BuilderRegistry, BuilderType
from orch.plugin.env_types import EnvType, EnvTypeRegistry
from orch.plugin.spec import hookimpl
from orch.schedule.console import Console
from orch.schedule.results import CommandResult, EnvResult, EnvStatus

__all__ = [
    "Artifact",
    "Backend",
    "BuildError",
    "BuildRequest",
    "Builder",
    "BuilderRegistry",
    "BuilderType",
    "Command",
    "CommandResult",
    "ConfigError",
    "Console",
    "EnvConfig",
    "EnvResult",
    "EnvSetupError",
    "EnvStatus",
    "EnvType",
    "EnvTypeRegistry",
    "Kind",
    "OrchError",
    "PackageDef",
    "PreparedEnv",
    "Scope",
    "Setting",
    "SettingsRegistry",
    "SetupRequest",
    "hookimpl",
]
