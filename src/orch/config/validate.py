"""Warnings about keys nobody reads: a typo such as ``depz`` gets a "did you mean" hint.

Keys that tox 4 or its popular plugins define but orch does not use are accepted silently, so an
existing tox.ini does not drown its user in warnings.
"""

from __future__ import annotations

from collections.abc import Iterator

from orch.config.registry import Scope, SettingsRegistry
from orch.config.source import ENV_PREFIX, PACKAGEDEF_PREFIX, Source

TOX_CORE_KEYS = frozenset(
    [
        "provision_tox_env",
        "isolated_build_env",
        "package_root",
        "setupdir",
        "distshare",
        "tox_root",
        "toxinidir",
        "skip_env",
        "interrupt_timeout",
        "parallel_show_output",
        "args_are_paths",
        "env_list_file",
    ]
)
TOX_ENV_KEYS = frozenset(
    [
        "wheel_build_env",
        "package_env",
        "constrain_package_deps",
        "use_frozen_constraints",
        "uv_seed",
        "uv_resolution",
        "uv_python_preference",
        "download",
        "sitepackages",
        "system_site_packages",
        "alwayscopy",
        "always_copy",
        "list_dependencies_command",
        "pip_pre",
        "interrupt_timeout",
        "suicide_timeout",
        "terminate_timeout",
        "fail_fast",
        "args_are_paths",
        "package_root",
        "constraints",
        "extra_setup_commands",
        "base",
        "setupdir",
        "virtualenv_spec",
        "deps_only",
        "package_tox_env_type",
        "wheel_tag",
        "skipsdist",  # a [tox] key often written in an env section; tox ignores it there
        "pip_pre",
    ]
)


def unknown_keys(source: Source, registry: SettingsRegistry) -> Iterator[str]:
    """One warning line per unknown key in the core, env and packagedef sections."""
    for section in source.sections.values():
        if section.name == source.core_name:
            scope, tolerated = Scope.CORE, TOX_CORE_KEYS
        elif section.name == ENV_PREFIX or section.prefix == ENV_PREFIX:
            scope, tolerated = Scope.ENV, TOX_ENV_KEYS
        elif section.prefix == PACKAGEDEF_PREFIX:
            scope, tolerated = Scope.PACKAGEDEF, frozenset()
        else:
            continue
        for key, value in section.values.items():
            if key in tolerated or registry.canonical(scope, key) is not None:
                continue
            suggestion = registry.suggest(scope, key)
            hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
            yield f"{value.location}: unknown key {key!r} in {source.label(section.name)}{hint}"
