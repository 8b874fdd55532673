"""Resolving env values from a real tox.ini: factor filtering, inheritance, substitution, typing.

Expected values were checked against ``tox config`` (tox 4.67) on the same files where tox has the
same key; keys orch adds (``env_type``, ``package`` defaults...) follow orch's documented rules.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from _project import load

from orch.config.types import Command
from orch.errors import ConfigError

FACTORS_INI = """
    [tox]
    env_list = py38-django, py39-lint, py310-conda, lint
    [testenv]
    skip_install = true
    deps =
        base
        py38,py39: or38or39
        py38-django: and38django
        !lint: notlint
        !py38-!lint: mixed
        py3{8,9}-django: generative-and
        {py38,py310}-{conda,django}: generative-or
    commands_pre =
        py39: only39
    description = main
    [testenv:lint]
    description =
        py38: never
    deps =
        {[testenv]deps}
        lintdep
"""


@pytest.mark.parametrize(
    ("env", "key", "expected"),
    [
        pytest.param(
            "py38-django",
            "deps",
            ("base", "or38or39", "and38django", "notlint", "generative-and", "generative-or"),
            id="py38-django-deps",
        ),
        pytest.param("py39-lint", "deps", ("base", "or38or39"), id="py39-lint-deps"),
        pytest.param("py310-conda", "deps", ("base", "notlint", "mixed", "generative-or"), id="py310-conda-deps"),
        pytest.param("py39-lint", "commands_pre", (Command(("only39",)),), id="condition-on-commands"),
        pytest.param("py38-django", "commands_pre", (), id="no-line-left-is-empty"),
        pytest.param("lint", "description", "main", id="fallback-when-all-lines-for-other-factors"),
        pytest.param("lint", "deps", ("base", "lintdep"), id="reference-filtered-for-current-env"),
        pytest.param("py311", "deps", ("base", "notlint", "mixed"), id="env-not-in-file"),
    ],
)
def test_factor_conditions(tmp_path: Path, env: str, key: str, expected: object) -> None:
    config = load(tmp_path, FACTORS_INI)
    assert config.resolver.env(env, key) == expected


INHERIT_INI = """
    [testenv]
    skip_install = true
    description = base-desc
    deps =
        base
        other: other-only
    [testenv:x]
    deps =
        py38: never
    [testenv:{ga,gb}]
    deps =
        ga: only-ga
    [testenv:common]
    deps = common
    commands = pytest
    [testenv:inh1]
    base = common
    [testenv:inh2]
    base = testenv:common
    deps = own
    [testenv:other]
    [testenv:ref]
    deps = {[testenv:other]deps}
    description = {[testenv:other]description}|{[testenv:common]commands}
    [testenv:py39-x]
    deps =
        {[testenv]deps}
        {[testenv:{ga,gb}]deps}
"""


@pytest.mark.parametrize(
    ("env", "key", "expected"),
    [
        pytest.param("x", "deps", ("base",), id="fallback-to-testenv"),
        pytest.param("ga", "deps", ("only-ga",), id="generative-section-matching-line"),
        pytest.param("gb", "deps", ("base",), id="generative-section-fallback"),
        pytest.param("gb", "description", "base-desc", id="generative-section-inherits"),
        pytest.param("inh1", "deps", ("common",), id="base-by-name"),
        pytest.param("inh1", "commands", (Command(("pytest",)),), id="base-by-name-other-key"),
        pytest.param("inh1", "description", "", id="base-replaces-testenv"),
        pytest.param("inh2", "deps", ("own",), id="base-by-section-own-key-wins"),
        pytest.param("inh2", "commands", (Command(("pytest",)),), id="base-by-section-name"),
        pytest.param("ref", "deps", ("base", "other-only"), id="reference-to-inherited-key-of-other-env"),
        pytest.param("ref", "description", "base-desc|pytest", id="references-to-other-envs"),
        pytest.param("other", "deps", ("base", "other-only"), id="empty-section-inherits"),
        pytest.param("py39-x", "deps", ("base",), id="reference-to-generative-section-all-lines-filtered"),
    ],
)
def test_inheritance_and_references(tmp_path: Path, env: str, key: str, expected: object) -> None:
    config = load(tmp_path, INHERIT_INI)
    assert config.resolver.env(env, key) == expected


SET_ENV_INI = """
    [testenv]
    skip_install = true
    setenv =
        BASE = base
        OVER = base
    [testenv:a]
    set_env =
        {[testenv]setenv}
        OVER = own
        K = V
        file|.env
        PATH = {env:PATH}:/x
        REF = {env:K}-{env:A}
        X = {env:X}-mine
        Y = {env:NOPE:dflt}
        EQ = a=b
    description = {env:K} {env:X} {env:BASE} {env:HOME}
    commands = python -c 'print(1)' {env:K}
    [testenv:b]
    set_env = file|{toxinidir}/sub/vars.env
    description = {env:FROM_SUB}
    [testenv:c]
    description = {env:X}
