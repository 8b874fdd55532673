"""A warm run with the package, as ``benchmarks/bench_package.py`` times it (issue 15): the source check
starts no ``git`` process, and neither the build machinery (``build``, ``pyproject_hooks``), the
``filelock`` package nor ``packaging``'s wheel tags and specifiers (the wheel's fit with the env's Python,
kept beside the artifact) are imported; nor ``dataclasses`` with ``inspect``, nor ``ast`` (the config model
and the results are named tuples and slotted classes, virtualenv's table of wheels is parsed only when
an env is created), nor what only a build needs (``tarfile``, ``tempfile``, ``datetime``).

The sample project is a git checkout run with the real CLI; git is the real one behind a wrapper first
on PATH that records its calls. The racy window is the real one (2 s): the test waits it out once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orch_project import MakeProject, Project

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(sys.platform == "win32", reason="a shell script as the git wrapper"),
]

REAL_GIT = shutil.which("git") or "git"
# Runs orch as the CLI does and says, as it exits, which heavy modules it imported.
PROBE = """
import atexit, runpy, sys
sys.argv = ["orch", "run", "-e", "py"]
HEAVY = ("build", "pyproject_hooks", "filelock", "packaging.tags", "packaging.specifiers")
STDLIB = ("dataclasses", "inspect", "ast", "tarfile", "tempfile", "datetime")
atexit.register(lambda: print("IMPORTED", sorted(m for m in HEAVY if m in sys.modules)))
atexit.register(lambda: print("STDLIB", sorted(m for m in STDLIB if m in sys.modules)))
runpy.run_module("orch", run_name="__main__")
"""


def git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=orch", "-c", "user.email=orch@example.invalid", "-c", "commit.gpgsign=false"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run([REAL_GIT, *identity, "-C", str(root), *args], check=True, capture_output=True, env=env)


def probe(proj: Project, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=proj.path, env=proj.environ(env), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_warm_run_with_the_package_asks_git_nothing_and_imports_no_build_tool(
    project: MakeProject, tmp_path: Path
) -> None:
    proj = project(
        {"tox.ini": "[tox]\nenv_list = py\n[testenv]\npackage = wheel\ncommands = python -c pass\n"},
        sample="hatch_proj",
        at="proj",
        unset=("GIT_",),
        env={"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    (proj.path / ".gitignore").write_text(".tox/\n")
    git(proj.path, "init", "-q")
    git(proj.path, "add", "-A")
    git(proj.path, "commit", "-q", "-m", "first")
    wrapper_dir = tmp_path / "bin"
    wrapper_dir.mkdir()
    log = tmp_path / "git-calls.log"
    wrapper = wrapper_dir / "git"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{REAL_GIT}" "$@"\n')
    wrapper.chmod(0o755)
    env = {"PATH": f"{wrapper_dir}{os.pathsep}{os.environ['PATH']}"}

    first = probe(proj, env)
    # built (a plain [build-system] table: no build, no pyproject_hooks) and checked against the env (packaging)
    assert "IMPORTED ['packaging.specifiers', 'packaging.tags']" in first, first
    time.sleep(2.2)  # past the racy window: the next run's snapshot of git's answer is trusted
    probe(proj, env)
    log.unlink()
    warm = probe(proj, env)
    assert "IMPORTED []" in warm, warm
    assert "STDLIB []" in warm, warm
    assert not log.exists(), log.read_text()
    record = proj.record()["envs"]["py"]
    assert record["installer_runs"] == 0, record
    assert any(str(action).startswith("package unchanged") for action in record["actions"]), record
