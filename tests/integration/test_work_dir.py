"""orch's default work dir, ``.tox/.orch``: the project's own tools skip it, git does not show it,
and tox's ``.tox/<env>`` folders beside it are left alone."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from orch_project import MakeProject, Project

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


def git(proj: Project, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=proj.path, env=proj.environ(), capture_output=True, text=True, check=True)
    return done.stdout


def test_flake8_skips_the_envs_git_ignores_them_and_toxs_dirs_stay(project: MakeProject) -> None:
    proj = project({"tox.ini": TOX_INI, "mod.py": MODULE}, at="proj")
    tox_env = proj.path / ".tox" / "lint"  # what tox left there: orch must not touch it
    tox_env.mkdir(parents=True)
    (tox_env / "toxs-own-file").write_text("tox's\n")
    git(proj, "init", "-q")

    result = proj.run("run", "-e", "lint", timeout=600)

    # flake8 linted the project only: site-packages of the env under .tox/.orch would give it
    # thousands of things to say (it skips .tox out of the box, not .orch)
    assert result.code == 0, result.out + result.err
    assert (proj.path / ".tox" / ".orch" / "lint" / "pyvenv.cfg").is_file()
    assert (tox_env / "toxs-own-file").read_text() == "tox's\n"
    assert sorted(p.name for p in tox_env.iterdir()) == ["toxs-own-file"]
    status = git(proj, "status", "--porcelain", "--untracked-files=all")
    untracked = sorted(line[3:] for line in status.splitlines())
    assert untracked == [".tox/lint/toxs-own-file", "mod.py", "tox.ini"]  # nothing of orch's


def test_a_work_dir_the_user_set_gets_no_gitignore(project: MakeProject) -> None:
    ini = "[tox]\nenv_list = a\nwork_dir = {toxinidir}/mine\n[testenv:a]\nskip_install = true\n"
    ini += "commands = python -c pass\n"
    proj = project({"tox.ini": ini}, at="proj")
    (proj.path / "mine").mkdir()
    result = proj.run("run", timeout=600)
    assert result.code == 0, result.out + result.err
    assert not (proj.path / "mine" / ".gitignore").exists()  # the folder was there: it may be the user's
