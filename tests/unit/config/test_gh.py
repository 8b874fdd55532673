"""``[gh-actions]`` and ``[gh]`` under GitHub Actions: the envs for the job's Python, as tox-gh-actions
and tox-gh pick them; on the 6 real tox.ini files of the corpus that have such a section."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from _project import load, load_file

from compat import COMPAT
from orch.cli.main import main
from orch.config.gh import JobPython, gh_choice, job_python

CPY311, CPY313, CPY313T = JobPython("cpython", 3, 11), JobPython("cpython", 3, 13), JobPython("cpython", 3, 13, True)
PYPY310 = JobPython("pypy", 3, 10)
DJ = {"DB_BACKEND": "postgresql"}

CORPUS = [
    ("celery__celery", CPY311, {}, ["3.11-unit"]),
    ("celery__celery", PYPY310, {}, ["pypy3-unit"]),  # pypy-3: pypy3-unit
    (
        "jazzband__django-debug-toolbar",
        CPY311,
        DJ,
        ["py311-dj42-postgresql", "py311-dj50-postgresql", "py311-dj51-postgresql", "py311-djmain-postgresql"],
    ),
    ("jazzband__django-debug-toolbar", CPY313, DJ, []),  # py313 has no postgresql env
    ("jazzband__django-model-utils", CPY311, {}, ["py311-dj42", "py311-dj50", "py311-dj51", "py311-dj52"]),
    ("jazzband__django-model-utils", PYPY310, {}, []),  # no key for PyPy: nothing, as with the plugin
    ("nedbat__coveragepy", CPY311, {}, ["py311"]),
    ("nedbat__coveragepy", CPY313T, {}, ["py313t"]),  # a free-threaded build tries 3.13t first
    ("nedbat__coveragepy", PYPY310, {}, ["pypy3"]),  # [gh]: pypy-3 = pypy3
    ("pytest-dev__pytest-asyncio", CPY313, {}, ["py313", "pyright"]),
    ("pytest-dev__pytest-asyncio", PYPY310, {}, []),  # tox-gh-actions tries pypy-3.10, pypy-3: not pypy3
    ("python-babel__babel", CPY311, {}, ["py311", "py311-setuptools"]),
]


@pytest.mark.skipif(not (COMPAT / "toxini").is_dir(), reason="no tox compatibility corpus")
@pytest.mark.parametrize(("name", "python", "environ", "expected"), CORPUS)
def test_the_corpus_files(
    tmp_path: Path, name: str, python: JobPython, environ: dict[str, str], expected: list[str]
) -> None:
    shutil.copy(COMPAT / "toxini" / f"{name}.ini", tmp_path / "tox.ini")
    choice = gh_choice(load_file(tmp_path), python, environ)
    assert choice is not None
    assert choice.envs == expected


def test_env_factors_cross_the_python_factors(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        [tox]
        env_list = py{311,312}-{lin,mac}-{a,b}, lint
        [gh-actions]
        python =
            3.11: py311, lint
            3.12: py312
        [gh-actions:env]
        PLATFORM =
            ubuntu-latest: lin
            macos-latest: mac
        """,
    )
    choice = gh_choice(config, CPY311, {"PLATFORM": "macos-latest"})
    assert choice is not None and choice.section == "[gh-actions]"
    assert choice.envs == ["py311-mac-a", "py311-mac-b"]  # lint has no mac factor
    assert gh_choice(config, CPY311, {})[1] == ["py311-lin-a", "py311-lin-b", "py311-mac-a", "py311-mac-b", "lint"]  # type: ignore[index]
    assert gh_choice(config, JobPython("cpython", 3, 9), {})[1] == []  # type: ignore[index]


def test_gh_replaces_the_env_list_and_keeps_it_without_a_match(tmp_path: Path) -> None:
    config = load(
        tmp_path, "[tox]\nenv_list = py311, py312, type\n[gh]\npython =\n    3.11 = py311, type\n    3 = py312\n"
    )
    assert gh_choice(config, CPY311, {})[1] == ["py311", "type"]  # type: ignore[index]
    assert gh_choice(config, CPY313, {})[1] == ["py312"]  # type: ignore[index]  # the major version's key
    assert gh_choice(config, PYPY310, {})[1] == ["py311", "py312", "type"]  # type: ignore[index]


def test_gh_python_table_of_a_tox_toml(tmp_path: Path) -> None:
    (tmp_path / "tox.toml").write_text(
        textwrap.dedent(
            """
            env_list = ["py311", "py312", "lint"]
            [gh.python]
            "3.12" = ["py312", "lint"]
            [env_run_base]
            commands = [["true"]]
            """
        )
    )
    assert gh_choice(load_file(tmp_path), JobPython("cpython", 3, 12), {})[1] == ["py312", "lint"]  # type: ignore[index]


def test_no_section_no_choice(tmp_path: Path) -> None:
    assert gh_choice(load(tmp_path, "[tox]\nenv_list = a\n"), CPY311, {}) is None


def test_job_python_can_be_named() -> None:
    assert job_python({"TOX_GH_MAJOR_MINOR": "3.13t", "PATH": ""}) == CPY313T
    assert job_python({"TOX_GH_MAJOR_MINOR": "3.11", "PATH": ""}) == CPY311


# ------------------------------------------------------------------------- orch run under GitHub Actions
TOX_INI = """
[tox]
env_list = py311-system, py312-system, lint-system
[gh-actions]
python =
    3.11: py311, lint
    3.12: py312
[testenv]
commands = true
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "tox.ini").write_text(textwrap.dedent(TOX_INI))
    monkeypatch.chdir(tmp_path)
    for name in ("TOXENV", "ORCH_ENV", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    return tmp_path


def ran(root: Path) -> list[str]:
    return list(json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"])


@pytest.mark.parametrize(
    ("version", "expected"), [("3.11", ["py311-system", "lint-system"]), ("3.12", ["py312-system"])]
)
def test_plain_run_selects_the_jobs_envs(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    version: str,
    expected: list[str],
) -> None:
    monkeypatch.setenv("TOX_GH_MAJOR_MINOR", version)
    assert main(["run"]) == 0
    assert ran(project) == expected
    assert (
        f"orch: GitHub Actions, Python {version}: [gh-actions] selects {', '.join(expected)}" in capsys.readouterr().out
    )


def test_named_envs_and_other_ci_keep_their_selection(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOX_GH_MAJOR_MINOR", "3.12")
    assert main(["run", "-e", "lint-system"]) == 0
    assert ran(project) == ["lint-system"]
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert main(["run"]) == 0
    assert ran(project) == ["py311-system", "py312-system", "lint-system"]


def test_no_env_for_the_python_runs_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOX_GH_MAJOR_MINOR", "3.9")
    assert main(["run"]) == 0
    assert not (project / ".tox" / ".orch" / "last-run.json").exists()
    assert "warning: [gh-actions] maps no default env to Python 3.9: nothing to run" in capsys.readouterr().err
