"""Warnings about keys nobody reads: a typo such as ``depz`` gets a "did you mean" hint.

No key of tox's is dropped without a word. Each key tox 4 (or tox-uv) defines is either registered
and implemented (:mod:`orch.config.settings`: ``system_site_packages``, ``constraints``,
``extra_setup_commands``, ``seed_pip``/``uv_seed``...), harmless by design (:data:`TOX_CORE_KEYS`
and :data:`TOX_ENV_KEYS`, each with the reason), or warned about once per file as ignored
(:data:`IGNORED`), only when its value asks for something orch does not do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from orch.config.raw import ENV_PREFIX, PACKAGEDEF_PREFIX, Source
from orch.config.registry import Scope, SettingsRegistry

_ROOT = ("", ".", "{toxinidir}", "{tox_root}", "{toxinidir}/", "{tox_root}/")

# Keys orch does not honour, with when a value matters and why; warned once per file.
IGNORED: dict[str, tuple[Callable[[str], bool], str]] = {
    "package_root": (lambda v: v.strip() not in _ROOT, "orch builds the package from the project root"),
    "setupdir": (lambda v: v.strip() not in _ROOT, "orch builds the package from the project root"),
    "skip_env": (bool, "select envs with -e, -m or -f instead"),
    "uv_resolution": (bool, "uv resolves to the highest versions"),
    "uv_python_preference": (bool, "orch finds interpreters itself (PATH, pyenv, uv)"),
    "pip_pre": (lambda v: _true(v), "pre-releases are installed only when a dep names one"),
    "fail_fast": (lambda v: _true(v), "fail_fast is a [tox] key in orch (or --fail-fast)"),
    "virtualenv_spec": (bool, "orch creates envs with its own virtualenv"),
    "deps_only": (lambda v: _true(v), "the package is installed as usual"),
    "env_list_file": (bool, "list envs in env_list"),
}

TOX_CORE_KEYS = frozenset(
    [
        "provision_tox_env",  # tox provisions itself in that env; orch has nothing to provision
        "isolated_build_env",  # the name of tox's package env; orch builds in [packagedef:NAME]
        "distshare",  # tox 3's share folder; tox 4 ignores it too
        "tox_root",  # orch's root is the config's folder, as tox's
        "toxinidir",
        "interrupt_timeout",  # tox reads these per env, not in [tox]; so does orch
        "parallel_show_output",
        "args_are_paths",
        *[key for key in IGNORED if key in ("package_root", "setupdir", "skip_env", "env_list_file")],
    ]
)
TOX_ENV_KEYS = frozenset(
    [
        "wheel_build_env",  # keys of tox's package envs: orch's [packagedef:NAME] builds instead
        "package_env",
        "package_tox_env_type",
        "wheel_tag",
        "list_dependencies_command",  # only feeds tox's list of installed packages; orch lists them itself
        # the package is installed after the deps, and uv keeps the versions they installed wherever
        # the package's requirements allow, which is what tox's package-deps constraints ensure
        "constrain_package_deps",
        "use_frozen_constraints",
        "suicide_timeout",  # orch stops a command with interrupt_timeout, then terminate_timeout
        "args_are_paths",
        "base",  # inheritance, read by orch.config.resolve
        "skipsdist",  # a [tox] key often written in an env section; tox ignores it there
        *[key for key in IGNORED if key not in ("skip_env", "env_list_file")],
    ]
)


def _true(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes", "on")


def unknown_keys(source: Source, registry: SettingsRegistry) -> Iterator[str]:
    """One warning line per unknown key in the core, env and packagedef sections."""
    warned: set[str] = set()  # an ignored key is named once per file
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
            if registry.canonical(scope, key) is not None:
                continue
            if key in tolerated:
                matters, why = IGNORED.get(key, (None, ""))
                if matters is not None and key not in warned and matters(value.text):
                    warned.add(key)
                    yield f"{value.location}: orch ignores {key!r} ({why})"
                continue
            suggestion = registry.suggest(scope, key)
            hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
            yield f"{value.location}: unknown key {key!r} in {source.label(section.name)}{hint}"
