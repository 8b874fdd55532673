"""``orch ci github|gitlab`` read back as YAML and checked against the selection; ``orch run``
under GitHub Actions (groups, annotations, the job summary)."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from orch.cli.main import main

TOX_INI = """
[tox]
env_list = {py311,py312}-{venv,conda}, lint, py312-macos

[testenv]
commands = pytest

[testenv:lint]
skip_install = true
commands = ruff check .
"""
DEFAULT = ["py311-venv", "py311-conda", "py312-venv", "py312-conda", "lint", "py312-macos"]
RUN = "orch run -e ${{ matrix.env }} --junit reports/junit-${{ matrix.env }}.xml"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def orch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    for name in ("TOXENV", "ORCH_ENV", "ORCH_SKIP_ENV", "TOX_SKIP_ENV", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)

    def make(ini: str = TOX_INI, folder: Path = tmp_path):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tox.ini").write_text(textwrap.dedent(ini))
        monkeypatch.chdir(folder)

        def run(*args: str) -> Result:
            code = main(list(args))
            captured = capsys.readouterr()
            return Result(code, captured.out, captured.err)

        return run

    return make


def job(text: str) -> dict[str, Any]:
    document = yaml.safe_load(text)
    assert set(document["jobs"]) == {"orch"}
    return document["jobs"]["orch"]  # type: ignore[no-any-return]


def step(job: dict[str, Any], uses: str) -> dict[str, Any] | None:
    return next((s for s in job["steps"] if s.get("uses", "").startswith(uses)), None)


# --------------------------------------------------------------------------------------- GitHub
@pytest.mark.parametrize(
    ("args", "names"),
    [
        pytest.param([], DEFAULT, id="default"),
        pytest.param(["-e", "py311-venv,lint"], ["py311-venv", "lint"], id="envs"),
        pytest.param(["-f", "conda"], ["py311-conda", "py312-conda"], id="factor"),
        pytest.param(["-f", "py312"], ["py312-venv", "py312-conda", "py312-macos"], id="factor-py312"),
    ],
)
def test_github_workflow(orch, args: list[str], names: list[str]) -> None:
    result = orch()("ci", "github", *args)
    assert result.code == 0, result.err
    document = yaml.safe_load(result.out)
    assert document["name"] == "orch"
    assert set(document["on"]) == {"push", "pull_request", "workflow_dispatch"}
    orch_job = job(result.out)
    assert orch_job["runs-on"] == "${{ matrix.os }}"
    assert orch_job["strategy"]["fail-fast"] is False
    include = orch_job["strategy"]["matrix"]["include"]
    assert [row["env"] for row in include] == names
    assert {row["python"] for row in include} <= {"3.11", "3.12"}
    assert [row["os"] for row in include] == ["macos-latest" if "macos" in n else "ubuntu-latest" for n in names]
    assert [row["env_type"] for row in include] == ["conda" if "conda" in n else "virtualenv" for n in names]

    assert orch_job["steps"][0] == {"uses": "actions/checkout@v4"}
    python = step(orch_job, "actions/setup-python@")
    assert python is not None
    assert python["with"]["python-version"].splitlines() == ["${{ matrix.python }}", "3.12"]
    conda = step(orch_job, "conda-incubator/setup-miniconda@v3")
    if any("conda" in n for n in names):
        assert conda is not None and conda["if"] == "matrix.env_type == 'conda'"
    else:
        assert conda is None
    cache = step(orch_job, "actions/cache@")
    assert cache is not None
    assert cache["with"]["path"].splitlines() == ["~/.cache/uv", "~/.cache/orch", ".orch"]
    key = cache["with"]["key"]
    assert "${{ runner.os }}" in key and "${{ matrix.python }}" in key and "${{ hashFiles('tox.ini') }}" in key
    runs = [s["run"] for s in orch_job["steps"] if "run" in s]
    assert runs[0] == "python -m pip install orch"
    assert runs[1].startswith(RUN)
    assert "--result-json reports/result-${{ matrix.env }}.json" in runs[1]
    upload = step(orch_job, "actions/upload-artifact@v4")
    assert upload is not None and upload["if"] == "always()"
    assert upload["with"]["path"].splitlines() == [
        "reports/junit-${{ matrix.env }}.xml",
        "reports/result-${{ matrix.env }}.json",
    ]
    assert upload["with"]["name"] == "orch-${{ matrix.env }}"  # artifact names must differ between jobs


def test_github_write_refuses_to_overwrite_without_force(orch, tmp_path: Path) -> None:
    run = orch()
    (tmp_path / ".git").mkdir()
    target = tmp_path / ".github" / "workflows" / "orch.yml"
    first = run("ci", "github", "--write", "-e", "lint")
    assert first.code == 0, first.err
    assert first.out == "wrote .github/workflows/orch.yml\n"
    assert [r["env"] for r in job(target.read_text())["strategy"]["matrix"]["include"]] == ["lint"]
    assert target.read_text().startswith("# Generated by `orch ci github`")

    again = run("ci", "github", "--write")
    assert again.code == 2
    assert "error: .github/workflows/orch.yml exists; pass --force to replace it" in again.err
    assert [r["env"] for r in job(target.read_text())["strategy"]["matrix"]["include"]] == ["lint"]

    forced = run("ci", "github", "--write", "--force")
    assert forced.code == 0, forced.err
    assert [r["env"] for r in job(target.read_text())["strategy"]["matrix"]["include"]] == DEFAULT


def test_github_project_in_a_subfolder(orch, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    result = orch(folder=tmp_path / "pkg" / "sub")("ci", "github", "--write", "-e", "lint")
    assert result.code == 0, result.err
    orch_job = job((tmp_path / ".github" / "workflows" / "orch.yml").read_text())
    assert orch_job["defaults"]["run"] == {"shell": "bash", "working-directory": "pkg/sub"}
    cache = step(orch_job, "actions/cache@")
    assert cache is not None
    assert cache["with"]["path"].splitlines()[-1] == "pkg/sub/.orch"
    assert "hashFiles('pkg/sub/tox.ini')" in cache["with"]["key"]
    upload = step(orch_job, "actions/upload-artifact@")
    assert upload is not None
    assert upload["with"]["path"].splitlines()[0] == "pkg/sub/reports/junit-${{ matrix.env }}.xml"


def test_github_config_file_given(orch, tmp_path: Path) -> None:
    run = orch()
    (tmp_path / "ci.ini").write_text("[tox]\nenv_list = a\n[testenv:a]\ncommands = true\n")
    orch_job = job(run("ci", "github", "-c", "ci.ini").out)
    assert [r["env"] for r in orch_job["strategy"]["matrix"]["include"]] == ["a"]
    runs = [s["run"] for s in orch_job["steps"] if "run" in s]
    assert runs[1].startswith("orch run -e ${{ matrix.env }} -c ci.ini --junit")
    assert "hashFiles('ci.ini')" in step(orch_job, "actions/cache@")["with"]["key"]  # type: ignore[index]


def test_python_option_sets_the_runner_python(orch) -> None:
    orch_job = job(orch()("ci", "github", "-e", "lint,py311-venv", "--python", "3.13").out)
    assert [r["python"] for r in orch_job["strategy"]["matrix"]["include"]] == ["3.13", "3.11"]
    python = step(orch_job, "actions/setup-python@")
    assert python is not None
    assert python["with"]["python-version"].splitlines() == ["${{ matrix.python }}", "3.13"]


def test_no_env_selected(orch) -> None:
    result = orch("[tox]\nenv_list = a\n[testenv:a]\ncommands = true\n")("ci", "github", "--skip-env", ".*")
    assert result.code == 2
    assert "no env selected" in result.err


# --------------------------------------------------------------------------------------- GitLab
@pytest.mark.parametrize(
    ("args", "names"),
    [
        pytest.param([], DEFAULT[:-1], id="default-without-macos"),
        pytest.param(["-e", "lint"], ["lint"], id="envs"),
        pytest.param(["-f", "conda"], ["py311-conda", "py312-conda"], id="factor"),
    ],
)
def test_gitlab_ci(orch, args: list[str], names: list[str]) -> None:
    result = orch()("ci", "gitlab", *args)
    assert result.code == 0, result.err
    document = yaml.safe_load(result.out)
    assert document["stages"] == ["test"]
    assert document["variables"]["UV_CACHE_DIR"] == "$CI_PROJECT_DIR/.cache/uv"
    orch_job = document["orch"]
    assert orch_job["image"] == "$IMAGE"
    rows = orch_job["parallel"]["matrix"]
    assert [r["ORCH_ENV"] for r in rows] == names
    for row in rows:
        conda = row["ENV_TYPE"] == "conda"
        assert row["IMAGE"] == ("condaforge/miniforge3:latest" if conda else f"python:{row['PYTHON']}")
    assert orch_job["cache"]["key"] == {"files": ["tox.ini"], "prefix": "orch-$ORCH_ENV-$PYTHON"}
    assert set(orch_job["cache"]["paths"]) == {".cache/pip", ".cache/uv", ".cache/orch", ".orch"}
    assert orch_job["before_script"][0] == "python -m pip install orch"
    assert orch_job["script"] == [
        'orch run -e "$ORCH_ENV" --junit "reports/junit-$ORCH_ENV.xml" --result-json "reports/result-$ORCH_ENV.json"'
    ]
    assert orch_job["artifacts"] == {
        "when": "always",
        "paths": ["reports/"],
        "reports": {"junit": "reports/junit-*.xml"},
    }


def test_gitlab_leaves_out_other_systems_with_a_warning(orch) -> None:
    result = orch()("ci", "gitlab")
    assert "warning: py312-macos needs macos-latest" in result.err
    only = orch()("ci", "gitlab", "-e", "py312-macos")
    assert only.code == 2
    assert "no selected env runs on Linux" in only.err


def test_gitlab_write(orch, tmp_path: Path) -> None:
    run = orch()
    assert run("ci", "gitlab", "--write", "-e", "lint").code == 0
    target = tmp_path / ".gitlab-ci.yml"  # no .git: the project's folder
    assert [r["ORCH_ENV"] for r in yaml.safe_load(target.read_text())["orch"]["parallel"]["matrix"]] == ["lint"]
    assert run("ci", "gitlab", "--write").code == 2
    assert run("ci", "gitlab", "--write", "--force").code == 0
    assert len(yaml.safe_load(target.read_text())["orch"]["parallel"]["matrix"]) == 5


# ------------------------------------------------------------------------------ GitHub Actions
SYSTEM_INI = """
[tox]
env_list = good-system, bad-system
[testenv]
commands = true
[testenv:bad-system]
commands = false
"""


def test_run_under_github_actions(orch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = orch(SYSTEM_INI)
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run("run")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "::group::good-system"
    assert lines.index("::group::bad-system") > lines.index("::endgroup::")
    assert lines.count("::endgroup::") == 2
    at = lines.index("::error title=bad-system::commands[0] exit 1")
    assert lines[at - 1] == "::endgroup::"  # after the group, so it shows while folded
    assert lines[at + 1].startswith("bad-system: failed in ")
    assert sum(line.startswith("::error") for line in lines) == 1

    text = summary.read_text()
    assert text.startswith("# earlier step\n### orch: 1 ok, 1 failed in ")
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert table[0] == "| env | result | duration | interpreter |"
    assert table[2].startswith("| good-system | ✅ ok | ")
    assert table[3].startswith("| bad-system | ❌ failed: commands[0] exit 1 | ")
    assert len(table) == 4


def test_parallel_run_writes_the_summary_too(orch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = orch(SYSTEM_INI)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run("run", "-p", "2").code == 1
    assert "| good-system | ✅ ok |" in summary.read_text()


def test_no_github_output_elsewhere(orch, tmp_path: Path) -> None:
    result = orch(SYSTEM_INI)("run", "--result-json", "out.json")
    assert result.code == 1
    assert "::" not in result.out
    assert not (tmp_path / "summary.md").exists()
    assert list(json.loads((tmp_path / "out.json").read_text())["envs"]) == ["good-system", "bad-system"]
