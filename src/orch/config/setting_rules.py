"""The computed defaults and checks of orch's built-in config keys (:mod:`orch.config.settings`).

A computed default takes the :class:`~orch.config.registry.Lookup` of its section; a check (a
setting's ``post``) also takes the typed value and whether the file set it, and returns the value
to use or raises ``ValueError`` with a one-line message.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from orch.config.implicit import conflicts, python_factor

if TYPE_CHECKING:
    from orch.config.registry import Lookup, PostProcess


def base_python(lookup: Lookup) -> tuple[str, ...]:
    spec = python_factor(lookup.name) if lookup.name else None
    if spec:
        return (spec,)
    files = lookup.get("base_python_file")
    assert isinstance(files, tuple)
    if files:
        return versions_from_files(lookup.root, files)
    fallback = lookup.get("default_base_python")
    assert isinstance(fallback, tuple)
    return fallback or (sys.executable,)


def versions_from_files(root: Path, files: tuple[str, ...]) -> tuple[str, ...]:
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


def check_base_python(lookup: Lookup, value: object, explicit: bool) -> object:
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


def package_mode(lookup: Lookup, value: object, explicit: bool) -> object:
    """skip_install (or no_package) means skip and use_develop means editable, whatever ``package`` says."""
    if lookup.get("skip_install") or lookup.core("no_package"):
        return "skip"
    return "editable" if lookup.get("use_develop") else value


def check_pass_env(lookup: Lookup, value: object, explicit: bool) -> object:
    assert isinstance(value, tuple)
    bad = [item for item in value if any(ch.isspace() for ch in str(item))]
    if bad:
        raise ValueError(
            "pass_env values cannot contain whitespace, use a comma to give several on one line: "
            + ", ".join(repr(b) for b in bad)
        )
    return value


def not_negative(key: str) -> PostProcess:
    """A count or a number of seconds: 0 or more, and finite (``nan`` and ``inf`` are no durations)."""

    def check(lookup: Lookup, value: object, explicit: bool) -> object:
        assert isinstance(value, (int, float))
        if not (0 <= value < float("inf")):  # also false for nan
            raise ValueError(f"{key}: must be a number 0 or more, not {value!r}")
        return value

    return check


def check_regex(lookup: Lookup, value: object, explicit: bool) -> object:
    """``platform``: compiled once here, so that a bad pattern is a config error and not a crash mid-run."""
    import re

    try:
        re.compile(str(value))
    except re.error as exc:
        raise ValueError(f"platform: {value!r} is not a valid regular expression ({exc})") from None
    return value


LOCK_RUNNER = "uv-venv-lock-runner"
RUNNERS = ("virtualenv", "uv-venv-runner", LOCK_RUNNER)  # tox's and tox-uv's that orch implements


def check_runner(lookup: Lookup, value: object, explicit: bool) -> object:
    """A runner orch implements; the lock runner only for a virtualenv env."""
    if value not in RUNNERS:
        raise ValueError(f"runner: {value!r} is not a runner orch has (use {', '.join(RUNNERS)})")
    if value == LOCK_RUNNER and lookup.get("env_type") != "virtualenv":
        raise ValueError(f"runner: {LOCK_RUNNER} needs env_type virtualenv, not {lookup.get('env_type')!r}")
    return value


def seed_pip(lookup: Lookup) -> bool:
    """pip in the env, as tox; an env tox-uv's lock runner syncs has none, as tox-uv makes it."""
    return lookup.get("runner") != LOCK_RUNNER


def env_type(lookup: Lookup) -> str:
    return lookup.implied_env_type() or "virtualenv"


def package(lookup: Lookup) -> str:
    return lookup.packages().default_package(str(lookup.name))


def packagedef(lookup: Lookup) -> str:
    return lookup.packages().default_packagedef(str(lookup.name))


def env_dir(lookup: Lookup) -> Path:
    work_dir = lookup.core("work_dir")
    assert isinstance(work_dir, Path)
    return work_dir / str(lookup.name)


def below_env_dir(child: str) -> object:
    def default(lookup: Lookup) -> Path:
        env_dir = lookup.get("env_dir")
        assert isinstance(env_dir, Path)
        return env_dir / child

    return default


def bin_dir(lookup: Lookup) -> Path:
    env_dir = lookup.get("env_dir")
    assert isinstance(env_dir, Path)
    return env_dir / ("Scripts" if sys.platform == "win32" else "bin")


def env_python(lookup: Lookup) -> Path:
    bin_dir = lookup.get("env_bin_dir")
    assert isinstance(bin_dir, Path)
    return bin_dir / ("python.exe" if sys.platform == "win32" else "python")


def site_packages(lookup: Lookup) -> Path:
    env_dir = lookup.get("env_dir")
    assert isinstance(env_dir, Path)
    base = lookup.get("base_python")
    pypy = isinstance(base, tuple) and bool(base) and str(base[0]).rsplit("/", 1)[-1].startswith("pypy")
    return env_dir / "lib" / f"{'pypy' if pypy else 'python'}{lookup.python_version()}" / "site-packages"


def work_dir(lookup: Lookup) -> Path:
    # Inside .tox: every linter, test runner and packaging tool skips .tox out of the box, git
    # shows nothing (a project ignores .tox, and orch writes a .gitignore), and tox's own
    # .tox/<env> folders are left alone, so both tools work on one checkout.
    return lookup.root / ".tox" / ".orch"


def temp_dir(lookup: Lookup) -> Path:
    work_dir = lookup.core("work_dir")
    assert isinstance(work_dir, Path)
    return work_dir / ".tmp"


def builder(lookup: Lookup) -> str:
    return str(lookup.name)
