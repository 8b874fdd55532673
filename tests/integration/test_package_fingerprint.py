"""The package's source fingerprint covers what goes into the package, not the whole tree (issue 13).

Sample projects from tests/packages/ are copied into a (git-initialised) tmp folder and run with the
real CLI. A command writes what test tools write (``.coverage``, ``htmlcov/``...); the next run must
build nothing and start no installer, which the run record shows (``installer_runs``, the action, the
artifact's key and build time), never a timing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from orch_project import MakeProject, Project

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[1] / "packages"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

# What `pytest --cov --cov-report=html --cov-report=xml` and friends leave behind, new content each run.
LITTER = """
import os, sys, time
stamp = str(time.time_ns())
for rel in (".coverage", "coverage.xml", "htmlcov/index.html", ".pytest_cache/v/cache/lastfailed",
            "build/lib/x.py", "notes/scratch.txt", ".hypothesis/examples/x"):
    os.makedirs(os.path.dirname(rel) or ".", exist_ok=True)
    with open(rel, "w") as stream:
        stream.write(stamp)
import {module}
print("IMPORTED", {module}.__name__)
"""


def git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=orch", "-c", "user.email=orch@example.invalid", "-c", "commit.gpgsign=false"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *identity, "-C", str(root), *args], check=True, capture_output=True, env=env)


def litter_project(project: MakeProject, sample: str, *, package: str = "sdist", use_git: bool = True) -> Project:
    """``sample`` copied to ``tmp_path/proj`` with a tox.ini whose ``py`` env litters the tree."""
    tox_ini = f"""
        [tox]
        env_list = py
        [testenv]
        package = {package}
        commands = python litter.py
        """
    made = project(
        {"litter.py": LITTER.format(module=sample), "tox.ini": tox_ini},
        sample=sample,
        at="proj",
        unset=("GIT_",),
        env={"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    if use_git:
        git(made.path, "init", "-q")
        git(made.path, "add", "-A")
        git(made.path, "commit", "-q", "-m", "first")
    return made


def orch_run(proj: Project) -> tuple[dict[str, object], str]:
    """Run the ``py`` env with the real CLI; its run record and output."""
    done = proj.run("run", "-e", "py", timeout=600)
    assert done.code == 0, done.out + done.err
    assert "IMPORTED" in done.out
    return proj.record()["envs"]["py"], done.out  # type: ignore[no-any-return]


def assert_built(record: dict[str, object], output: str) -> None:
    assert ".pkg[" in output and "building" in output, output
    assert record["installer_runs"] == 1, record


def assert_nothing_done(record: dict[str, object], output: str, first: dict[str, object]) -> None:
    """No backend ran (no build line; the very artifact of ``first``) and no installer started."""
    assert "building" not in output, output
    assert record["installer_runs"] == 0, record
    assert any(str(action).startswith("package unchanged") for action in record["actions"]), record  # type: ignore[attr-defined]
    package, built = record["package"], first["package"]
    assert isinstance(package, dict) and isinstance(built, dict)
    fields = ("key", "built_at", "sha256")
    assert [package[field] for field in fields] == [built[field] for field in fields]


@pytest.mark.parametrize(
    ("sample", "use_git"),
    [
        pytest.param("hatch_proj", True, marks=needs_git, id="hatchling-git"),
        pytest.param("setuptools_proj", True, marks=needs_git, id="setuptools-git"),
        pytest.param("flit_proj", False, id="flit-no-git"),
        pytest.param("hatch_proj", False, id="hatchling-no-git"),
    ],
)
def test_untracked_output_starts_no_build_and_no_installer(project: MakeProject, sample: str, use_git: bool) -> None:
    proj = litter_project(project, sample, use_git=use_git)
    root = proj.path
    first, output = orch_run(proj)
    assert_built(first, output)
    for _ in range(2):  # each run writes .coverage, htmlcov/... anew
        record, output = orch_run(proj)
        assert_nothing_done(record, output, first)
    assert len(list((root / ".tox" / ".orch" / "dist" / "sdist").glob("*/*.whl"))) == 1


@needs_git
def test_new_module_in_the_package_folder_rebuilds_once(project: MakeProject) -> None:
    proj = litter_project(project, "hatch_proj")
    root = proj.path
    orch_run(proj)
    (root / "src" / "hatch_proj" / "new.py").write_text("NEW = 1\n")  # untracked, where the package lives
    rebuilt, output = orch_run(proj)
    assert_built(rebuilt, output)
    assert "reinstalled hatch-proj 1.0 (no deps)" in rebuilt["actions"]  # type: ignore[operator]
    record, output = orch_run(proj)
    assert_nothing_done(record, output, rebuilt)


@needs_git
def test_deleted_packaged_file_rebuilds(project: MakeProject) -> None:
    proj = litter_project(project, "setuptools_proj")
    root = proj.path
    extra = root / "src" / "setuptools_proj" / "extra.py"
    extra.write_text("EXTRA = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "extra")
    orch_run(proj)
    extra.unlink()
    rebuilt, output = orch_run(proj)
    assert_built(rebuilt, output)
    record, output = orch_run(proj)
    assert_nothing_done(record, output, rebuilt)


@needs_git
def test_build_config_change_rebuilds(project: MakeProject) -> None:
    proj = litter_project(project, "hatch_proj")
    root = proj.path
    orch_run(proj)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("A sample project", "The sample project"))
    rebuilt, output = orch_run(proj)
    assert_built(rebuilt, output)
    record, output = orch_run(proj)
    assert_nothing_done(record, output, rebuilt)


@needs_git
def test_a_git_ignored_packaged_file_still_counts(project: MakeProject) -> None:
    """A data file git ignores but the wheel packs (setuptools package data): its change rebuilds."""
    proj = litter_project(project, "setuptools_proj", package="wheel")
    root = proj.path
    data = root / "src" / "setuptools_proj" / "table.dat"
    data.write_text("1\n")
    (root / ".gitignore").write_text("*.dat\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.setuptools.package-data]\nsetuptools_proj = ["*.dat"]\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")
    first, output = orch_run(proj)
    assert_built(first, output)
    record, output = orch_run(proj)
    assert_nothing_done(record, output, first)
    data.write_text("2\n")
    rebuilt, output = orch_run(proj)
    assert_built(rebuilt, output)


@needs_git
def test_editable_package_ignores_untracked_output(project: MakeProject) -> None:
    proj = litter_project(project, "hatch_proj", package="editable")
    first, output = orch_run(proj)
    assert_built(first, output)
    record, output = orch_run(proj)
    assert_nothing_done(record, output, first)
