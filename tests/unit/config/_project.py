"""Build a :class:`~orch.config.project.Config` from files written into a temporary folder.

``load(tmp_path, TOX_INI, files={"pyproject.toml": ""}, environ={...})`` writes ``tox.ini`` (and the
other files) into ``tmp_path`` and loads it the way the CLI does, with orch's built-in plugins, a
fixed caller environment and no terminal. ``load_file`` loads an existing project's named file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from orch.config.load import load_config
from orch.config.project import Config
from orch.config.registry import SettingsRegistry
from orch.plugin.manager import Plugins, load_plugins

ENVIRON = {"PATH": "/usr/bin:/bin", "HOME": "/home/user"}


@lru_cache(maxsize=1)
def plugins() -> Plugins:
    """orch's built-in plugins only: the same registries on every machine."""
    return load_plugins(entry_points=False)


def plugin_registries() -> tuple[SettingsRegistry, Mapping[str, str]]:
    """The settings registry and the type factors of the built-in plugins."""
    return plugins().settings, plugins().env_types.type_factors()


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def load_file(
    root: Path,
    config_file: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    posargs: Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    tty: bool = False,
) -> Config:
    """Load the project in ``root`` (its ``config_file``, else the one discovery finds)."""
    return load_config(
        registry=plugins().settings,
        type_factors=plugins().env_types.type_factors(),
        builders=plugins().builders.names(),
        cwd=root,
        config_file=config_file,
        environ=ENVIRON if environ is None else environ,
        posargs=posargs,
        overrides=overrides,
        is_tty=lambda: tty,
    )


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
    return load_file(root, environ=environ, posargs=posargs, overrides=overrides, tty=tty)
