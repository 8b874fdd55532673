"""orch deletes only what it created: every user file survives env setup, whatever the config says.

Each test runs the real CLI in a project holding user files and hashes the tree before and after
(issue 12, §1 and the env-folder items of §5).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

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


@dataclass
class Run:
    code: int
    out: str

    def refused(self, *words: str) -> None:
        """A failed run that said why in one line and printed no traceback."""
        assert self.code != 0, self.out
        assert "Traceback" not in self.out, self.out
        lines = [line for line in self.out.splitlines() if all(word in line for word in words)]
        assert lines, f"no line with {words}:\n{self.out}"


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


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orch-cache")


@dataclass
class Project:
    root: Path
    cache: Path

    def write(self, env_list: str = "a", extra: str = "") -> None:
        (self.root / "tox.ini").write_text(textwrap.dedent(ENV).format(env_list=env_list, extra=extra))

    def run(self, *args: str) -> Run:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX"))}
        env["ORCH_CACHE_DIR"] = str(self.cache)
        proc = subprocess.run(
            [sys.executable, "-m", "orch", *args],
            cwd=self.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        return Run(proc.returncode, proc.stdout)

    def tree(self) -> dict[str, str]:
        return tree(self.root, skip=orch_state)


@pytest.fixture
def project(tmp_path: Path, cache_dir: Path) -> Project:
    """A project with user files (sources, data) and an env ``a`` orch created in ``.tox/.orch/a``."""
    root = tmp_path / "project"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    (root / "data").mkdir()
    (root / "data" / "results.csv").write_text("a,b\n1,2\n")
    (root / "README.md").write_text("# project\n")
    made = Project(root, cache_dir)
    made.write()
    first = made.run("run", "-e", "a")
    assert first.code == 0, first.out
    return made


def test_orch_marks_the_env_folders_it_creates(project: Project) -> None:
    assert (project.root / ".tox" / ".orch" / "a" / MARKER).is_file()
    assert not os.listdir(project.root / ".tox" / ".orch" / "a" / "tmp")  # {envtmpdir} inside the env: no marker


SINGLE = "not a valid single path component"


@pytest.mark.parametrize("bad", ["..", ".", "x, .."])
def test_an_env_name_that_is_not_one_folder_name_is_a_config_error(project: Project, bad: str) -> None:
    project.write(env_list=bad)
    before = project.tree()
    project.run("run").refused(SINGLE)
    project.run("run", "-r").refused(SINGLE)
    project.run("list").refused(SINGLE)
    assert project.tree() == before


@pytest.mark.parametrize("bad", ["a/b", "a\\b", "..", "with\u0000nul"])
def test_a_toml_env_table_whose_name_is_not_one_folder_name_is_a_config_error(project: Project, bad: str) -> None:
    """TOML table names can hold any character: the name itself is checked, as tox does."""
    (project.root / "tox.ini").unlink()
    key = bad.replace("\\", "\\\\").replace("\u0000", "\\u0000")
    (project.root / "tox.toml").write_text(
        textwrap.dedent(f"""
        env_list = ["a"]
        [env_run_base]
        skip_install = true
        commands = [["python", "-c", "pass"]]
        [env."{key}"]
        """)
    )
    before = project.tree()
    project.run("list", "--all").refused(SINGLE)
    project.run("run", "-e", "a").refused(SINGLE)
    assert project.tree() == before


def test_env_dir_set_to_the_project_folder_deletes_nothing(project: Project) -> None:
    project.write(extra="env_dir = {toxinidir}")
    before = project.tree()
    project.run("run").refused("holds files orch did not create")
    project.run("run", "-r").refused("holds files orch did not create")
    assert project.tree() == before


def test_env_dir_holding_user_files_keeps_them_on_the_first_run(project: Project) -> None:
    project.write(extra="env_dir = {toxinidir}/data")
    before = project.tree()
    project.run("run").refused("holds files orch did not create", "data")
    assert project.tree() == before


def test_env_dir_set_to_a_new_folder_is_created_and_recreated(project: Project) -> None:
    project.write(extra="env_dir = {toxinidir}/venvs/a")
    before = project.tree()
    assert project.run("run").code == 0
    (project.root / "venvs" / "a" / "stray.txt").write_text("orch's env, so recreating it removes this\n")
    again = project.run("run", "-r")
    assert again.code == 0, again.out
    assert not (project.root / "venvs" / "a" / "stray.txt").exists()
    after = {k: v for k, v in project.tree().items() if not k.startswith("venvs")}
    assert after == before


def test_recreate_through_a_symlinked_env_dir_keeps_the_target(project: Project, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "sub").mkdir(parents=True)
    (elsewhere / "precious.txt").write_text("not orch's\n")
    (elsewhere / "sub" / "deep.txt").write_text("not orch's either\n")
    link = project.root / ".tox" / ".orch" / "b"
    link.symlink_to(elsewhere, target_is_directory=True)
    project.write(env_list="a, b")
    before, outside = project.tree(), tree(elsewhere)
    project.run("run", "-e", "b", "-r").refused("symbolic link")
    project.run("run", "-e", "b").refused("symbolic link")
    assert project.tree() == before
    assert tree(elsewhere) == outside
    assert link.is_symlink()


def test_recreating_an_env_removes_links_inside_it_not_their_targets(project: Project, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("not orch's\n")
    env = project.root / ".tox" / ".orch" / "a"
    (env / "linked").symlink_to(elsewhere, target_is_directory=True)
    (env / "lib" / "linked").symlink_to(elsewhere, target_is_directory=True)
    outside = tree(elsewhere)
    run = project.run("run", "-e", "a", "-r")
    assert run.code == 0, run.out
    assert not os.path.lexists(env / "linked")
    assert tree(elsewhere) == outside


def test_an_env_folder_replaced_by_a_file_is_refused_and_kept(project: Project) -> None:
    env = project.root / ".tox" / ".orch" / "a"
    subprocess.run(["rm", "-rf", str(env)], check=True)
    env.write_text("a user's file where the env was\n")
    before = project.tree()
    project.run("run", "-e", "a").refused("is a file where the env folder should be")
    project.run("run", "-e", "a", "-r").refused("is a file where the env folder should be")
    assert project.tree() == before


def test_a_lock_that_is_a_folder_is_a_one_line_error(project: Project) -> None:
    lock = project.root / ".tox" / ".orch" / "a.lock"
    lock.unlink()
    lock.mkdir()
    (lock / "note.txt").write_text("a folder where orch's lock file was\n")
    before = project.tree()
    project.run("run", "-e", "a").refused("not orch's lock file")
    assert project.tree() == before


def test_a_folder_without_orchs_marker_is_not_emptied_by_a_recreate(project: Project) -> None:
    env = project.root / ".tox" / ".orch" / "a"
    for child in env.iterdir():
        subprocess.run(["rm", "-rf", str(child)], check=True)
    (env / "notes.txt").write_text("the user's now\n")
    before = project.tree()
    project.run("run", "-e", "a", "-r").refused("holds files orch did not create")
    assert project.tree() == before


def test_an_env_an_older_orch_made_is_still_recreated(project: Project) -> None:
    """Without the marker, orch's record next to pyvenv.cfg inside work_dir proves orch made the env."""
    env = project.root / ".tox" / ".orch" / "a"
    (env / MARKER).unlink()
    (env / "stray.txt").write_text("left in orch's env\n")
    run = project.run("run", "-e", "a", "-r")
    assert run.code == 0, run.out
    assert (env / MARKER).is_file()
    assert not (env / "stray.txt").exists()


