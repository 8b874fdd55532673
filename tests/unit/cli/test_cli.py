"""The CLI in-process, as a user types it: ``main([...])`` in a folder with a tox.ini."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orch.cli.main import main

TOX_INI = """
[tox]
env_list = py3{11,12}-<venv,conda>, lint
labels =
    static = lint

[testenv]
description = tests on {envname}
deps =
    pytest
    conda: pytest-conda-helper
    py311-venv: mock
commands = pytest {posargs:-q}

[testenv:lint]
description = the linters
skip_install = true
deps = ruff
commands = ruff check .

[testenv:docs]
description = build the docs
labels = doc
commands = sphinx-build docs out
"""


@pytest.fixture
def orch(project):
    """``orch(ini, **files)("list")``: orch in-process in a project of ``ini`` (TOX_INI by default) and ``files``."""
    return lambda ini=TOX_INI, **files: project({"tox.ini": ini, **files}).run_inprocess


def test_list_shows_default_envs_with_descriptions(orch) -> None:
    result = orch()("list")
    assert result.code == 0
    assert result.out.splitlines() == [
        "default environments:",
        "py311-venv  -> tests on py311-venv",
        "py311-conda -> tests on py311-conda",
        "py312-venv  -> tests on py312-venv",
        "py312-conda -> tests on py312-conda",
        "lint        -> the linters",
    ]


def test_list_all_marks_additional_envs(orch) -> None:
    result = orch()("list", "--all")
    assert result.out.splitlines()[-3:] == ["", "additional environments:", "docs        -> build the docs"]


def test_list_json(orch) -> None:
    rows = json.loads(orch()("list", "--all", "--json").out)
    assert [(r["name"], r["default"], r["env_type"]) for r in rows] == [
        ("py311-venv", True, "virtualenv"),
        ("py311-conda", True, "conda"),
        ("py312-venv", True, "virtualenv"),
        ("py312-conda", True, "conda"),
        ("lint", True, "virtualenv"),
        ("docs", False, "virtualenv"),
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["-e", "lint,docs"], ["lint", "docs"], id="env-list"),
        pytest.param(["-e", "py3{11,12}-venv"], ["py311-venv", "py312-venv"], id="generative"),
        pytest.param(["-m", "static", "doc"], ["lint", "docs"], id="labels-core-and-env"),
        pytest.param(["-f", "py311", "conda"], ["py311-conda"], id="factors-and"),
        pytest.param(["-f", "lint", "-f", "py312", "venv"], ["py312-venv", "lint"], id="factors-or"),
        pytest.param(["-e", "ALL", "--skip-env", ".*conda"], ["py311-venv", "py312-venv", "lint", "docs"], id="skip"),
    ],
)
def test_selection(orch, args: list[str], expected: list[str]) -> None:
    result = orch()("list", "--no-desc", *args)
    assert result.code == 0, result.err
    assert result.out.split() == expected


def test_toxenv_variable_selects(orch, monkeypatch: pytest.MonkeyPatch) -> None:
    run = orch()
    monkeypatch.setenv("TOXENV", "docs")
    assert run("list", "--no-desc").out.split() == ["docs"]


def test_config_json_uses_tox_key_names(orch) -> None:
    result = orch()("config", "-e", "py311-venv", "-k", "deps", "commands", "env_type", "package", "--format", "json")
    assert json.loads(result.out) == {
        "env": {
            "py311-venv": {
                "deps": ["pytest", "mock"],
                "commands": ["pytest -q"],
                "env_type": "virtualenv",
                "package": "skip",
            }
        }
    }


def test_config_posargs(orch) -> None:
    result = orch()("config", "-e", "lint,py312-conda", "-k", "commands", "--", "-k", "a b")
    assert "commands = pytest -k 'a b'" in result.out


def test_config_override(orch) -> None:
    result = orch()("config", "-e", "lint", "-k", "deps", "-x", "testenv:lint.deps+=mypy", "--format", "json")
    assert json.loads(result.out)["env"]["lint"]["deps"] == ["ruff", "mypy"]


def test_config_ini_and_toml_formats(orch) -> None:
    run = orch()
    ini = run("config", "-e", "lint", "-k", "deps", "skip_install")
    assert ini.out == "[testenv:lint]\ndeps = ruff\nskip_install = True\n"
    toml = run("config", "-e", "lint", "-k", "deps", "--format", "toml")
    assert 'deps = ["ruff"]' in toml.out


@pytest.mark.parametrize(
    ("ini", "args", "message"),
    [
        pytest.param("[tox]\nenv_list = a\nnot a key line\n", ["list"], "tox.ini:3: cannot parse", id="syntax"),
        pytest.param(
            "[tox]\nenv_list = a\n[testenv:a]\nbase_python =\n", ["config"], "base_python is empty", id="bad-value"
        ),
        pytest.param("[tox]\nenv_list = a\n", ["list", "-e", "nope"], "unknown env 'nope'", id="unknown-env"),
        pytest.param("[tox]\nenv_list = lint\n", ["list", "-e", "lnit"], "did you mean 'lint'", id="typo-env"),
    ],
)
def test_bad_input_is_one_line_error(orch, ini: str, args: list[str], message: str) -> None:
    result = orch(ini)(*args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert result.err.startswith("error: ")


def test_unknown_key_warns_with_suggestion(orch) -> None:
    result = orch("[tox]\nenv_list = a\n[testenv]\ndepz = x\n")("list")
    assert result.code == 0
    assert "warning: tox.ini:4: unknown key 'depz' in [testenv] (did you mean 'deps'?)" in result.err


def test_no_config_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["list"]) == 2
    assert "no config found" in capsys.readouterr().err


def test_python_dash_m_and_cli_import_stay_light(tmp_path: Path) -> None:
    """`python -m orch` works, and importing the CLI loads none of the heavy packages. orch leaves without the
    interpreter's teardown, but after the atexit functions: the check runs as one."""
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = a\n")
    probe = (
        "import atexit, sys, runpy; sys.argv = ['orch', 'list', '--no-desc']\n"
        "def check():\n"
        "    heavy = sorted(m for m in ('virtualenv', 'build', 'uv', 'rattler') if m in sys.modules)\n"
        "    print('HEAVY', heavy)\n"
        "atexit.register(check)\n"
        "runpy.run_module('orch', run_name='__main__')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["a", "HEAVY []"]


def test_common_options_before_the_command(orch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = orch()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run("-c", str(tmp_path / "tox.ini"), "-x", "testenv:lint.deps=zz", "config", "-e", "lint", "-k", "deps")
    assert result.out == "[testenv:lint]\ndeps = zz\n"


def test_reference_to_env_without_section_and_bad_env_expression(orch) -> None:
    run = orch(
        "[tox]\nenv_list = py311, lint\n[testenv]\ncommands = pytest\n"
        "[testenv:lint]\ncommands = {[testenv:py311]commands} -x\n"
    )
    assert run("config", "-e", "lint", "-k", "commands").out == "[testenv:lint]\ncommands = pytest -x\n"
    bad = run("list", "-e", "py3{11,12")
    assert (bad.code, bad.err) == (2, "error: -e 'py3{11,12': unclosed brace in 'py3{11,12'\n")


def test_multi_line_values_inside_a_command_stay_on_its_line(orch) -> None:
    run = orch(
        "[tox]\nenv_list = py311, lint\n[testenv]\ncommands =\n    pytest\n    coverage report\n"
        "[testenv:lint]\ncommands =\n    echo {[tox]env_list}\n    {[testenv]commands}\n"
    )
    out = run("config", "-e", "lint", "-k", "commands").out
    assert out == "[testenv:lint]\ncommands =\n  echo py311 lint\n  pytest\n  coverage report\n"


def test_config_keys_resolve_alone(orch) -> None:
    """-k reads only the keys asked for: another key's error does not hide them."""
    run = orch("[tox]\nenv_list = a\n[testenv]\npass_env = A B\ndeps = x\n")
    assert run("config", "-e", "a", "-k", "deps").out == "[testenv:a]\ndeps = x\n"
    assert "pass_env values cannot contain whitespace" in run("config", "-e", "a").err


def test_empty_env_option_means_defaults(orch) -> None:
    assert orch()("list", "--no-desc", "-e", "").out.split()[-1] == "lint"


def test_conditional_line_in_packagedef_match_is_an_error(orch) -> None:
    ini = "[tox]\nenv_list = a\n[packagedef:w]\nbuilder = wheel\nmatch = py312: x\n"
    result = orch(ini, **{"pyproject.toml": ""})("config", "-e", "a", "-k", "packagedef")
    assert result.code == 2
    assert "[packagedef:w] match line 'py312: x' is neither a factor expression nor a glob" in result.err


def test_config_shows_keys_orch_does_not_read_as_written_and_leaves_out_unset_ones(orch) -> None:
    """As tox: `-k wheel_build_env` prints the file's value; a key nobody set is left out, exit 0."""
    result = orch("[tox]\nenv_list = a\n[testenv]\nwheel_build_env = .pkg\n")(
        "config", "-e", "a", "-k", "wheel_build_env", "nope"
    )
    assert result.code == 0, result.err
    assert result.out == "[testenv:a]\nwheel_build_env = .pkg\n"
