"""orch's built-in config keys. Registered through the ``orch_add_settings`` hook like a plugin's.

Names follow tox 4 (with its legacy aliases), so ``orch config --format json`` compares with
``tox config`` key by key; keys tox does not have are orch's own (``env_type``, ``packagedef``...).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from orch.config.implicit import conflicts, python_factor
from orch.config.registry import Kind, Scope, Setting

if TYPE_CHECKING:
    from orch.config.registry import Lookup, PostProcess


def _base_python(lookup: Lookup) -> tuple[str, ...]:
    spec = python_factor(lookup.name) if lookup.name else None
    if spec:
        return (spec,)
    files = lookup.get("base_python_file")
    assert isinstance(files, tuple)
    if files:
        return _versions_from_files(lookup.root, files)
    fallback = lookup.get("default_base_python")
    assert isinstance(fallback, tuple)
    return fallback or (sys.executable,)


def _versions_from_files(root: Path, files: tuple[str, ...]) -> tuple[str, ...]:
    """Python versions listed in files such as ``.python-version`` (the first that has any wins)."""
    for name in files:
        try:
            lines = (root / name).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        versions = tuple(v for v in (line.split("#", 1)[0].strip() for line in lines) if v)
        if versions:
            return versions
    raise ValueError(f"base_python_file: no valid Python version found in {', '.join(map(repr, files))}")


def _check_base_python(lookup: Lookup, value: object, explicit: bool) -> object:
    """An explicit base_python must agree with the env name's Python factor (tox's rule)."""
    assert isinstance(value, tuple)
    if not explicit:
        return value
    env = str(lookup.name)
    if not value:
        raise ValueError("base_python is empty")
    ignore = lookup.core("ignore_base_python_conflict")
    try:
        spec = python_factor(env)
    except ValueError:
        if ignore:
            return value
        raise
    if spec is not None and any(conflicts(spec, str(b)) for b in value):
        if ignore:
            return (spec,)
        raise ValueError(f"env name {env} conflicts with base_python {', '.join(map(str, value))}")
    return value


def _package_mode(lookup: Lookup, value: object, explicit: bool) -> object:
    """skip_install (or no_package) means skip and use_develop means editable, whatever ``package`` says."""
    if lookup.get("skip_install") or lookup.core("no_package"):
        return "skip"
    return "editable" if lookup.get("use_develop") else value


def _check_pass_env(lookup: Lookup, value: object, explicit: bool) -> object:
    assert isinstance(value, tuple)
    bad = [item for item in value if any(ch.isspace() for ch in str(item))]
    if bad:
        raise ValueError(
            "pass_env values cannot contain whitespace, use a comma to give several on one line: "
            + ", ".join(repr(b) for b in bad)
        )
    return value


def _not_negative(key: str) -> PostProcess:
    """A count or a number of seconds: 0 or more, and finite (``nan`` and ``inf`` are no durations)."""

    def check(lookup: Lookup, value: object, explicit: bool) -> object:
        assert isinstance(value, (int, float))
        if not (0 <= value < float("inf")):  # also false for nan
            raise ValueError(f"{key}: must be a number 0 or more, not {value!r}")
        return value

    return check


def _check_regex(lookup: Lookup, value: object, explicit: bool) -> object:
    """``platform``: compiled once here, so that a bad pattern is a config error and not a crash mid-run."""
    import re

    try:
        re.compile(str(value))
    except re.error as exc:
        raise ValueError(f"platform: {value!r} is not a valid regular expression ({exc})") from None
    return value


LOCK_RUNNER = "uv-venv-lock-runner"
RUNNERS = ("virtualenv", "uv-venv-runner", LOCK_RUNNER)  # tox's and tox-uv's that orch implements


def _check_runner(lookup: Lookup, value: object, explicit: bool) -> object:
    """A runner orch implements; the lock runner only for a virtualenv env."""
    if value not in RUNNERS:
        raise ValueError(f"runner: {value!r} is not a runner orch has (use {', '.join(RUNNERS)})")
    if value == LOCK_RUNNER and lookup.get("env_type") != "virtualenv":
        raise ValueError(f"runner: {LOCK_RUNNER} needs env_type virtualenv, not {lookup.get('env_type')!r}")
    return value


def _seed_pip(lookup: Lookup) -> bool:
    """pip in the env, as tox; an env tox-uv's lock runner syncs has none, as tox-uv makes it."""
    return lookup.get("runner") != LOCK_RUNNER