def test_the_folder_of_a_current_env_is_recreated_as_a_virtualenv(project: Project) -> None:
    """A current env's folder (by an older orch: no marker) holds orch's record and log only."""
    env = project.root / ".tox" / ".orch" / "a"
    for child in env.iterdir():
        if child.name not in (".orch-env.json", "log"):
            subprocess.run(["rm", "-rf", str(child)], check=True)
    run = project.run("run", "-e", "a")
    assert run.code == 0, run.out
    assert (env / MARKER).is_file()
    assert (env / "pyvenv.cfg").is_file()


def test_env_tmp_dir_holding_user_files_is_not_emptied(project: Project) -> None:
    project.write(extra="env_tmp_dir = {toxinidir}/data")
    before = project.tree()
    project.run("run", "-e", "a").refused("env_tmp_dir", "holds files orch did not create")
    assert project.tree() == before


def test_env_tmp_dir_elsewhere_is_marked_and_emptied_by_the_next_run(project: Project) -> None:
    project.write(extra="env_tmp_dir = {toxinidir}/scratch")
    assert project.run("run", "-e", "a").code == 0
    scratch = project.root / "scratch"
    assert (scratch / MARKER).is_file()
    (scratch / "left.txt").write_text("from the last run\n")
    assert project.run("run", "-e", "a").code == 0
    assert sorted(p.name for p in scratch.iterdir()) == [MARKER]
