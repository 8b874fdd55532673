"""tox's devenv and the variables tox gives commands, with the real CLI on a sample project (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orch_project import MakeProject, Project

pytestmark = pytest.mark.integration

SHOW = (
    "import os; [print(k, os.environ.get(v)) for k, v in "
    "(('SEED', 'PYTHONHASHSEED'), ('WORK', 'TOX_WORK_DIR'), ('PKG', 'TOX_PACKAGE'))]"
)
TOX_INI = f"""\
[tox]
env_list = dev
[testenv:dev]
base_python = {sys.executable}
commands = python -c "{SHOW}"
"""


@pytest.fixture
def proj(project: MakeProject) -> Project:
    return project({"tox.ini": TOX_INI}, sample="setuptools_proj", at="proj", unset=("PYTHONHASHSEED",))


def lines(out: str, tag: str) -> list[str]:
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith(f"{tag} ")]


def test_commands_get_pythonhashseed_work_dir_and_package(proj: Project) -> None:
    first = proj.run("run", "-e", "dev")
    assert first.code == 0, first.out + first.err
    (seed,) = lines(first.out, "SEED")
    assert 0 < int(seed) <= 4294967295 and f"PYTHONHASHSEED={seed}" in first.err  # random, and said
    assert lines(first.out, "WORK") == [str(proj.path / ".tox" / ".orch")]
    (package,) = lines(first.out, "PKG")
    assert Path(package).name.startswith("setuptools_proj-1.0") and Path(package).is_file()
    fixed = proj.run("run", "-e", "dev", "--hashseed", "1234")
    assert lines(fixed.out, "SEED") == ["1234"]
    assert lines(proj.run("run", "-e", "dev", "--hashseed", "notset").out, "SEED") == ["None"]
    assert lines(proj.run("run", "-e", "dev", env={"PYTHONHASHSEED": "77"}).out, "SEED") == ["77"]


def test_devenv_creates_an_editable_env_at_a_path(proj: Project) -> None:
    result = proj.run("devenv", "-e", "dev", "venv")
    assert result.code == 0, result.out + result.err
    assert f"created development environment under {proj.path / 'venv'}" in result.out
    assert "SEED" not in result.out  # no command runs
    python = proj.path / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    where = subprocess.run(
        [str(python), "-c", "import setuptools_proj; print(setuptools_proj.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
        check=True,
    )
    assert Path(where.stdout.strip()) == proj.path / "src" / "setuptools_proj" / "__init__.py"  # editable
