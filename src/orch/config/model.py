"""The typed configuration model: immutable records, one field per registered key.

Each instance keeps ``sources``: for every key read from a file, where it was written. Keys that
plugins register land in ``extra``.

The records are named tuples, not frozen dataclasses: a dataclass writes the source of its methods
and compiles it when its class is made, and importing ``dataclasses`` brings ``inspect`` (with
``ast``, ``dis`` and ``tokenize``). Together about a sixth of what ``orch run`` spends before its
first command (issue 15). A copy with other values is ``record._replace(...)``; the field names are
``Class._fields``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from orch.config.types import Command
from orch.errors import Location


class CoreConfig(NamedTuple):
    """The ``[tox]`` (core) settings, as resolved."""

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
    extra: Mapping[str, object] = MappingProxyType({})  # read-only, so one empty mapping serves all
    sources: Mapping[str, Location] = MappingProxyType({})


class EnvConfig(NamedTuple):
    """One env's settings, as resolved: factor conditions applied, substitutions made, paths absolute."""

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
    extra: Mapping[str, object] = MappingProxyType({})  # read-only, so one empty mapping serves all
    sources: Mapping[str, Location] = MappingProxyType({})


class PackageDef(NamedTuple):
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
    extra: Mapping[str, object] = MappingProxyType({})  # read-only, so one empty mapping serves all
    sources: Mapping[str, Location] = MappingProxyType({})


def field_names(cls: type[CoreConfig | EnvConfig | PackageDef]) -> tuple[str, ...]:
    """The registry-backed fields of a model class (everything but name/extra/sources/implicit)."""
    return tuple(name for name in cls._fields if name not in {"name", "extra", "sources", "implicit"})
