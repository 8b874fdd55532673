"""Build a :class:`~orch.config.project.Config` from files written into a temporary folder.

``load(tmp_path, TOX_INI, files={"pyproject.toml": ""}, environ={...})`` writes ``tox.ini`` (and the
other files) into ``tmp_path`` and loads it the way the CLI does, with orch's built-in plugins, a
fixed caller environment and no terminal.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from orch.config.load import load_config
from orch.config.project import Config
from orch.config.registry import SettingsRegistry

try:
    from orch.plugin.manager import load_plugins
except ImportError:  # the plugin layer is not there yet: the built-ins by hand
    load_plugins = None

TYPE_FACTORS = {
    "venv": "virtualenv",
    "virtualenv": "virtualenv",
    "conda": "conda",
    "current": "current",
    "system": "system",
}
ENVIRON = {"PATH": "/usr/bin:/bin", "HOME": "/home/user"}


@lru_cache(maxsize=1)
def plugin_registries() -> tuple[SettingsRegistry, Mapping[str, str]]:
    """The settings registry and the type factors of orch's built-in plugin (no third-party ones)."""
    if load_plugins is not None:
        plugins = load_plugins(entry_points=False)
        return plugins.settings, plugins.env_types.type_factors()
    from orch.config.settings import BUILTIN_SETTINGS

    registry = SettingsRegistry()
    for setting in BUILTIN_SETTINGS:
        registry.add(setting)
    return registry, TYPE_FACTORS


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def load(
    root: Path,
    ini: str,
    *,
    files: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    posargs: Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    tty: bool = False,
) -> Config:
    """Write ``tox.ini`` (dedented) and ``files`` into ``root`` and load the config found there."""
    write(root, {"tox.ini": ini, **(files or {})})
    registry, type_factors = plugin_registries()
    return load_config(
        registry=registry,
        type_factors=type_factors,
        cwd=root,
        environ=ENVIRON if environ is None else environ,
        posargs=posargs,
        overrides=overrides,
        is_tty=lambda: tty,
    )
