"""orch's own config keys, env types and builders, registered through the same hooks as a plugin's.

The hooks are ``tryfirst`` and this module is registered last (pluggy calls the last registered
first), so these registrations come first and win a name clash with any plugin. Backends and
builders are named by ``"module:attr"`` and imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orch.builders.types import BuilderType
from orch.config.settings import BUILTIN_SETTINGS
from orch.envs.types import EnvType
from orch.plugin.spec import hookimpl

if TYPE_CHECKING:
    from orch.builders.types import BuilderRegistry
    from orch.config.registry import SettingsRegistry
    from orch.envs.types import EnvTypeRegistry

ENV_TYPES = (
    EnvType(
        "virtualenv",
        ("venv", "virtualenv"),
        "a Python virtual environment made with virtualenv",
        "orch.envs.virtualenv:VirtualenvBackend",
    ),
    EnvType("conda", ("conda",), "a conda environment", "orch.envs.conda:CondaBackend"),
    EnvType(
        "current",
        ("current",),
        "the Python environment orch runs in; nothing is created or installed",
        "orch.envs.current:CurrentBackend",
    ),
    EnvType(
        "system",
        ("system",),
        "commands run with the tools on PATH; no Python environment",
        "orch.envs.system:SystemBackend",
        needs_python=False,
    ),
)

BUILDERS = (
    BuilderType("sdist", "build a source distribution, install it", "orch.builders.sdist:SdistBuilder"),
    BuilderType("wheel", "build a wheel, install it", "orch.builders.wheel:WheelBuilder"),
    BuilderType("editable", "install the project in editable mode (PEP 660)", "orch.builders.editable:EditableBuilder"),
    BuilderType(
        "editable-legacy",
        "install the project in editable mode through setup.py develop (tox's editable-legacy)",
        "orch.builders.editable:EditableLegacyBuilder",
    ),
    BuilderType("conda", "build a conda package, install it", "orch.builders.conda:CondaBuilder"),
    BuilderType("external", "install what a command you configure builds", "orch.builders.external:ExternalBuilder"),
    BuilderType("skip", "install no package", "orch.builders.skip:SkipBuilder"),
)


@hookimpl(tryfirst=True)
def orch_add_settings(registry: SettingsRegistry) -> None:
    for setting in BUILTIN_SETTINGS:
        registry.add(setting)


@hookimpl(tryfirst=True)
def orch_register_env_types(registry: EnvTypeRegistry) -> None:
    for env_type in ENV_TYPES:
        registry.add(env_type)


@hookimpl(tryfirst=True)
def orch_register_builders(registry: BuilderRegistry) -> None:
    for builder in BUILDERS:
        registry.add(builder)
