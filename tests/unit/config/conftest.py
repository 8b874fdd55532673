"""Fixtures for config tests: the settings registry and env-type factors of a plain orch run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from orch.config.load import load_config
from orch.config.project import Config
from orch.config.registry import SettingsRegistry

BUILTIN_TYPE_FACTORS = {
    "venv": "virtualenv",
    "virtualenv": "virtualenv",
    "conda": "conda",
    "current": "current",
    "system": "system",
}


@dataclass(frozen=True)
class Registries:
    """What :func:`orch.config.load.load_config` needs from the plugins."""

    settings: SettingsRegistry
    type_factors: Mapping[str, str]


def builtin_registries() -> Registries:
    """The built-in plugins' registries; without :mod:`orch.plugin.manager`, the built-in settings."""
    try:
        from orch.plugin.manager import load_plugins
    except ImportError:
        from orch.config.settings import BUILTIN_SETTINGS
    else:
        plugins = load_plugins(entry_points=False)  # no third-party plugins: the same registries everywhere
        return Registries(plugins.settings, plugins.env_types.type_factors())

    registry = SettingsRegistry()
    for setting in BUILTIN_SETTINGS:
        registry.add(setting)
    return Registries(registry, BUILTIN_TYPE_FACTORS)


@pytest.fixture(scope="session")
def registries() -> Registries:
    return builtin_registries()


@pytest.fixture
def load_project(registries: Registries) -> Callable[[Path, str], Config]:
    """Load the config file ``name`` of the project in ``root`` with a fixed, minimal environment."""

    def load(root: Path, name: str) -> Config:
        return load_config(
            registry=registries.settings,
            type_factors=registries.type_factors,
            cwd=root,
            config_file=Path(name),
            environ={"PATH": "/usr/bin:/bin", "HOME": str(root / "home"), "LANG": "C.UTF-8"},
            is_tty=lambda: False,
        )

    return load
