"""Hashing the sources: which files count (git's view, or a walk), what changes the hash, the per-file cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orch.builders.source import SourceState, source_state

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes and symlinks")

LONG_AGO = time.time() - 3600  # older than the racy window, so the per-file cache keeps the hash


@pytest.fixture(autouse=True)
def _plain_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration (global excludes, hooks) leaks into the tests."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def write(root: Path, rel: str, text: str = "content\n", *, mtime: float | None = LONG_AGO) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def git(root: Path, *args: str) -> str:
    identity = ["-c", "user.name=orch", "-c", "user.email=orch@example.invalid", "-c", "commit.gpgsign=false"]
    done = subprocess.run(["git", *identity, "-C", str(root), *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root, ".gitignore", "*.log\nignored/\n")
    write(root, "pyproject.toml", "[project]\nname = 'demo'\n")
    write(root, "src/demo/__init__.py", "VALUE = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


@needs_git
def test_git_counts_tracked_and_untracked_files_but_not_ignored_ones(repo: Path) -> None:
    before = source_state(repo)
    assert before.files == 3
    write(repo, "debug.log", "noise\n")
    write(repo, "ignored/deep/data.bin", "noise\n")
    assert source_state(repo).hash == before.hash
    write(repo, "src/demo/new.py", "NEW = 1\n")
    after = source_state(repo)
    assert (after.files, after.hash != before.hash) == (4, True)


@needs_git
def test_git_commit_and_dirty_flag(repo: Path) -> None:
    clean = source_state(repo)
    assert (clean.git_commit, clean.dirty) == (git(repo, "rev-parse", "HEAD"), False)
    write(repo, "src/demo/__init__.py", "VALUE = 22\n")
    edited = source_state(repo)
    assert (edited.dirty, edited.hash != clean.hash) == (True, True)
    git(repo, "commit", "-q", "-am", "second")
    committed = source_state(repo)
    assert committed.git_commit == git(repo, "rev-parse", "HEAD") != clean.git_commit
    assert (committed.dirty, committed.hash) == (False, edited.hash)  # same files, same hash, whatever the commit
    write(repo, "notes.txt")
    assert source_state(repo).dirty is True  # an untracked source makes it dirty too


@needs_git
def test_dirty_flag_and_files_are_limited_to_the_root(repo: Path) -> None:
    sub = source_state(repo / "src")
    assert (sub.files, sub.dirty) == (1, False)
    write(repo, "pyproject.toml", "[project]\nname = 'other'\n")
    outside_changed = source_state(repo / "src")
    assert (outside_changed.hash, outside_changed.dirty) == (sub.hash, False)


@needs_git
def test_git_before_the_first_commit(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path, "a.py")
    state = source_state(tmp_path)
    assert (state.files, state.git_commit, state.dirty) == (1, None, True)


@needs_git
def test_deleted_tracked_file_is_skipped(repo: Path) -> None:
    (repo / "src/demo/__init__.py").unlink()
    state = source_state(repo)
    assert (state.files, state.dirty) == (2, True)


@needs_git
@posix_only
def test_executable_bit_changes_the_hash(repo: Path) -> None:
    before = source_state(repo)
    (repo / "src/demo/__init__.py").chmod(0o755)
    assert source_state(repo).hash != before.hash
    (repo / "src/demo/__init__.py").chmod(0o644)
    assert source_state(repo).hash == before.hash


@needs_git
def test_untracked_output_and_envs_do_not_count_in_git_even_when_not_ignored(repo: Path) -> None:
    before = source_state(repo)
    for rel in (".tox/.orch/dist/pkg/x.whl", ".tox/py/bin/python", "build/lib/demo/__init__.py", "dist/demo.tar.gz"):
        write(repo, rel)
    write(repo, "src/demo.egg-info/PKG-INFO")
    write(repo, "src/demo/__pycache__/mod.cpython-311.pyc")
    assert source_state(repo).hash == before.hash
    write(repo, "build/release.py")  # a tracked file under build/ is a source
    git(repo, "add", "-f", "build/release.py")
    assert source_state(repo).files == before.files + 1


@needs_git
def test_exclude_keeps_a_work_dir_inside_the_project_out(repo: Path) -> None:
    before = source_state(repo, exclude=[repo / "out"])
    write(repo, "out/py311/lib/site.py")
    assert source_state(repo, exclude=[repo / "out"]).hash == before.hash
    assert source_state(repo).hash != before.hash


def test_walk_without_git_skips_envs_caches_and_build_output(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root, "pyproject.toml")
    write(root, "src/demo/build/__init__.py")  # a subpackage named build is a source
    before = source_state(root)
    assert (before.files, before.git_commit, before.dirty) == (2, None, None)
    for rel in (
        ".tox/.orch/dist/x.whl",
        ".tox/py/x",
        ".nox/x",
        ".git/HEAD",
        ".hg/x",
        "build/lib/x.py",
        "dist/x.tar.gz",
        "src/demo.egg-info/PKG-INFO",
        "src/demo/__pycache__/x.pyc",
        ".venv/bin/python",
        "venv/bin/python",
        ".mypy_cache/x",
        ".pytest_cache/x",
        ".ruff_cache/x",
        "node_modules/x/index.js",
    ):
        write(root, rel)
    if sys.platform != "win32":
        write(tmp_path, "elsewhere/big.py")
        (root / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert source_state(root).hash == before.hash
    write(root, "src/demo/new.py")
    assert source_state(root).files == 3


def test_walk_hash_depends_on_content_not_location(tmp_path: Path) -> None:
    write(tmp_path, "one/a.py", "A\n")
    write(tmp_path, "one/pkg/b.py", "B\n")
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    assert source_state(tmp_path / "one").hash == source_state(tmp_path / "two").hash
    write(tmp_path, "two/pkg/b.py", "C\n")
    assert source_state(tmp_path / "one").hash != source_state(tmp_path / "two").hash


@posix_only
def test_walk_executable_bit_and_symlinked_files(tmp_path: Path) -> None:
    script = write(tmp_path, "run.sh", "echo hi\n")
    before = source_state(tmp_path)
    script.chmod(0o755)
    after = source_state(tmp_path)
    assert after.hash != before.hash
    (tmp_path / "alias.sh").symlink_to("run.sh")
    assert source_state(tmp_path).files == 2


@needs_git
def test_broken_git_falls_back_to_a_walk(tmp_path: Path) -> None:
    write(tmp_path, ".git", "gitdir: /nonexistent/orch-test\n")  # a worktree whose repository is gone
    write(tmp_path, "a.py")
    write(tmp_path, "build/x.py")
    state = source_state(tmp_path)
    assert (state.files, state.git_commit, state.dirty) == (1, None, None)


@pytest.mark.parametrize("use_git", [pytest.param(True, marks=needs_git), False])
def test_per_file_cache_hashes_only_changed_files(tmp_path: Path, use_git: bool) -> None:
    root = tmp_path / "proj"
    for index in range(20):
        write(root, f"pkg/m{index}.py", f"N = {index:03}\n")
    if use_git:
        git(root, "init", "-q")
    cache = root / ".tox" / ".orch" / "dist" / ".source-cache.json"
    cold = source_state(root, cache_file=cache)
    warm = source_state(root, cache_file=cache)
    assert (cold.files, cold.hashed_files, warm.hashed_files, warm.hash) == (20, 20, 0, cold.hash)
    assert cache.is_file()

    edited = write(root, "pkg/m7.py", "N = 999\n", mtime=LONG_AGO + 60)  # same size, another time
    changed = source_state(root, cache_file=cache)
    assert (changed.hashed_files, changed.hash != cold.hash) == (1, True)
    assert source_state(root, cache_file=cache).hashed_files == 0

    edited.write_text("N = 007\n")
    os.utime(edited, (LONG_AGO + 60, LONG_AGO + 60))  # old size, old mtime: only ctime tells
    assert source_state(root, cache_file=cache).hash == cold.hash


def test_recently_changed_files_are_hashed_every_time(tmp_path: Path) -> None:
    write(tmp_path, "old.py")
    write(tmp_path, "fresh.py", mtime=None)  # changed just now: a same-size edit could keep its mtime
    cache = tmp_path / "cache" / "sources.json"
    assert [source_state(tmp_path, cache_file=cache).hashed_files for _ in range(3)] == [2, 1, 1]


def test_cache_keeps_one_section_per_root_and_survives_garbage(tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    write(tmp_path, "a/x.py")
    write(tmp_path, "b/y.py")
    assert [source_state(tmp_path / name, cache_file=cache).hashed_files for name in "ab"] == [1, 1]
    assert [source_state(tmp_path / name, cache_file=cache).hashed_files for name in "ab"] == [0, 0]
    assert len(json.loads(cache.read_text())["roots"]) == 2
    cache.write_text("{not json")
    state = source_state(tmp_path / "a", cache_file=cache)
    assert (state.files, state.hashed_files) == (1, 1)


def test_source_state_is_a_plain_tuple() -> None:
    state = SourceState("0" * 64, 0, None, None)
    assert (state.hashed_files, state._fields) == (0, ("hash", "files", "git_commit", "dirty", "hashed_files"))


def test_walk_skips_other_tools_envs(tmp_path: Path) -> None:
    from orch.builders.source import source_files

    (tmp_path / "pkg.py").write_text("x = 1\n")
    env = tmp_path / ".tox-uv" / "py312"
    (env / "lib").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (env / "lib" / "junk.py").write_text("")
    conda = tmp_path / "envs" / "c1"
    (conda / "conda-meta").mkdir(parents=True)
    (conda / "x.py").write_text("")
    assert source_files(tmp_path) == ["pkg.py"]
