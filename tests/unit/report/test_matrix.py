"""CI matrix entries and ``orch matrix``: each selected env once, with its Python, env type and OS."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import pytest
import yaml

from orch.report.matrix import MatrixEntry, entry_os, entry_python, gitlab_image, python_version, render
from orch_project import MakeProject, Outcome

TOX_INI = """
[tox]
env_list = {py311,py312}-{venv,conda}, lint, py312-macos
labels =
    static = lint

[testenv]
commands = pytest

[testenv:lint]
skip_install = true
commands = ruff check .

[testenv:docs]
base_python = python3.10
commands = sphinx-build docs out

[testenv:shell]
env_type = system
commands = sh -c true

[testenv:here]
env_type = current
commands = python -V

[testenv:win]
platform = win32
commands = python -V
"""

DEFAULT = ["py311-venv", "py311-conda", "py312-venv", "py312-conda", "lint", "py312-macos"]
EXPECTED = {
    "py311-venv": ("3.11", "virtualenv", "ubuntu-latest"),
    "py311-conda": ("3.11", "conda", "ubuntu-latest"),
    "py312-venv": ("3.12", "virtualenv", "ubuntu-latest"),
    "py312-conda": ("3.12", "conda", "ubuntu-latest"),
    "lint": ("3.12", "virtualenv", "ubuntu-latest"),
    "py312-macos": ("3.12", "virtualenv", "macos-latest"),
    "docs": ("3.10", "virtualenv", "ubuntu-latest"),
    "shell": ("3.12", "system", "ubuntu-latest"),
    "here": ("3.12", "current", "ubuntu-latest"),
    "win": ("3.12", "virtualenv", "windows-latest"),
}


@pytest.fixture
def orch(project: MakeProject) -> Callable[..., Outcome]:
    """``orch ARGS`` in-process, in a project holding TOX_INI."""
    return project({"tox.ini": TOX_INI}).run_inprocess


# ------------------------------------------------------------------------------------ the pieces
@pytest.mark.parametrize(
    ("spec", "version"),
    [
        ("py311", "3.11"),
        ("py3.12", "3.12"),
        ("3.13", "3.13"),
        ("py313t", "3.13"),
        ("pypy310", "pypy3.10"),
        ("pypy3.9", "pypy3.9"),
        ("python3.8", "3.8"),
        ("py3", "3.x"),
        ("/opt/bin/python3.11", "3.11"),
        ("lint", None),
    ],
)
def test_python_version(spec: str, version: str | None) -> None:
    assert python_version(spec) == version


@pytest.mark.parametrize(
    ("name", "base_python", "needs_python", "expected"),
    [
        pytest.param("py311-venv", (sys.executable,), True, "3.11", id="factor"),
        pytest.param("py311-system", (), False, "3.11", id="factor-wins-for-any-type"),
        pytest.param("lint", (sys.executable,), True, "3.12", id="default-base-python"),
        pytest.param("docs", ("python3.10",), True, "3.10", id="explicit-base-python"),
        pytest.param("docs", ("python3",), True, "3.x", id="major-only"),
        pytest.param("shell", ("python3.10",), False, "3.12", id="no-python-env-type"),
        pytest.param("odd", ("/weird/interpreter",), True, "3.12", id="unreadable"),
    ],
)
def test_entry_python(name: str, base_python: tuple[str, ...], needs_python: bool, expected: str) -> None:
    assert entry_python(name, base_python, needs_python=needs_python) == expected


def test_entry_python_default_is_configurable() -> None:
    assert entry_python("lint", (sys.executable,), needs_python=True, default="3.13") == "3.13"


@pytest.mark.parametrize(
    ("name", "platform", "os"),
    [
        ("py312", "", "ubuntu-latest"),
        ("py312-linux", "", "ubuntu-latest"),
        ("py312-ubuntu", "", "ubuntu-latest"),
        ("py312-macos", "", "macos-latest"),
        ("darwin-py312", "", "macos-latest"),
        ("py312-windows", "", "windows-latest"),
        ("py312-win32-conda", "", "windows-latest"),
        ("py312-macosx", "", "ubuntu-latest"),  # a factor, not a substring
        ("py312", "darwin", "macos-latest"),
        ("py312", "win", "windows-latest"),
        ("py312", "linux|darwin", "ubuntu-latest"),
        ("py312-macos", "linux", "macos-latest"),  # the factor wins
        ("py312", "freebsd", "ubuntu-latest"),
    ],
)
def test_entry_os(name: str, platform: str, os: str) -> None:
    assert entry_os(name, platform) == os


@pytest.mark.parametrize(
    ("python", "env_type", "image", "install"),
    [
        ("3.12", "virtualenv", "python:3.12", ""),
        ("3.9", "virtualenv", "python:3.9", ""),
        ("3.x", "virtualenv", "python:3", ""),
        ("3.8", "virtualenv", "python:3.12", "3.8"),
        ("pypy3.10", "virtualenv", "python:3.12", "pypy3.10"),
        ("3.11", "conda", "condaforge/miniforge3:latest", ""),
        ("3.12", "system", "python:3.12", ""),
    ],
)
def test_gitlab_image(python: str, env_type: str, image: str, install: str) -> None:
    assert gitlab_image(MatrixEntry("e", python, env_type, "ubuntu-latest")) == (image, install)


def test_render_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown matrix format 'xml'"):
        render([], "xml")


# ---------------------------------------------------------------------------------- orch matrix
def github_include(text: str) -> list[dict[str, str]]:
    document = yaml.safe_load(text)
    assert set(document) == {"include"}
    return document["include"]  # type: ignore[no-any-return]


def check(rows: list[dict[str, str]], names: list[str]) -> None:
    assert [r["env"] for r in rows] == names
    for row in rows:
        assert (row["python"], row["env_type"], row["os"]) == EXPECTED[row["env"]]


SELECTIONS = [
    pytest.param([], DEFAULT, id="default"),
    pytest.param(["-e", "lint,docs"], ["lint", "docs"], id="envs"),
    pytest.param(["-e", "py31{1,2}-conda"], ["py311-conda", "py312-conda"], id="generative"),
    pytest.param(["-m", "static"], ["lint"], id="label"),
    pytest.param(["-f", "py312"], ["py312-venv", "py312-conda", "py312-macos"], id="factor"),
    pytest.param(["-f", "conda", "-f", "lint"], ["py311-conda", "py312-conda", "lint"], id="factors-or"),
    pytest.param(["-e", "shell,here,win,docs"], ["shell", "here", "win", "docs"], id="no-python-and-platform"),
    pytest.param(["-e", "ALL", "--skip-env", "py.*"], ["lint", "docs", "shell", "here", "win"], id="skip-env"),
]


@pytest.mark.parametrize(("args", "names"), SELECTIONS)
def test_github_format(orch, args: list[str], names: list[str]) -> None:
    result = orch("matrix", *args)
    assert result.code == 0, result.err
    check(github_include(result.out), names)


@pytest.mark.parametrize(("args", "names"), SELECTIONS)
def test_json_format(orch, args: list[str], names: list[str]) -> None:
    result = orch("matrix", "--format", "json", *args)
    assert result.code == 0, result.err
    assert result.out.count("\n") == 1  # one line, for `echo "matrix=$(orch matrix ...)" >> $GITHUB_OUTPUT`
    document = json.loads(result.out)
    assert set(document) == {"include"}
    check(document["include"], names)


@pytest.mark.parametrize(("args", "names"), SELECTIONS)
def test_gitlab_format(orch, args: list[str], names: list[str]) -> None:
    result = orch("matrix", "--format", "gitlab", *args)
    assert result.code == 0, result.err
    rows = yaml.safe_load(result.out)["parallel"]["matrix"]
    assert [r["ORCH_ENV"] for r in rows] == names
    for row in rows:
        python, env_type, os = EXPECTED[row["ORCH_ENV"]]
        assert (row["PYTHON"], row["ENV_TYPE"], row["OS"]) == (python, env_type, os)
        assert row["IMAGE"] == ("condaforge/miniforge3:latest" if env_type == "conda" else f"python:{python}")
        assert all(isinstance(value, str) for value in row.values())  # GitLab variables are strings


def test_github_format_text(orch) -> None:
    assert orch("matrix", "-e", "py311-conda,lint").out == (
        "include:\n"
        "  - env: py311-conda\n"
        '    python: "3.11"\n'
        "    env_type: conda\n"
        "    os: ubuntu-latest\n"
        "  - env: lint\n"
        '    python: "3.12"\n'
        "    env_type: virtualenv\n"
        "    os: ubuntu-latest\n"
    )


def test_default_python_option(orch) -> None:
    rows = github_include(orch("matrix", "-e", "lint,py311-venv,shell", "--python", "3.13").out)
    assert [r["python"] for r in rows] == ["3.13", "3.11", "3.13"]


def test_unknown_env_is_a_usage_error(orch) -> None:
    result = orch("matrix", "-e", "nope")
    assert result.code == 2
    assert "nope" in result.err