"""
SET_ENV_FILES = {".env": "A=from_file\n# comment\n\nB = b\n", "sub/vars.env": "FROM_SUB=1\n"}
SET_ENV_ENVIRON = {"PATH": "/usr/bin:/bin", "HOME": "/home/user", "X": "callerX"}


@pytest.mark.parametrize(
    ("env", "key", "expected"),
    [
        pytest.param(
            "a",
            "set_env",
            {
                "BASE": "base",
                "OVER": "own",
                "K": "V",
                "A": "from_file",
                "B": "b",
                "PATH": "/usr/bin:/bin:/x",
                "REF": "V-from_file",
                "X": "callerX-mine",
                "Y": "dflt",
                "EQ": "a=b",
            },
            id="all-forms",
        ),
        pytest.param("a", "description", "V callerX-mine base /home/user", id="env-reads-set-env-then-caller"),
        pytest.param("a", "commands", (Command(("python", "-c", "print(1)", "V")),), id="env-in-commands"),
        pytest.param("b", "set_env", {"FROM_SUB": "1"}, id="file-path-substituted"),
        pytest.param("b", "description", "1", id="file-value-read-by-env"),
        pytest.param("c", "set_env", {"BASE": "base", "OVER": "base"}, id="inherited-set-env"),
        pytest.param("c", "description", "callerX", id="caller-variable"),
    ],
)
def test_set_env(tmp_path: Path, env: str, key: str, expected: object) -> None:
    config = load(tmp_path, SET_ENV_INI, files=SET_ENV_FILES, environ=SET_ENV_ENVIRON)
    assert config.resolver.env(env, key) == expected


@pytest.mark.parametrize(
    ("ini", "env", "key", "message"),
    [
        pytest.param(
            "[testenv:e]\nset_env =\n    P = {env:Q}\n    Q = {env:P}\n",
            "e",
            "set_env",
            "cyclic",
            id="set-env-values-referencing-each-other",
        ),
        pytest.param(
            "[testenv:f]\nset_env = {[testenv:f]set_env}\n",
            "f",
            "set_env",
            "cyclic",
            id="set-env-including-itself",
        ),
        pytest.param(
            "[testenv]\nset_env = {[testenv:g]set_env}\n[testenv:g]\nset_env =\n    {[testenv]set_env}\n    A = 1\n",
            "g",
            "set_env",
            "cyclic",
            id="set-env-includes-referencing-each-other",
        ),
        pytest.param(
            "[testenv:g]\nset_env = A = 1\n  broken\n",
            "g",
            "set_env",
            "expected KEY=VALUE, found 'broken'",
            id="set-env-line-without-equals",
        ),
        pytest.param(
            "[testenv:h]\nset_env = file|missing.env\n",
            "h",
            "set_env",
            "missing.env",
            id="set-env-file-missing",
        ),
        pytest.param(
            "[testenv:j]\nset_env = file|bad.env\n",
            "j",
            "set_env",
            "expected KEY=VALUE",
            id="set-env-file-line-without-equals",
        ),
        pytest.param(
            "[testenv:i]\nset_env = {[nowhere]setenv}\n",
            "i",
            "set_env",
            "no key 'setenv' in [nowhere]",
            id="set-env-include-missing",
        ),
    ],
)
def test_resolve_errors(tmp_path: Path, ini: str, env: str, key: str, message: str) -> None:
    config = load(tmp_path, ini, files={"bad.env": "A=1\nnot a pair\n"}, environ={})
    with pytest.raises(ConfigError) as caught:
        config.resolver.env(env, key)
    assert message in str(caught.value)
    assert str(caught.value).startswith("tox.ini:")


OVERRIDE_INI = """
    [testenv]
    skip_install = true
    deps = base
    [testenv:py38]
    [testenv:py39]
    deps = own
