"""The package's source fingerprint covers what goes into the package, not the whole tree (issue 13).

Sample projects from tests/packages/ are copied into a (git-initialised) tmp folder and run with the
real CLI. A command writes what test tools write (``.coverage``, ``htmlcov/``...); the next run must
build nothing and start no installer, which the run record shows (``installer_runs``, the action, the
artifact's key and build time), never a timing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orch-cache")


def git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=orch", "-c", "user.email=orch@example.invalid", "-c", "commit.gpgsign=false"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *identity, "-C", str(root), *args], check=True, capture_output=True, env=env)


def project(tmp_path: Path, sample: str, *, package: str = "sdist", use_git: bool = True) -> Path:
    """``sample`` copied to ``tmp_path/proj`` with a tox.ini whose ``py`` env litters the tree."""
    root = tmp_path / "proj"
    shutil.copytree(SAMPLES / sample, root, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    script = root / "litter.py"
    script.write_text(textwrap.dedent(LITTER).format(module=sample))
    (root / "tox.ini").write_text(
        textwrap.dedent(f"""
        [tox]
        env_list = py
        [testenv]
        package = {package}
        commands = python litter.py
        """)
    )
    if use_git:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "first")
    return root


def orch_run(root: Path, cache_dir: Path) -> tuple[dict[str, object], str]:
    """Run the ``py`` env with the real CLI; its run record and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "GITHUB_", "GIT_"))}
    env.update(ORCH_CACHE_DIR=str(cache_dir), GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    done = subprocess.run(
        [sys.executable, "-m", "orch", "run", "-e", "py"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "IMPORTED" in done.stdout
    record = json.loads((root / ".tox" / ".orch" / "last-run.json").read_text(encoding="utf-8"))["envs"]["py"]
    return record, done.stdout


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
def test_untracked_output_starts_no_build_and_no_installer(
    tmp_path: Path, cache_dir: Path, sample: str, use_git: bool
) -> None:
    root = project(tmp_path, sample, use_git=use_git)
    first, output = orch_run(root, cache_dir)
    assert_built(first, output)
    for _ in range(2):  # each run writes .coverage, htmlcov/... anew
        record, output = orch_run(root, cache_dir)
        assert_nothing_done(record, output, first)
    assert len(list((root / ".tox" / ".orch" / "dist" / "sdist").glob("*/*.whl"))) == 1


@needs_git
def test_new_module_in_the_package_folder_rebuilds_once(tmp_path: Path, cache_dir: Path) -> None:
    root = project(tmp_path, "hatch_proj")
    orch_run(root, cache_dir)
    (root / "src" / "hatch_proj" / "new.py").write_text("NEW = 1\n")  # untracked, where the package lives
    rebuilt, output = orch_run(root, cache_dir)
    assert_built(rebuilt, output)
    assert "reinstalled hatch-proj 1.0 (no deps)" in rebuilt["actions"]  # type: ignore[operator]
    record, output = orch_run(root, cache_dir)
    assert_nothing_done(record, output, rebuilt)


@needs_git
def test_deleted_packaged_file_rebuilds(tmp_path: Path, cache_dir: Path) -> None:
    root = project(tmp_path, "setuptools_proj")
    extra = root / "src" / "setuptools_proj" / "extra.py"
    extra.write_text("EXTRA = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "extra")
    orch_run(root, cache_dir)
    extra.unlink()
    rebuilt, output = orch_run(root, cache_dir)
    assert_built(rebuilt, output)
    record, output = orch_run(root, cache_dir)
    assert_nothing_done(record, output, rebuilt)


@needs_git
def test_build_config_change_rebuilds(tmp_path: Path, cache_dir: Path) -> None:
    root = project(tmp_path, "hatch_proj")
    orch_run(root, cache_dir)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("A sample project", "The sample project"))
    rebuilt, output = orch_run(root, cache_dir)
    assert_built(rebuilt, output)
    record, output = orch_run(root, cache_dir)
    assert_nothing_done(record, output, rebuilt)


@needs_git
def test_a_git_ignored_packaged_file_still_counts(tmp_path: Path, cache_dir: Path) -> None:
    """A data file git ignores but the wheel packs (setuptools package data): its change rebuilds."""
    root = project(tmp_path, "setuptools_proj", package="wheel")
    data = root / "src" / "setuptools_proj" / "table.dat"
    data.write_text("1\n")
    (root / ".gitignore").write_text("*.dat\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.setuptools.package-data]\nsetuptools_proj = ["*.dat"]\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")
    first, output = orch_run(root, cache_dir)
    assert_built(first, output)
    record, output = orch_run(root, cache_dir)
    assert_nothing_done(record, output, first)
    data.write_text("2\n")
    rebuilt, output = orch_run(root, cache_dir)
    assert_built(rebuilt, output)


@needs_git
def test_editable_package_ignores_untracked_output(tmp_path: Path, cache_dir: Path) -> None:
    root = project(tmp_path, "hatch_proj", package="editable")
    first, output = orch_run(root, cache_dir)
    assert_built(first, output)
    record, output = orch_run(root, cache_dir)
    assert_nothing_done(record, output, first)
