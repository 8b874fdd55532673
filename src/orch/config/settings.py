"""orch's built-in config keys. Registered through the ``orch_add_settings`` hook like a plugin's.

Names follow tox 4 (with its legacy aliases), so ``orch config --format json`` compares with
``tox config`` key by key; keys tox does not have are orch's own (``env_type``, ``packagedef``...).
"""

from __future__ import annotations

from orch.config import setting_rules as rules
from orch.config.registry import Kind, Scope, Setting
from orch.config.setting_rules import LOCK_RUNNER, RUNNERS
from orch.config.settings_env import ENV

__all__ = ["BUILTIN_SETTINGS", "CORE", "ENV", "LOCK_RUNNER", "PACKAGEDEF", "RUNNERS"]


CORE = (
    Setting("env_list", Kind.ENV_LIST, (), "the envs `orch run` runs by default", Scope.CORE, ("envlist",)),
    Setting("labels", Kind.LABELS, {}, "named groups of envs, selected with `-m LABEL`", Scope.CORE),
    Setting(
        "work_dir",
        Kind.PATH,
        rules.work_dir,
        "where envs, packages and run records live",
        Scope.CORE,
        ("toxworkdir",),
        "{tox_root}/.tox/.orch",
    ),
    Setting(
        "temp_dir",
        Kind.PATH,
        rules.temp_dir,
        "a scratch folder for orch's own temporary files",
        Scope.CORE,
        (),
        "{work_dir}/.tmp",
    ),
    Setting(
        "min_version",
        Kind.STR,
        "",
        "the oldest tox version the file declares it needs (informational)",
        Scope.CORE,
        ("minversion",),
    ),
    Setting(
        "requires", Kind.DEPS, (), "tox plugins and versions the file asks for (informational for orch)", Scope.CORE
    ),
    Setting(
        "skip_missing_interpreters",
        Kind.STR,
        "config",
        "envs whose interpreter is missing are skipped instead of failing (true, false, config)",
        Scope.CORE,
        post=lambda lookup, value, explicit: str(value).lower(),  # "False" in a tox.ini, false in TOML: one spelling
    ),
    Setting(
        "no_package",
        Kind.BOOL,
        False,
        "the project has no package: every env behaves as skip_install",
        Scope.CORE,
        ("skipsdist",),
    ),
    Setting(
        "ignore_base_python_conflict",
        Kind.BOOL,
        False,
        "an explicit base_python wins silently over a conflicting Python factor in the env name",
        Scope.CORE,
        ("ignore_basepython_conflict",),
    ),
    Setting(
        "fail_fast",
        Kind.BOOL,
        False,
        "after the first failed env, start no other and stop the running ones",
        Scope.CORE,
    ),
    Setting("isolated_build", Kind.BOOL, True, "accepted for tox 3 files; builds are always isolated", Scope.CORE),
    Setting(
        "result_cache",
        Kind.BOOL,
        False,
        "report an env that passed with exactly these inputs as cached instead of running it (`--cached`);"
        " the default of every env's `result_cache`",
        Scope.CORE,
    ),
)

PACKAGEDEF = (
    Setting(
        "builder",
        Kind.STR,
        rules.builder,
        "sdist, wheel, editable, conda, external or skip",
        Scope.PACKAGEDEF,
        default_doc="the packagedef's NAME when NAME is a builder",
    ),
    Setting(
        "match",
        Kind.LINES,
        (),
        "envs this package serves: factor expressions or fnmatch globs, one per line",
        Scope.PACKAGEDEF,
    ),
    Setting(
        "build_python",
        Kind.STR,
        "",
        "the interpreter that runs the build backend",
        Scope.PACKAGEDEF,
        default_doc="orch's own interpreter",
    ),
    Setting(
        "config_settings", Kind.DICT, {}, "PEP 517 config settings passed to the backend (KEY=VALUE)", Scope.PACKAGEDEF
    ),
    Setting(
        "per_python",
        Kind.STR,
        "auto",
        "build once per interpreter: auto (when the wheel is not pure), true or false",
        Scope.PACKAGEDEF,
    ),
    Setting("build_commands", Kind.COMMANDS, (), "the external builder's commands", Scope.PACKAGEDEF),
    Setting(
        "package_glob", Kind.STR, "", "the external builder's artifact, a glob below the project", Scope.PACKAGEDEF
    ),
    Setting(
        "recipe",
        Kind.STR,
        "",
        "a rattler-build recipe.yaml (relative to the project) that builds the conda package"
        " instead of converting the wheel",
        Scope.PACKAGEDEF,
    ),
    Setting(
        "conda_channels",
        Kind.LIST,
        ("conda-forge",),
        "the channels a recipe's build and host requirements come from (names or URLs, file:///... offline)",
        Scope.PACKAGEDEF,
    ),
    Setting("description", Kind.STR, "", "a one-line description", Scope.PACKAGEDEF),
)

BUILTIN_SETTINGS: tuple[Setting, ...] = CORE + ENV + PACKAGEDEF
