"""The typed configuration model: frozen dataclasses, one field per registered key.

Each instance keeps ``sources``: for every key read from a file, where it was written. Keys that
plugins register land in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from orch.config.types import Command
from orch.errors import Location


@dataclass(frozen=True)
class CoreConfig:
    env_list: tuple[str, ...]
    labels: Mapping[str, tuple[str, ...]]
    work_dir: Path
    temp_dir: Path
    min_version: str
    requires: tuple[str, ...]
    skip_missing_interpreters: str
    no_package: bool
    ignore_base_python_conflict: bool
    fail_fast: bool
    isolated_build: bool
    extra: Mapping[str, object] = field(default_factory=dict)
    sources: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class EnvConfig:
    name: str
    description: str
    env_type: str
    base_python: tuple[str, ...]
    base_python_file: tuple[str, ...]
    dependency_groups: tuple[str, ...]
    deps: tuple[str, ...]
    commands_pre: tuple[Command, ...]
    commands: tuple[Command, ...]
    commands_post: tuple[Command, ...]
    skip_install: bool
    use_develop: bool
    package: str
    package_incompatible: str
    packagedef: str
    extras: tuple[str, ...]
    allowlist_externals: tuple[str, ...]
    labels: tuple[str, ...]
    depends: tuple[str, ...]
    change_dir: Path
    ignore_outcome: bool
    ignore_errors: bool
    set_env: Mapping[str, str]
    pass_env: tuple[str, ...]
    env_dir: Path
    env_tmp_dir: Path
    env_log_dir: Path
    env_bin_dir: Path
    env_python: Path
    env_site_packages_dir: Path
    resources: tuple[str, ...]
    timeout: float
    command_timeout: float
    interrupt_timeout: float
    terminate_timeout: float
    installer: str
    install_command: str
    platform: str
    commands_retry: int
    parallel_show_output: bool
    recreate: bool
    conda_channels: tuple[str, ...]
    conda_deps: tuple[str, ...]
    conda_env: str
    conda_exe: str
    seed_pip: bool = True
    system_site_packages: bool = False
    always_copy: bool = False
    download: bool = False
    constraints: tuple[str, ...] = ()
    extra_setup_commands: tuple[Command, ...] = ()
    extra: Mapping[str, object] = field(default_factory=dict)
    sources: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class PackageDef:
    """How to build one package (``builder`` and its options) and which envs it serves (``match``)."""

    name: str
    builder: str
    match: tuple[str, ...]
    build_python: str
    config_settings: Mapping[str, str]
    per_python: str
    build_commands: tuple[Command, ...]
    package_glob: str
    description: str
    recipe: str = ""  # the conda builder: a rattler-build recipe.yaml instead of the wheel
    conda_channels: tuple[str, ...] = ("conda-forge",)  # where a recipe's requirements come from
    implicit: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)
    sources: Mapping[str, Location] = field(default_factory=dict)


def field_names(cls: type) -> tuple[str, ...]:
    """The registry-backed fields of a model class (everything but name/extra/sources/implicit)."""
    return tuple(f.name for f in fields(cls) if f.name not in {"name", "extra", "sources", "implicit"})