def _env_type(lookup: Lookup) -> str:
    return lookup.implied_env_type() or "virtualenv"


def _package(lookup: Lookup) -> str:
    return lookup.packages().default_package(str(lookup.name))


def _packagedef(lookup: Lookup) -> str:
    return lookup.packages().default_packagedef(str(lookup.name))


def _env_dir(lookup: Lookup) -> Path:
    work_dir = lookup.core("work_dir")
    assert isinstance(work_dir, Path)
    return work_dir / str(lookup.name)


def _below_env_dir(child: str) -> object:
    def default(lookup: Lookup) -> Path:
        env_dir = lookup.get("env_dir")
        assert isinstance(env_dir, Path)
        return env_dir / child

    return default


def _bin_dir(lookup: Lookup) -> Path:
    env_dir = lookup.get("env_dir")
    assert isinstance(env_dir, Path)
    return env_dir / ("Scripts" if sys.platform == "win32" else "bin")


def _env_python(lookup: Lookup) -> Path:
    bin_dir = lookup.get("env_bin_dir")
    assert isinstance(bin_dir, Path)
    return bin_dir / ("python.exe" if sys.platform == "win32" else "python")


def _site_packages(lookup: Lookup) -> Path:
    env_dir = lookup.get("env_dir")
    assert isinstance(env_dir, Path)
    base = lookup.get("base_python")
    pypy = isinstance(base, tuple) and bool(base) and str(base[0]).rsplit("/", 1)[-1].startswith("pypy")
    return env_dir / "lib" / f"{'pypy' if pypy else 'python'}{lookup.python_version()}" / "site-packages"


def _work_dir(lookup: Lookup) -> Path:
    # Inside .tox: every linter, test runner and packaging tool skips .tox out of the box, git
    # shows nothing (a project ignores .tox, and orch writes a .gitignore), and tox's own
    # .tox/<env> folders are left alone, so both tools work on one checkout.
    return lookup.root / ".tox" / ".orch"


def _temp_dir(lookup: Lookup) -> Path:
    work_dir = lookup.core("work_dir")
    assert isinstance(work_dir, Path)
    return work_dir / ".tmp"


def _builder(lookup: Lookup) -> str:
    return str(lookup.name)


