"""orch deletes only what it created: every user file survives env setup, whatever the config says.

Each test runs the real CLI in a project holding user files and hashes the tree before and after
(issue 12, §1 and the env-folder items of §5).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from orch_project import MakeProject, Project

pytestmark = pytest.mark.integration

MARKER = ".orch-created"
ENV = """
[tox]
env_list = {env_list}
[testenv]
skip_install = true
commands = python -c "print('ran')"
{extra}
"""


def tree(root: Path, *, skip: Callable[[Path], bool] = lambda _: False) -> dict[str, str]:
    """Every file and link below ``root`` (not following links) with a hash of its content or target."""
    result: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in [*files, *(d for d in dirs if Path(folder, d).is_symlink())]:
            path = Path(folder, name)
            if skip(path):
                continue
            rel = str(path.relative_to(root))
            if path.is_symlink():
                result[rel] = "link -> " + os.readlink(path)
            else:
                result[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def orch_state(path: Path) -> bool:
    """Files orch itself writes on every run (the run record, env locks); not user files."""
    return path.name == "last-run.json" or path.name.endswith(".lock")


def tox_ini(env_list: str = "a", extra: str = "") -> dict[str, str]:
    return {"tox.ini": ENV.format(env_list=env_list, extra=extra)}


def user_files(proj: Project) -> dict[str, str]:
    return tree(proj.path, skip=orch_state)


@pytest.fixture
def proj(project: MakeProject) -> Project:
    """A project with user files (sources, data) and an env ``a`` orch created in ``.tox/.orch/a``."""
    files = {"src/pkg/__init__.py": "VALUE = 1\n", "data/results.csv": "a,b\n1,2\n", "README.md": "# project\n"}
    made = project({**files, **tox_ini()}, at="project")
    made.run("run", "-e", "a").assert_success()
    return made


def test_orch_marks_the_env_folders_it_creates(proj: Project) -> None:
    assert (proj.path / ".tox" / ".orch" / "a" / MARKER).is_file()
    assert not os.listdir(proj.path / ".tox" / ".orch" / "a" / "tmp")  # {envtmpdir} inside the env: no marker


SINGLE = "not a valid single path component"


@pytest.mark.parametrize("bad", ["..", ".", "x, .."])
def test_an_env_name_that_is_not_one_folder_name_is_a_config_error(proj: Project, bad: str) -> None:
    proj.write(tox_ini(env_list=bad))
    before = user_files(proj)
    proj.run("run").assert_refused(SINGLE)
    proj.run("run", "-r").assert_refused(SINGLE)
    proj.run("list").assert_refused(SINGLE)
    assert user_files(proj) == before


@pytest.mark.parametrize("bad", ["a/b", "a\\b", "..", "with\u0000nul"])
def test_a_toml_env_table_whose_name_is_not_one_folder_name_is_a_config_error(proj: Project, bad: str) -> None:
    """TOML table names can hold any character: the name itself is checked, as tox does."""
    (proj.path / "tox.ini").unlink()
    key = bad.replace("\\", "\\\\").replace("\u0000", "\\u0000")
    toml = f"""
        env_list = ["a"]
        [env_run_base]
        skip_install = true
        commands = [["python", "-c", "pass"]]
        [env."{key}"]
        """
    proj.write({"tox.toml": toml})
    before = user_files(proj)
    proj.run("list", "--all").assert_refused(SINGLE)
    proj.run("run", "-e", "a").assert_refused(SINGLE)
    assert user_files(proj) == before


def test_env_dir_set_to_the_project_folder_deletes_nothing(proj: Project) -> None:
    proj.write(tox_ini(extra="env_dir = {toxinidir}"))
    before = user_files(proj)
    proj.run("run").assert_refused("holds files orch did not create")
    proj.run("run", "-r").assert_refused("holds files orch did not create")
    assert user_files(proj) == before


def test_env_dir_holding_user_files_keeps_them_on_the_first_run(proj: Project) -> None:
    proj.write(tox_ini(extra="env_dir = {toxinidir}/data"))
    before = user_files(proj)
    proj.run("run").assert_refused("holds files orch did not create", "data")
    assert user_files(proj) == before


def test_env_dir_set_to_a_new_folder_is_created_and_recreated(proj: Project) -> None:
    proj.write(tox_ini(extra="env_dir = {toxinidir}/venvs/a"))
    before = user_files(proj)
    assert proj.run("run").code == 0
    (proj.path / "venvs" / "a" / "stray.txt").write_text("orch's env, so recreating it removes this\n")
    again = proj.run("run", "-r")
    assert again.code == 0, again.out
    assert not (proj.path / "venvs" / "a" / "stray.txt").exists()
    after = {k: v for k, v in user_files(proj).items() if not k.startswith("venvs")}
    assert after == before


def test_recreate_through_a_symlinked_env_dir_keeps_the_target(proj: Project, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "sub").mkdir(parents=True)
    (elsewhere / "precious.txt").write_text("not orch's\n")
    (elsewhere / "sub" / "deep.txt").write_text("not orch's either\n")
    link = proj.path / ".tox" / ".orch" / "b"
    link.symlink_to(elsewhere, target_is_directory=True)
    proj.write(tox_ini(env_list="a, b"))
    before, outside = user_files(proj), tree(elsewhere)
    proj.run("run", "-e", "b", "-r").assert_refused("symbolic link")
    proj.run("run", "-e", "b").assert_refused("symbolic link")
    assert user_files(proj) == before
    assert tree(elsewhere) == outside
    assert link.is_symlink()


def test_recreating_an_env_removes_links_inside_it_not_their_targets(proj: Project, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("not orch's\n")
    env = proj.path / ".tox" / ".orch" / "a"
    (env / "linked").symlink_to(elsewhere, target_is_directory=True)
    (env / "lib" / "linked").symlink_to(elsewhere, target_is_directory=True)
    outside = tree(elsewhere)
    run = proj.run("run", "-e", "a", "-r")
    assert run.code == 0, run.out
    assert not os.path.lexists(env / "linked")
    assert tree(elsewhere) == outside


def test_an_env_folder_replaced_by_a_file_is_refused_and_kept(proj: Project) -> None:
    env = proj.path / ".tox" / ".orch" / "a"
    subprocess.run(["rm", "-rf", str(env)], check=True)
    env.write_text("a user's file where the env was\n")
    before = user_files(proj)
    proj.run("run", "-e", "a").assert_refused("is a file where the env folder should be")
    proj.run("run", "-e", "a", "-r").assert_refused("is a file where the env folder should be")
    assert user_files(proj) == before


def test_a_lock_that_is_a_folder_is_a_one_line_error(proj: Project) -> None:
    lock = proj.path / ".tox" / ".orch" / "a.lock"
    lock.unlink()
    lock.mkdir()
    (lock / "note.txt").write_text("a folder where orch's lock file was\n")
    before = user_files(proj)
    proj.run("run", "-e", "a").assert_refused("not orch's lock file")
    assert user_files(proj) == before


def test_a_folder_without_orchs_marker_is_not_emptied_by_a_recreate(proj: Project) -> None:
    env = proj.path / ".tox" / ".orch" / "a"
    for child in env.iterdir():
        subprocess.run(["rm", "-rf", str(child)], check=True)
    (env / "notes.txt").write_text("the user's now\n")
    before = user_files(proj)
    proj.run("run", "-e", "a", "-r").assert_refused("holds files orch did not create")
    assert user_files(proj) == before


def test_an_env_an_older_orch_made_is_still_recreated(proj: Project) -> None:
    """Without the marker, orch's record next to pyvenv.cfg inside work_dir proves orch made the env."""
    env = proj.path / ".tox" / ".orch" / "a"
    (env / MARKER).unlink()
    (env / "stray.txt").write_text("left in orch's env\n")
    run = proj.run("run", "-e", "a", "-r")
    assert run.code == 0, run.out
    assert (env / MARKER).is_file()
    assert not (env / "stray.txt").exists()


