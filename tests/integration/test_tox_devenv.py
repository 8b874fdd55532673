"""tox's devenv and the variables tox gives commands, with the real CLI on a sample project (issue 13)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).parents[1] / "packages" / "setuptools_proj"
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
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(PROJECT, root)
    (root / "tox.ini").write_text(TOX_INI)
    return root


def orch(root: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "PYTHONHASHSEED", "GITHUB_"))}
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "orch", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def lines(out: str, tag: str) -> list[str]:
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith(f"{tag} ")]


def test_commands_get_pythonhashseed_work_dir_and_package(project: Path) -> None:
    first = orch(project, "run", "-e", "dev")
    assert first.returncode == 0, first.stdout + first.stderr
    (seed,) = lines(first.stdout, "SEED")
    assert 0 < int(seed) <= 4294967295 and f"PYTHONHASHSEED={seed}" in first.stderr  # random, and said
    assert lines(first.stdout, "WORK") == [str(project / ".tox" / ".orch")]
    (package,) = lines(first.stdout, "PKG")
    assert Path(package).name.startswith("setuptools_proj-1.0") and Path(package).is_file()
    fixed = orch(project, "run", "-e", "dev", "--hashseed", "1234")
    assert lines(fixed.stdout, "SEED") == ["1234"]
    assert lines(orch(project, "run", "-e", "dev", "--hashseed", "notset").stdout, "SEED") == ["None"]
    assert lines(orch(project, "run", "-e", "dev", PYTHONHASHSEED="77").stdout, "SEED") == ["77"]


def test_devenv_creates_an_editable_env_at_a_path(project: Path) -> None:
    result = orch(project, "devenv", "-e", "dev", "venv")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"created development environment under {project / 'venv'}" in result.stdout
    assert "SEED" not in result.stdout  # no command runs
    python = project / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    where = subprocess.run(
        [str(python), "-c", "import setuptools_proj; print(setuptools_proj.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
        check=True,
    )
    assert Path(where.stdout.strip()) == project / "src" / "setuptools_proj" / "__init__.py"  # editable
