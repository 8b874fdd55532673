"""orch's built-in config keys, env types and package builders, as plain data.

:mod:`orch.plugin.builtin` registers them through the plugin hooks like any plugin would. When no
third-party plugin is installed, :func:`orch.plugin.manager.load_plugins` fills the registries from
here directly, without importing pluggy: ``orch list`` should not pay for a plugin system it
does not use. Backends and builders are named by ``"module:attr"`` and imported only when used.
"""

from __future__ import annotations

from orch.config.registry import SettingsRegistry
from orch.config.settings import BUILTIN_SETTINGS
from orch.plugin.builder_types import BuilderRegistry, BuilderType
from orch.plugin.env_types import EnvType, EnvTypeRegistry

ENV_TYPES = (
    EnvType(
        "virtualenv",
        ("venv", "virtualenv"),
        "a Python virtual environment made with virtualenv",
        "orch.envs.virtualenv:VirtualenvBackend",
    ),
    EnvType("conda", ("conda",), "a conda environment", "orch.envs.conda:CondaBackend", provides_python=True),
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


def add_settings(registry: SettingsRegistry) -> None:
    for setting in BUILTIN_SETTINGS:
        registry.add(setting)


def register_env_types(registry: EnvTypeRegistry) -> None:
    for env_type in ENV_TYPES:
        registry.add(env_type)


def register_builders(registry: BuilderRegistry) -> None:
    for builder in BUILDERS:
        registry.add(builder)