CORE = (
    Setting("env_list", Kind.ENV_LIST, (), "the envs `orch run` runs by default", Scope.CORE, ("envlist",)),
    Setting("labels", Kind.LABELS, {}, "named groups of envs, selected with `-m LABEL`", Scope.CORE),
    Setting(
        "work_dir",
        Kind.PATH,
        _work_dir,
        "where envs, packages and run records live",
        Scope.CORE,
        ("toxworkdir",),
        "{tox_root}/.tox/.orch",
    ),
    Setting(
        "temp_dir",
        Kind.PATH,
        _temp_dir,
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

ENV = (
    Setting("description", Kind.STR, "", "a one-line description, shown by `orch list`"),
    Setting(
        "env_type",
        Kind.STR,
        _env_type,
        "the backend: virtualenv, conda, current, system or a plugin's",
        default_doc="from a type factor (venv, virtualenv, conda, current, system), else virtualenv",
    ),
    Setting(
        "base_python",
        Kind.LIST,
        _base_python,
        "interpreters to try, the first found wins",
        aliases=("basepython",),
        default_doc="the env name's Python factor (py311, 3.12...), else orch's own",
        post=_check_base_python,
    ),
    Setting(
        "base_python_file",
        Kind.LIST,
        (),
        "files listing Python versions (.python-version), used when the env name has no Python factor",
    ),
    Setting(
        "default_base_python",
        Kind.LIST,
        (),
        "interpreters for an env whose name has no Python factor and that sets no base_python",
        default_doc="orch's own interpreter",
    ),
    Setting("dependency_groups", Kind.NAMES, (), "PEP 735 dependency groups of pyproject.toml to install"),
    Setting("deps", Kind.DEPS, (), "requirements installed into the env (PEP 508 lines, -r FILE, -c FILE)"),
    Setting("commands_pre", Kind.COMMANDS, (), "commands run before `commands`"),
    Setting("commands", Kind.COMMANDS, (), "the commands to run"),
    Setting(
        "commands_post",
        Kind.COMMANDS,
        (),
        "commands run after `commands`, even when they failed",
    ),
    Setting("skip_install", Kind.BOOL, False, "do not install the project's package"),
    Setting(
        "use_develop",
        Kind.BOOL,
        False,
        "install the package in editable mode (package = editable)",
        aliases=("usedevelop",),
    ),
    Setting(
        "package",
        Kind.STR,
        _package,
        "how the project is installed: a packagedef name or a builder",
        default_doc="skip with skip_install, editable with use_develop, else the matching packagedef",
        post=_package_mode,
    ),
    Setting(
        "package_incompatible",
        Kind.STR,
        "fail",
        "when the built package does not fit the env (Requires-Python, wheel tags): fail or skip",
    ),
    Setting(
        "packagedef",
        Kind.STR,
        _packagedef,
        "the [packagedef:NAME] that builds this env's package",
        default_doc="resolved from `package` and the packagedefs' `match`",
    ),
    Setting("extras", Kind.NAMES, (), "extras of the project's package to install"),
    Setting(
        "allowlist_externals",
        Kind.LIST,
        (),
        "commands outside the env that may run (globs)",
        aliases=("whitelist_externals",),
    ),
    Setting("labels", Kind.LIST, (), "labels this env belongs to (`-m LABEL`)"),
    Setting("depends", Kind.ENV_LIST, (), "envs (globs) that must finish before this one starts, when selected"),
    Setting(
        "change_dir",
        Kind.PATH,
        lambda lookup: lookup.root,
        "the working folder of the commands",
        aliases=("changedir",),
        default_doc="{tox_root}",
    ),
    Setting("ignore_outcome", Kind.BOOL, False, "a failure of this env does not fail the run"),
    Setting("ignore_errors", Kind.BOOL, False, "run every command even after one failed"),
    Setting(
        "set_env", Kind.DICT, {}, "environment variables for the commands (KEY=VALUE, file|PATH)", aliases=("setenv",)
    ),
    Setting(
        "pass_env",
        Kind.LIST,
        (),
        "caller's environment variables passed to the commands (globs)",
        aliases=("passenv",),
        post=_check_pass_env,
    ),
    Setting(
        "env_dir", Kind.PATH, _env_dir, "where the env lives", aliases=("envdir",), default_doc="{work_dir}/{env_name}"
    ),
    Setting(
        "env_tmp_dir",
        Kind.PATH,
        _below_env_dir("tmp"),
        "a temporary folder, emptied per run",
        aliases=("envtmpdir",),
        default_doc="{env_dir}/tmp",
    ),
    Setting(
        "env_log_dir",
        Kind.PATH,
        _below_env_dir("log"),
        "where the env's logs go",
        aliases=("envlogdir",),
        default_doc="{env_dir}/log",
    ),
    Setting(
        "env_bin_dir",
        Kind.PATH,
        _bin_dir,
        "the env's executables folder",
        aliases=("envbindir",),
        default_doc="{env_dir}/bin",
    ),
    Setting(
        "env_python",
        Kind.PATH,
        _env_python,
        "the env's Python",
        aliases=("envpython",),
        default_doc="{env_bin_dir}/python",
    ),
    Setting(
        "env_site_packages_dir",
        Kind.PATH,
        _site_packages,
        "the env's site-packages",
        aliases=("envsitepackagesdir",),
        default_doc="{env_dir}/lib/pythonX.Y/site-packages",
    ),
    Setting("resources", Kind.LIST, (), "exclusive resources: envs sharing one never run at the same time"),
    Setting(
        "timeout",
        Kind.FLOAT,
        0.0,
        "seconds the env's commands may take in all; 0: no limit",
        post=_not_negative("timeout"),
    ),
    Setting(
        "command_timeout",
        Kind.FLOAT,
        0.0,
        "seconds one command may take; 0: no limit",
        post=_not_negative("command_timeout"),
    ),
    Setting(
        "interrupt_timeout",
        Kind.FLOAT,
        0.3,
        "seconds a stopped command gets after SIGINT before SIGTERM",
        post=_not_negative("interrupt_timeout"),
    ),
    Setting(
        "terminate_timeout",
        Kind.FLOAT,
        0.2,
        "seconds a stopped command gets after SIGTERM before SIGKILL",
        post=_not_negative("terminate_timeout"),
    ),
    Setting("installer", Kind.STR, "uv", "the installer of deps and packages: uv or pip"),
    Setting(
        "install_command",
        Kind.STR,
        "",
        "a command that installs; `{packages}` is replaced by what to install",
        default_doc="empty: orch's installer",
    ),
    Setting(
        "runner",
        Kind.STR,
        "virtualenv",
        "tox's runner: virtualenv or uv-venv-runner (orch's installer), uv-venv-lock-runner (uv sync from uv.lock)",
        post=_check_runner,
    ),
    Setting(
        "uv_sync_flags",
        Kind.LIST,
        (),
        "uv-venv-lock-runner: more arguments for uv sync (`--inexact, --no-editable`)",
    ),
    Setting("uv_sync_locked", Kind.BOOL, True, "uv-venv-lock-runner: run uv sync with --locked"),
    Setting(
        "no_default_groups",
        Kind.BOOL,
        lambda lookup: bool(lookup.get("dependency_groups")),
        "uv-venv-lock-runner: leave uv's default groups out (uv sync --no-default-groups)",
        default_doc="true when dependency_groups names any",
    ),
    Setting(
        "only_groups",
        Kind.NAMES,
        (),
        "uv-venv-lock-runner: install only these dependency groups, not the project (uv sync --only-group)",
    ),
    Setting(
        "platform",
        Kind.STR,
        "",
        "a regular expression sys.platform must match, else the env is skipped",
        post=_check_regex,
    ),
    Setting(
        "commands_retry",
        Kind.INT,
        0,
        "how many times a failing command is run again",
        post=_not_negative("commands_retry"),
    ),
    Setting("parallel_show_output", Kind.BOOL, False, "show the output of a passing env in parallel runs"),
    Setting("recreate", Kind.BOOL, False, "always create the env anew"),
    Setting(
        "seed_pip",
        Kind.BOOL,
        _seed_pip,
        "virtualenv envs: install pip (and setuptools before Python 3.12) into the env, as tox does;"
        " false leaves them out (tox-uv's `uv_seed` is read as this key); a change recreates the env",
        aliases=("uv_seed",),
        default_doc="true, except with runner = uv-venv-lock-runner (as tox-uv: no pip)",
    ),
    Setting(
        "system_site_packages",
        Kind.BOOL,
        False,
        "virtualenv envs: the env also sees the base interpreter's site-packages",
        aliases=("sitepackages",),
    ),
    Setting(
        "always_copy",
        Kind.BOOL,
        False,
        "virtualenv envs: copy the interpreter's files into the env instead of linking them",
        aliases=("alwayscopy",),
    ),
    Setting(
        "download",
        Kind.BOOL,
        False,
        "virtualenv envs: seed the newest pip (and setuptools) from the index, not the wheels virtualenv embeds",
    ),
    Setting(
        "constraints",
        Kind.LINES,
        (),
        "constraints files or URLs applied to deps, dependency groups and the package (`-c FILE` each)",
    ),
    Setting(
        "extra_setup_commands",
        Kind.COMMANDS,
        (),
        "commands run after the deps and the package are installed, before `commands_pre`, on every run"
        " (also with --notest), as in tox",
    ),
    Setting(
        "conda_channels",
        Kind.LIST,
        ("conda-forge",),
        "conda envs: the channels, in priority order (names or URLs, file:///... for a local one)",
    ),
    Setting(
        "conda_deps",
        Kind.LINES,
        (),
        "conda envs: conda specs installed with the conda engine, one per line (`numpy >=1.26,<2`)",
    ),
    Setting(
        "conda_env",
        Kind.STR,
        "",
        "conda envs: an environment.yml whose channels and dependencies the env starts from",
        default_doc="none",
    ),
    Setting(
        "conda_exe",
        Kind.STR,
        "",
        "conda envs: the engine, a micromamba, mamba or conda executable, or `rattler` (ORCH_CONDA_EXE overrides)",
        default_doc="py-rattler when installed, else micromamba, mamba, conda on PATH",
    ),
    Setting(
        "result_cache",
        Kind.BOOL,
        lambda lookup: bool(lookup.core("result_cache")),
        "report this env as cached when it passed with exactly these inputs (`--cached`/`--no-cached` win)",
        default_doc="the core result_cache",
    ),
    Setting(
        "cache_inputs",
        Kind.LIST,
        (),
        "result cache: globs of project files that count even when an exclude matches them (`docs/*`)",
    ),
    Setting(
        "cache_exclude",
        Kind.LIST,
        (),
        "result cache: globs of project files that cannot change this env's outcome, on top of the defaults",
    ),
)

PACKAGEDEF = (
    Setting(
        "builder",
        Kind.STR,
        _builder,
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