def test_the_folder_of_a_current_env_is_recreated_as_a_virtualenv(proj: Project) -> None:
    """A current env's folder (by an older orch: no marker) holds orch's record and log only."""
    env = proj.path / ".tox" / ".orch" / "a"
    for child in env.iterdir():
        if child.name not in (".orch-env.json", "log"):
            subprocess.run(["rm", "-rf", str(child)], check=True)
    run = proj.run("run", "-e", "a")
    assert run.code == 0, run.out
    assert (env / MARKER).is_file()
    assert (env / "pyvenv.cfg").is_file()


def test_env_tmp_dir_holding_user_files_is_not_emptied(proj: Project) -> None:
    proj.write(tox_ini(extra="env_tmp_dir = {toxinidir}/data"))
    before = user_files(proj)
    proj.run("run", "-e", "a").assert_refused("env_tmp_dir", "holds files orch did not create")
    assert user_files(proj) == before


def test_env_tmp_dir_elsewhere_is_marked_and_emptied_by_the_next_run(proj: Project) -> None:
    proj.write(tox_ini(extra="env_tmp_dir = {toxinidir}/scratch"))
    assert proj.run("run", "-e", "a").code == 0
    scratch = proj.path / "scratch"
    assert (scratch / MARKER).is_file()
    (scratch / "left.txt").write_text("from the last run\n")
    assert proj.run("run", "-e", "a").code == 0
    assert sorted(p.name for p in scratch.iterdir()) == [MARKER]
