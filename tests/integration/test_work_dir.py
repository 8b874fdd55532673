"""orch's default work dir, ``.tox/.orch``: the project's own tools skip it, git does not show it,
and tox's ``.tox/<env>`` folders beside it are left alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

TOX_INI = """\
[tox]
env_list = lint

[testenv:lint]
skip_install = true
deps = flake8
commands = flake8 --max-line-length 100 .
"""
MODULE = '"""A clean module: flake8 finds nothing to say about it."""\n\nANSWER = 42\n'


def run(cwd: Path, *argv: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX"))}
    env["ORCH_CACHE_DIR"] = str(cache)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_flake8_skips_the_envs_git_ignores_them_and_toxs_dirs_stay(tmp_path: Path) -> None:
    project, cache = tmp_path / "proj", tmp_path / "cache"
    project.mkdir()
    (project / "tox.ini").write_text(TOX_INI)
    (project / "mod.py").write_text(MODULE)
    tox_env = project / ".tox" / "lint"  # what tox left there: orch must not touch it
    tox_env.mkdir(parents=True)
    (tox_env / "toxs-own-file").write_text("tox's\n")
    run(project, "git", "init", "-q", cache=cache)

    result = run(project, sys.executable, "-m", "orch", "run", "-e", "lint", cache=cache)

    # flake8 linted the project only: site-packages of the env under .tox/.orch would give it
    # thousands of things to say (it skips .tox out of the box, not .orch)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / ".tox" / ".orch" / "lint" / "pyvenv.cfg").is_file()
    assert (tox_env / "toxs-own-file").read_text() == "tox's\n"
    assert sorted(p.name for p in tox_env.iterdir()) == ["toxs-own-file"]
    status = run(project, "git", "status", "--porcelain", "--untracked-files=all", cache=cache).stdout
    untracked = sorted(line[3:] for line in status.splitlines())
    assert untracked == [".tox/lint/toxs-own-file", "mod.py", "tox.ini"]  # nothing of orch's


def test_a_work_dir_the_user_set_gets_no_gitignore(tmp_path: Path) -> None:
    project, cache = tmp_path / "proj", tmp_path / "cache"
    (project / "mine").mkdir(parents=True)
    ini = "[tox]\nenv_list = a\nwork_dir = {toxinidir}/mine\n[testenv:a]\nskip_install = true\n"
    ini += "commands = python -c pass\n"
    (project / "tox.ini").write_text(ini)
    result = run(project, sys.executable, "-m", "orch", "run", cache=cache)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (project / "mine" / ".gitignore").exists()  # the folder was there: it may be the user's