"""


@pytest.mark.parametrize(
    ("overrides", "env", "expected"),
    [
        pytest.param(["testenv.deps=foo"], "py38", ("foo",), id="replace-inherited"),
        pytest.param(["testenv.deps=foo"], "py39", ("own",), id="replace-base-keeps-own"),
        pytest.param(["testenv:py39.deps=foo"], "py39", ("foo",), id="replace-own"),
        pytest.param(["testenv:py39.deps+=bar"], "py39", ("own", "bar"), id="append-to-own"),
        pytest.param(["testenv:py38.deps+=bar"], "py38", ("base", "bar"), id="append-to-inherited"),
        pytest.param(["testenv.deps+=bar"], "py38", ("base", "bar"), id="append-to-base"),
        pytest.param(["testenv.deps+=bar", "testenv.deps+=baz"], "py38", ("base", "bar", "baz"), id="append-twice"),
        pytest.param(["testenv:py40.deps=new"], "py40", ("new",), id="section-created"),
        pytest.param(["testenv.DEPS=foo"], "py38", ("foo",), id="key-lower-cased"),
        pytest.param(["testenv.deps=a=1"], "py38", ("a=1",), id="value-with-equals"),
    ],
)
def test_overrides(tmp_path: Path, overrides: Sequence[str], env: str, expected: tuple[str, ...]) -> None:
    config = load(tmp_path, OVERRIDE_INI, overrides=overrides)
    assert config.resolver.env(env, "deps") == expected


@pytest.mark.parametrize(
    "override",
    [
        pytest.param("nodot=1", id="no-dot"),
        pytest.param("testenv.deps", id="no-equals"),
        pytest.param(".deps=1", id="no-section"),
        pytest.param("testenv.=1", id="no-key"),
    ],
)
def test_bad_override(tmp_path: Path, override: str) -> None:
    with pytest.raises(ConfigError, match=r"SECTION\.KEY=VALUE"):
        load(tmp_path, OVERRIDE_INI, overrides=[override])


@pytest.mark.parametrize(
    ("ini", "env", "expected"),
    [
        pytest.param("", "py38", ("py38",), id="py-factor"),
        pytest.param("", "py311-lint", ("py311",), id="py-factor-among-others"),
        pytest.param("", "3.12", ("3.12",), id="dotted-version"),
        pytest.param("", "pypy3.10", ("pypy3.10",), id="pypy"),
        pytest.param("", "cpython-3.13", ("3.13",), id="cpython-dash-version"),
        pytest.param("", "lint", (sys.executable,), id="no-factor"),
        pytest.param("", "py", (sys.executable,), id="bare-py-is-no-factor"),
        pytest.param(
            "[testenv:lint]\nbase_python = python3.9, python3.10\n", "lint", ("python3.9", "python3.10"), id="explicit"
        ),
        pytest.param("[testenv]\nbasepython = python3.11\n", "lint", ("python3.11",), id="explicit-from-testenv"),
        pytest.param("[testenv:py39]\nbase_python = python3.9\n", "py39", ("python3.9",), id="explicit-agrees"),
        pytest.param(
            "[testenv:py311]\nbase_python = cpython3.11\n", "py311", ("cpython3.11",), id="explicit-agrees-cpython"
        ),
        pytest.param(
            "[testenv:py310]\nbase_python = pypy3.10\n", "py310", ("pypy3.10",), id="py-factor-any-implementation"
        ),
        pytest.param("[testenv]\nbase_python_file = .python-version\n", "lint", ("3.12",), id="base-python-file"),
        pytest.param("[testenv]\nbase_python_file = .python-version\n", "py39", ("py39",), id="factor-wins-over-file"),
        pytest.param(
            "[tox]\nignore_base_python_conflict = true\n[testenv:py38]\nbase_python = python3.9\n",
            "py38",
            ("py38",),
            id="conflict-ignored-factor-wins",
        ),
        pytest.param(
            "[tox]\nignore_basepython_conflict = true\n[testenv:py38]\nbase_python = python3.9\n",
            "py38",
            ("py38",),
            id="conflict-ignored-legacy-key",
        ),
        pytest.param(
            "[tox]\nignore_base_python_conflict = true\n[testenv:py39]\nbase_python = python3\n",
            "py39",
            ("py39",),
            id="conflict-ignored-less-precise",
        ),
        pytest.param(
            "[tox]\nignore_base_python_conflict = true\n[testenv:py38-py39]\nbase_python = python3.9\n",
            "py38-py39",
            ("python3.9",),
            id="conflicting-factors-ignored-explicit-wins",
        ),
    ],
)
def test_base_python(tmp_path: Path, ini: str, env: str, expected: tuple[str, ...]) -> None:
    files = {".python-version": "# pinned\n\n3.12\n"}
    config = load(tmp_path, ini, files=files)
    assert config.resolver.env(env, "base_python") == expected


@pytest.mark.parametrize(
    ("ini", "env", "message"),
    [
        pytest.param(
            "[testenv:py38]\nbase_python = python3.9\n",
            "py38",
            "tox.ini:2: [testenv:py38] env name py38 conflicts with base_python python3.9",
            id="version-conflict",
        ),
        pytest.param(
            "[testenv:pypy3.10]\nbase_python = python3.10\n[tox]\n",
            "pypy3.10",
            "tox.ini:2: [testenv:pypy3.10] env name pypy3.10 conflicts with base_python python3.10",
            id="implementation-conflict",
        ),
        pytest.param(
            "[testenv:py39]\nbase_python = python3\n",
            "py39",
            "tox.ini:2: [testenv:py39] env name py39 conflicts with base_python python3",
            id="explicit-less-precise-than-factor",
        ),
        pytest.param(
            "[testenv:py38-py39]\nbase_python = python3.9\n",
            "py38-py39",
            "conflicting Python factors py38, py39",
            id="two-python-factors",
        ),
        pytest.param(
            "[testenv:py38-py39]\n", "py38-py39", "conflicting Python factors py38, py39", id="two-factors-default"
        ),
        pytest.param("[testenv:x]\nbase_python =\n", "x", "base_python is empty", id="empty"),
        pytest.param(
            "[testenv:x]\nbase_python_file = nowhere\n",
            "x",
            "no valid Python version found",
            id="base-python-file-missing",
        ),
    ],
)
def test_base_python_errors(tmp_path: Path, ini: str, env: str, message: str) -> None:
    config = load(tmp_path, ini)
    with pytest.raises(ConfigError) as caught:
        config.resolver.env(env, "base_python")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("ini", "env", "expected"),
    [
        pytest.param("", "py311", "virtualenv", id="default"),
        pytest.param("", "py311-venv", "virtualenv", id="venv-factor"),
        pytest.param("", "x-virtualenv", "virtualenv", id="virtualenv-factor"),
        pytest.param("", "py38-conda", "conda", id="conda-factor"),
        pytest.param("", "x-current", "current", id="current-factor"),
        pytest.param("", "system-lint", "system", id="system-factor"),
        pytest.param("", "x-venv-virtualenv", "virtualenv", id="two-factors-same-type"),
        pytest.param("[testenv:y-conda]\nenv_type = current\n", "y-conda", "current", id="explicit-wins-over-factor"),
        pytest.param("[testenv]\nenv_type = system\n", "x", "system", id="explicit-in-testenv"),
        pytest.param("[testenv]\nenv_type =\n    lint: system\n", "lint-conda", "system", id="conditional-explicit"),
        pytest.param("[testenv]\nenv_type =\n    lint: system\n", "py-conda", "conda", id="conditional-for-other-env"),
    ],
)
def test_env_type(tmp_path: Path, ini: str, env: str, expected: str) -> None:
    config = load(tmp_path, ini)
    assert config.resolver.env(env, "env_type") == expected


def test_env_type_conflicting_factors(tmp_path: Path) -> None:
    config = load(tmp_path, "[testenv:x-conda-venv]\n")
    with pytest.raises(ConfigError, match="conflicting env type factors in x-conda-venv: conda, virtualenv"):
        config.resolver.env("x-conda-venv", "env_type")


BIN = "Scripts" if sys.platform == "win32" else "bin"
PYTHON = "python.exe" if sys.platform == "win32" else "python"


@pytest.mark.parametrize(
    ("ini", "env", "key", "expected"),
    [
        pytest.param("", "py38", "env_dir", "{root}/.tox/.orch/py38", id="env-dir"),
        pytest.param("", "py38", "env_tmp_dir", "{root}/.tox/.orch/py38/tmp", id="env-tmp-dir"),
        pytest.param("", "py38", "env_log_dir", "{root}/.tox/.orch/py38/log", id="env-log-dir"),
        pytest.param("", "py38", "env_bin_dir", f"{{root}}/.tox/.orch/py38/{BIN}", id="env-bin-dir"),
        pytest.param("", "py38", "env_python", f"{{root}}/.tox/.orch/py38/{BIN}/{PYTHON}", id="env-python"),
        pytest.param(
            "",
            "py38",
            "env_site_packages_dir",
            "{root}/.tox/.orch/py38/lib/python3.8/site-packages",
            id="site-packages",
        ),
        pytest.param("[tox]\nwork_dir = build/w\n", "py38", "env_dir", "{root}/build/w/py38", id="relative-work-dir"),
        pytest.param("[testenv]\nenv_dir = {toxinidir}/e\n", "py38", "env_dir", "{root}/e", id="explicit-env-dir"),
        pytest.param("[testenv]\nenv_dir = e\n", "py38", "env_tmp_dir", "{root}/e/tmp", id="tmp-dir-follows-env-dir"),
        pytest.param("", "py38", "change_dir", "{root}", id="change-dir-default"),
        pytest.param(
            "[testenv]\nchange_dir = sub/dir\n", "py38", "change_dir", "{root}/sub/dir", id="change-dir-relative"
        ),
        pytest.param("[testenv]\nchange_dir = /abs\n", "py38", "change_dir", "/abs", id="change-dir-absolute"),
        pytest.param(
            "[testenv]\nchange_dir = {envtmpdir}\n",
            "py38",
            "change_dir",
            "{root}/.tox/.orch/py38/tmp",
            id="change-dir-env-path",
        ),
        pytest.param(
            "[testenv]\ndescription = {envtmpdir}|{envbindir}|{envpython}|{envdir}|{envname}|{toxinidir}"
            "|{toxworkdir}\n",
            "py38",
            "description",
            f"{{root}}/.tox/.orch/py38/tmp|{{root}}/.tox/.orch/py38/{BIN}|{{root}}/.tox/.orch/py38/{BIN}/{PYTHON}|{{root}}/.tox/.orch/py38"
            "|py38|{root}|{root}/.tox/.orch",
            id="legacy-path-references",
        ),
        pytest.param(
            "[testenv]\ndescription = {env_tmp_dir}|{env_name}|{tox_root}|{work_dir}\n",
            "py38",
            "description",
            "{root}/.tox/.orch/py38/tmp|py38|{root}|{root}/.tox/.orch",
            id="path-references",
        ),
    ],
)
def test_env_paths(tmp_path: Path, ini: str, env: str, key: str, expected: str) -> None:
    root = tmp_path.resolve()
    config = load(tmp_path, ini)
    assert str(config.resolver.env(env, key)) == expected.format(root=root)


@pytest.mark.parametrize(
    ("ini", "scope", "key", "expected"),
    [
        pytest.param("[tox]\nenvlist = a, b\n", "core", "env_list", ("a", "b"), id="envlist"),
        pytest.param("[tox]\ntoxworkdir = {toxinidir}/w\n", "core", "work_dir", "{root}/w", id="toxworkdir"),
        pytest.param("[tox]\nskipsdist = true\n", "core", "no_package", True, id="skipsdist"),
        pytest.param("[tox]\nminversion = 4.0\n", "core", "min_version", "4.0", id="minversion"),
        pytest.param("[testenv]\nbasepython = python3.11\n", "x", "base_python", ("python3.11",), id="basepython"),
        pytest.param("[testenv]\nsetenv = A = 1\n", "x", "set_env", {"A": "1"}, id="setenv"),
        pytest.param("[testenv]\npassenv = A, B\n", "x", "pass_env", ("A", "B"), id="passenv"),
        pytest.param("[testenv]\nchangedir = sub\n", "x", "change_dir", "{root}/sub", id="changedir"),
        pytest.param("[testenv]\nwhitelist_externals = make\n", "x", "allowlist_externals", ("make",), id="whitelist"),
        pytest.param("[testenv]\nusedevelop = true\n", "x", "use_develop", True, id="usedevelop"),
        pytest.param("[testenv]\nenvdir = {toxinidir}/e\n", "x", "env_dir", "{root}/e", id="envdir"),
        pytest.param(
            "[testenv]\nbasepython = python3.11\n[testenv:x]\nbase_python = python3.12\n",
            "x",
            "base_python",
            ("python3.12",),
            id="env-section-new-name-over-testenv-old-name",
        ),
        pytest.param(
            "[testenv:x]\nbase_python = python3.12\nbasepython = python3.11\n",
            "x",
            "base_python",
            ("python3.12",),
            id="new-name-wins-in-one-section",
        ),
    ],
)
def test_legacy_aliases(tmp_path: Path, ini: str, scope: str, key: str, expected: object) -> None:
    config = load(tmp_path, ini)
    value = config.resolver.core(key) if scope == "core" else config.resolver.env(scope, key)
    if isinstance(value, Path):
        value = str(value)
        expected = str(expected).format(root=tmp_path.resolve())
    assert value == expected


@pytest.mark.parametrize(
    ("ini", "files", "env", "package", "packagedef"),
    [
        pytest.param("", {}, "x", "skip", "", id="no-project-skip"),
        pytest.param("", {"pyproject.toml": ""}, "x", "sdist", "sdist", id="pyproject-sdist"),
        pytest.param("", {"setup.py": ""}, "x", "sdist", "sdist", id="setup-py-sdist"),
        pytest.param("", {"setup.cfg": ""}, "x", "sdist", "sdist", id="setup-cfg-sdist"),
        pytest.param("[testenv]\nskip_install = true\n", {"pyproject.toml": ""}, "x", "skip", "", id="skip-install"),
        pytest.param(
            "[testenv]\nusedevelop = true\n", {"pyproject.toml": ""}, "x", "editable", "editable", id="usedevelop"
        ),
        pytest.param("[testenv]\nuse_develop = true\n", {}, "x", "editable", "editable", id="use-develop-no-project"),
        pytest.param(
            "[testenv]\nskip_install = true\nuse_develop = true\n",
            {"pyproject.toml": ""},
            "x",
            "skip",
            "",
            id="skip-install-beats-use-develop",
        ),
        pytest.param("[tox]\nno_package = true\n", {"pyproject.toml": ""}, "x", "skip", "", id="no-package"),
        pytest.param("[tox]\nskipsdist = true\n", {"pyproject.toml": ""}, "x", "skip", "", id="skipsdist"),
        pytest.param(
            "[testenv]\npackage = wheel\n", {"pyproject.toml": ""}, "x", "wheel", "wheel", id="explicit-builder"
        ),
        pytest.param(
            "[testenv]\npackage = wheel\nskip_install = true\n",
            {"pyproject.toml": ""},
            "x",
            "skip",
            "",
            id="skip-install-beats-explicit",
        ),
        pytest.param(
            "[testenv]\npackage = wheel\nuse_develop = true\n",
            {"pyproject.toml": ""},
            "x",
            "editable",
            "editable",
            id="use-develop-beats-explicit",
        ),
        pytest.param("", {"pyproject.toml": ""}, "py38-conda", "conda", "conda", id="conda-env-conda-package"),
    ],
)
def test_package(tmp_path: Path, ini: str, files: dict[str, str], env: str, package: str, packagedef: str) -> None:
    config = load(tmp_path, ini, files=files)
    assert (config.resolver.env(env, "package"), config.resolver.env(env, "packagedef")) == (package, packagedef)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("A, B", ("A", "B"), id="commas"),
        pytest.param("\n    A\n    B", ("A", "B"), id="lines"),
        pytest.param("\n    A\n    py38: B\n    lint: C", ("A", "B"), id="conditional"),
        pytest.param("PIP_*", ("PIP_*",), id="glob"),
        pytest.param("", (), id="empty"),
    ],
)
def test_pass_env(tmp_path: Path, value: str, expected: tuple[str, ...]) -> None:
    config = load(tmp_path, f"[testenv:py38]\npass_env = {value}\n")
    assert config.resolver.env("py38", "pass_env") == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("HOME LANG", id="space"),
        pytest.param("\n    HOME\n    A B", id="space-on-second-line"),
        pytest.param("HOME\tLANG", id="tab"),
    ],
)
def test_pass_env_whitespace_error(tmp_path: Path, value: str) -> None:
    config = load(tmp_path, f"[testenv:x]\npass_env = {value}\n")
    with pytest.raises(ConfigError, match="pass_env values cannot contain whitespace") as caught:
        config.resolver.env("x", "pass_env")
    assert str(caught.value).startswith("tox.ini:2:")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("-rreq.txt", ("-r req.txt",), id="r-joined"),
        pytest.param("-r req.txt", ("-r req.txt",), id="r-spaced"),
        pytest.param("-cc.txt", ("-c c.txt",), id="c-joined"),
        pytest.param("-e.", ("-e .",), id="e-joined"),
        pytest.param("pytest>=8", ("pytest>=8",), id="requirement"),
        pytest.param("\n    a\n    b ; python_version < '3.10'", ("a", "b ; python_version < '3.10'"), id="marker"),
        pytest.param("-r {toxinidir}/r.txt", ("-r {root}/r.txt",), id="substituted"),
    ],
)
def test_deps(tmp_path: Path, value: str, expected: tuple[str, ...]) -> None:
    config = load(tmp_path, f"[testenv:x]\ndeps = {value}\n")
    root = str(tmp_path.resolve())
    assert config.resolver.env("x", "deps") == tuple(item.replace("{root}", root) for item in expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("-e", "argument -e/--editable: expected one argument", id="e-alone"),
        pytest.param("-r", "argument -r/--requirement: expected one argument", id="r-alone"),
        pytest.param("-c", "argument -c/--constraint: expected one argument", id="c-alone"),
        pytest.param("\n    a\n    -e", "argument -e/--editable: expected one argument", id="e-alone-on-second-line"),
    ],
)
def test_deps_errors(tmp_path: Path, value: str, message: str) -> None:
    config = load(tmp_path, f"[testenv:x]\ndeps = {value}\n")
    with pytest.raises(ConfigError) as caught:
        config.resolver.env("x", "deps")
    assert str(caught.value) == f"tox.ini:2: [testenv:x] deps: {message}"


def test_a_lock_runner_env_has_no_pip_unless_asked_as_tox_uv_makes_it(tmp_path: Path) -> None:
    lock = "runner = uv-venv-lock-runner\n"
    ini = f"[testenv:a]\n{lock}[testenv:b]\n[testenv:c]\n{lock}uv_seed = true\n"
    config = load(tmp_path, ini)
    assert [config.resolver.env(env, "seed_pip") for env in "abc"] == [False, True, True]
