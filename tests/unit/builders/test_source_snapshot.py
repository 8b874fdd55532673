"""The stored snapshot of git's answer: an unchanged tree starts no ``git`` process, and no change is missed.

Every test runs real git behind a wrapper first on PATH that records its calls. The racy window is cut
to 50 ms (it is 2 s) and each step waits past it, so that a snapshot is kept as on a tree left alone
for a while; :func:`test_a_tree_changed_just_now_keeps_no_snapshot` checks the real window.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orch.builders import source_snapshot
from orch.builders.source import SourceScan, SourceState, source_files

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(sys.platform == "win32", reason="a shell script as the git wrapper"),
]

REAL_GIT = shutil.which("git") or "git"
WINDOW = 0.05


@pytest.fixture(autouse=True)
def _plain_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration (global excludes, hooks) leaks into the tests."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """The git subcommands orch started since the last call (a recording wrapper first on PATH)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "git-calls.log"
    wrapper = folder / "git"
    wrapper.write_text(
        f'#!/bin/sh\nfor a; do case "$a" in -*|/*) ;; *) echo "$a" >> "{log}"; break;; esac; done\n'
        f'exec "{REAL_GIT}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    def taken() -> list[str]:
        found = log.read_text().split() if log.exists() else []
        log.unlink(missing_ok=True)
        return found

    return taken


@pytest.fixture
def short_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source_snapshot, "RACY_SECONDS", WINDOW)


def git(root: Path, *args: str) -> str:
    identity = ["-c", "user.name=orch", "-c", "user.email=orch@example.invalid", "-c", "commit.gpgsign=false"]
    done = subprocess.run([REAL_GIT, *identity, "-C", str(root), *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def write(root: Path, rel: str, text: str = "content\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def settle() -> None:
    """Wait out the (shortened) racy window: what was just written is now old enough to be trusted."""
    time.sleep(WINDOW * 1.5)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, ".gitignore", "*.log\nignored/\n")
    write(root, "pyproject.toml", "[project]\nname = 'demo'\n")
    write(root, "src/demo/__init__.py", "VALUE = 1\n")
    write(root, "logs/run.log", "noise\n")  # a folder holding only ignored files
    (root / "empty").mkdir()
    (root / ".orch").mkdir()  # orch's work dir, inside the project and not ignored
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


def add_submodule(repo: Path, library: Path, at: str) -> None:
    """A one-file repository at ``library``, added to ``repo`` as a submodule at ``at`` and committed."""
    library.mkdir()
    git(library, "init", "-q", "-b", "main")
    write(library, "lib.py")
    git(library, "add", "-A")
    git(library, "commit", "-q", "-m", "lib")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), at)
    git(repo, "commit", "-q", "-m", "a submodule")


def look(root: Path) -> SourceState:
    work = root / ".orch"
    return SourceScan(root, cache_file=work / "dist" / ".source-cache.json", exclude=[work]).state()


def fresh(root: Path) -> SourceState:
    """What git says now, without a snapshot (no cache file)."""
    return SourceScan(root, exclude=[root / ".orch"]).state()


def warm(root: Path, calls: Callable[[], list[str]]) -> SourceState:
    """The state once a snapshot is kept: the first look asks git, the second one must not."""
    settle()
    look(root)
    calls()
    state = look(root)
    assert calls() == []
    return state


@pytest.mark.usefixtures("short_window")
def test_an_unchanged_tree_starts_no_git_process(repo: Path, calls: Callable[[], list[str]]) -> None:
    settle()
    first = look(repo)
    assert sorted(calls()) == ["config", "ls-files", "status"]
    again = look(repo)
    assert calls() == []
    assert again[:4] == first[:4] == fresh(repo)[:4]
    assert (again.git_commit, again.dirty) == (git(repo, "rev-parse", "HEAD"), False)


def _add_to_existing_folder(root: Path) -> None:
    write(root, "src/demo/new.py")


def _add_to_ignored_only_folder(root: Path) -> None:
    write(root, "logs/notes.txt")


def _add_to_empty_folder(root: Path) -> None:
    write(root, "empty/first.py")


def _add_new_folder(root: Path) -> None:
    write(root, "src/demo/sub/deep/mod.py")


def _delete_tracked(root: Path) -> None:
    (root / "src/demo/__init__.py").unlink()


def _rename(root: Path) -> None:
    (root / "src/demo/__init__.py").rename(root / "src/demo/renamed.py")


def _unignore(root: Path) -> None:
    write(root, ".gitignore", "ignored/\n")


def _ignore_by_a_new_gitignore(root: Path) -> None:
    write(root, "src/.gitignore", "*.py\n")  # the untracked ones; untracked files then matter below
    git(root, "rm", "-q", "--cached", "src/demo/__init__.py")


def _ignore_by_info_exclude(root: Path) -> None:
    with (root / ".git" / "info" / "exclude").open("a") as stream:
        stream.write("extra.py\n")


def _edit(root: Path) -> None:
    write(root, "src/demo/__init__.py", "VALUE = 2\n")


def _commit(root: Path) -> None:
    git(root, "commit", "-q", "-am", "second")


def _make_branch(root: Path) -> None:
    git(root, "checkout", "-q", "-b", "other")
    write(root, "src/demo/branch.py")
    git(root, "add", "src/demo/branch.py")
    git(root, "commit", "-q", "-m", "on other")


def _switch_branch(root: Path) -> None:
    git(root, "checkout", "-q", "main")


def _track_a_log(root: Path) -> None:
    write(root, "build.log", "tracked although ignored\n")
    git(root, "add", "-f", "build.log")
    git(root, "commit", "-q", "-m", "a tracked log")


def _untrack(root: Path) -> None:
    git(root, "rm", "-q", "--cached", "build.log")  # now only ignored: not a source any more


def _second_commit(root: Path) -> None:
    git(root, "commit", "-q", "--allow-empty", "-m", "second")


def _second_commit_packed(root: Path) -> None:
    _second_commit(root)
    git(root, "pack-refs", "--all")  # the branch now lives in packed-refs only


def _move_branch_back(root: Path) -> None:
    git(root, "update-ref", "refs/heads/main", "HEAD~1")  # HEAD's ref alone changes


def _rewrite_packed_ref(root: Path) -> None:
    packed = root / ".git" / "packed-refs"  # as another tool would: no loose ref appears
    head, first = git(root, "rev-parse", "HEAD"), git(root, "rev-parse", "HEAD~1")
    packed.write_text(packed.read_text().replace(head, first))


def _chmod(root: Path) -> None:
    (root / "src/demo/__init__.py").chmod(0o755)


def _nothing(root: Path) -> None:
    pass


CHANGES = [  # (what the tree is first, the change that must be seen)
    (_nothing, _add_to_existing_folder),
    (_nothing, _add_to_ignored_only_folder),
    (_nothing, _add_to_empty_folder),
    (_nothing, _add_new_folder),
    (_nothing, _delete_tracked),
    (_nothing, _rename),
    (_nothing, _unignore),
    (_nothing, _ignore_by_a_new_gitignore),
    (lambda root: write(root, "src/demo/extra.py"), _ignore_by_info_exclude),
    (_nothing, _edit),
    (_edit, _commit),
    (_make_branch, _switch_branch),
    (_track_a_log, _untrack),
    (_nothing, _chmod),
    (_second_commit, _move_branch_back),
    (_second_commit_packed, _move_branch_back),
    (_second_commit_packed, _rewrite_packed_ref),
]


@pytest.mark.usefixtures("short_window")
@pytest.mark.parametrize(
    ("prepare", "change"),
    CHANGES,
    ids=[f"{prepare.__name__}-{change.__name__}".replace("_", " ").strip() for prepare, change in CHANGES],
)
def test_every_change_is_seen(
    repo: Path, calls: Callable[[], list[str]], prepare: Callable[[Path], None], change: Callable[[Path], None]
) -> None:
    prepare(repo)
    before = warm(repo, calls)
    change(repo)
    after = look(repo)
    assert after[:4] != before[:4]
    assert after[:4] == fresh(repo)[:4]
    calls()
    assert warm(repo, calls)[:4] == after[:4]  # the new snapshot vouches for the new state


@pytest.mark.usefixtures("short_window")
def test_before_the_first_commit_and_on_a_detached_head(tmp_path: Path, calls: Callable[[], list[str]]) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, "a.py")
    (root / ".orch").mkdir()
    unborn = warm(root, calls)
    assert (unborn.git_commit, unborn.dirty) == (None, True)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    born = look(root)
    assert (born.git_commit, born.dirty) == (git(root, "rev-parse", "HEAD"), False)
    git(root, "commit", "-q", "--allow-empty", "-m", "second")
    settle()
    look(root)
    git(root, "checkout", "-q", "--detach", "HEAD~1")
    detached = look(root)
    assert detached.git_commit == born.git_commit
    calls()
    assert warm(root, calls)[:4] == detached[:4] == fresh(root)[:4]


@pytest.mark.usefixtures("short_window")
def test_tracked_files_in_the_work_dir_do_not_count(repo: Path, calls: Callable[[], list[str]]) -> None:
    write(repo, ".orch/tracked.txt")
    git(repo, "add", "-f", ".orch")
    git(repo, "commit", "-q", "-m", "a file in the work dir")  # orch then writes its snapshot beside it
    before = warm(repo, calls)
    write(repo, ".orch/tracked.txt", "changed\n")
    assert look(repo)[:4] == before[:4]
    assert calls() == []


@pytest.mark.usefixtures("short_window")
def test_an_edit_asks_git_status_alone(repo: Path, calls: Callable[[], list[str]]) -> None:
    warm(repo, calls)
    _edit(repo)
    settle()
    edited = look(repo)
    assert calls() == ["status"]  # the listing still stands; the dirty flag is asked again
    assert edited.dirty is True


@pytest.mark.usefixtures("short_window")
def test_a_root_below_the_top_sees_gitignore_files_above_it(repo: Path, calls: Callable[[], list[str]]) -> None:
    root = repo / "src"
    write(repo, "src/demo/data.txt")
    (root / ".orch").mkdir()
    before = warm(root, calls)
    write(repo, ".gitignore", "*.log\nignored/\n*.txt\n")
    after = look(root)
    assert (after.files, after[:4]) == (before.files - 1, fresh(root)[:4])


@pytest.mark.usefixtures("short_window")
def test_a_root_below_the_top_sees_the_repository_config(repo: Path, calls: Callable[[], list[str]]) -> None:
    root = repo / "src"
    write(repo, "src/demo/data.txt")
    write(repo, "more-excludes", "*.txt\n")
    (root / ".orch").mkdir()
    before = warm(root, calls)
    git(repo, "config", "core.excludesFile", str(repo / "more-excludes"))
    after = look(root)
    assert (after.files, after[:4]) == (before.files - 1, fresh(root)[:4])


@pytest.mark.usefixtures("short_window")
def test_a_new_global_excludes_file_is_seen(
    repo: Path, calls: Callable[[], list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    write(repo, "src/demo/scratch.py")
    before = warm(repo, calls)
    write(config_home, "git/ignore", "scratch.py\n")
    after = look(repo)
    assert (after.files, after[:4]) == (before.files - 1, fresh(repo)[:4])


@pytest.mark.usefixtures("short_window")
def test_a_nested_repository_is_seen_and_its_snapshot_kept(repo: Path, calls: Callable[[], list[str]]) -> None:
    inner = repo / "vendor" / "lib"
    inner.mkdir(parents=True)
    git(inner, "init", "-q")
    write(inner, "lib.py")
    work = repo / ".orch"

    def parts() -> dict[str, bytes]:
        return SourceScan(repo, cache_file=work / "dist" / ".source-cache.json", exclude=[work]).parts()[0]

    settle()
    parts()
    calls()
    before = parts()
    assert "vendor/lib/lib.py" in before
    assert calls() == []
    write(inner, "more.py")
    after = parts()
    assert set(after) - set(before) == {"vendor/lib/more.py"}


@pytest.mark.usefixtures("short_window")
def test_a_submodule_edit_makes_the_tree_dirty(repo: Path, calls: Callable[[], list[str]], tmp_path: Path) -> None:
    add_submodule(repo, tmp_path / "library", "vendor/lib")
    settle()
    clean = look(repo)
    assert clean.dirty is False
    calls()
    assert look(repo)[:4] == clean[:4]
    assert calls() == []  # the submodule's own snapshot vouches for what git status says of it
    write(repo, "vendor/lib/lib.py", "changed\n")
    assert look(repo).dirty is True
    write(repo, "vendor/lib/lib.py", "content\n")
    settle()
    look(repo)
    git(repo / "vendor/lib", "commit", "-q", "--allow-empty", "-m", "a new commit in the submodule")
    assert look(repo)[:4] == fresh(repo)[:4]
    assert look(repo).dirty is True
    git(repo, "submodule", "deinit", "-q", "-f", "vendor/lib")  # an empty folder, as in a clone without --recursive
    deinit = warm(repo, calls)
    assert deinit[:4] == fresh(repo)[:4]


def test_the_files_of_a_build_ask_git_ls_files_alone(repo: Path, calls: Callable[[], list[str]]) -> None:
    assert source_files(repo, exclude=[repo / ".orch"]) == [".gitignore", "pyproject.toml", "src/demo/__init__.py"]
    assert calls() == ["ls-files"]


def test_a_tree_changed_just_now_keeps_no_snapshot(repo: Path, calls: Callable[[], list[str]]) -> None:
    look(repo)
    look(repo)  # the files of the fixture were written a moment ago: inside the real 2 s window
    assert calls().count("ls-files") == 2


@pytest.mark.usefixtures("short_window")
def test_git_environment_variables_turn_the_snapshot_off(
    repo: Path, calls: Callable[[], list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_INDEX_FILE", str(repo / ".git" / "index"))
    settle()
    look(repo)
    look(repo)
    assert calls().count("ls-files") == 2


@pytest.mark.usefixtures("short_window")
def test_a_broken_snapshot_file_costs_only_time(repo: Path, calls: Callable[[], list[str]]) -> None:
    before = warm(repo, calls)
    snapshot = repo / ".orch" / "dist" / ".source-listing.json"
    stored = json.loads(snapshot.read_text())
    spoiled = [_spoiled(stored, "entries", [1, 2]), _spoiled(stored, "nested", [["one"]])]
    for broken in ("{not json", '{"version": 1, "snapshots": []}', *spoiled):
        snapshot.write_text(broken)
        assert look(repo)[:4] == before[:4]
        assert "ls-files" in calls() or "status" in calls()


def _spoiled(stored: dict[str, Any], field: str, value: object) -> str:
    """The stored snapshot with a value of the wrong shape in ``field``."""
    copy = json.loads(json.dumps(stored))
    for snap in copy["snapshots"].values():
        (snap if field == "entries" else snap["status"])[field] = value
    return json.dumps(copy)


@pytest.mark.usefixtures("short_window")
def test_a_linked_worktree_keeps_a_snapshot_and_sees_its_commits(
    repo: Path, calls: Callable[[], list[str]], tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(tree))
    (tree / ".orch").mkdir()
    before = warm(tree, calls)
    assert before.git_commit == git(repo, "rev-parse", "main")
    write(tree, "src/demo/feature.py")
    git(tree, "add", "src/demo/feature.py")
    git(tree, "commit", "-q", "-m", "feature")
    after = look(tree)
    assert (after.git_commit, after.files) == (git(tree, "rev-parse", "HEAD"), before.files + 1)
    calls()
    assert warm(tree, calls)[:4] == after[:4] == fresh(tree)[:4]


FOLDERS = ("", "src/demo/", "logs/", "empty/", "ignored/", "src/new/")
NAMES = ("a.py", "b.log", "c.txt")
STEPS = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(FOLDERS), st.sampled_from(NAMES), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.sampled_from(FOLDERS), st.sampled_from(NAMES), st.just(0)),
    st.tuples(st.just("rename"), st.sampled_from(FOLDERS), st.sampled_from(NAMES), st.integers(0, 5)),
    st.tuples(st.just("ignore"), st.sampled_from(FOLDERS), st.sampled_from(("*.txt", "*.py", "")), st.just(0)),
    st.tuples(st.sampled_from(("add", "commit", "rm-cached")), st.just(""), st.sampled_from(NAMES), st.just(0)),
)


def _apply(root: Path, step: tuple[str, str, str, int]) -> None:
    kind, folder, name, number = step
    path = root / f"{folder}{name}"
    if kind == "write":
        write(root, f"{folder}{name}", f"{number}\n")
    elif kind == "delete":
        path.unlink(missing_ok=True)
    elif kind == "rename" and path.exists():
        target = root / FOLDERS[number]
        target.mkdir(parents=True, exist_ok=True)
        path.rename(target / f"moved-{name}")
    elif kind == "ignore":
        write(root, f"{folder}.gitignore", f"{name}\n")
    elif kind == "add":
        git(root, "add", "-A")
    elif kind == "commit":
        git(root, "commit", "-q", "--allow-empty", "-am", "step")
    elif kind == "rm-cached":
        git(root, "rm", "-r", "-q", "--cached", "--ignore-unmatch", "src/demo")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=1, max_size=4))
def test_any_sequence_of_changes_gives_what_git_says(
    steps: list[tuple[str, str, str, int]], calls: Callable[[], list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_snapshot, "RACY_SECONDS", WINDOW)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        git(root, "init", "-q", "-b", "main")
        write(root, ".gitignore", "*.log\nignored/\n")
        write(root, "src/demo/__init__.py")
        write(root, "logs/run.log")
        (root / "empty").mkdir()
        (root / ".orch").mkdir()
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "first")
        warm(root, calls)
        for step in steps:
            _apply(root, step)
            assert look(root)[:4] == fresh(root)[:4], step
            settle()
            look(root)  # keeps the snapshot of the new state, which the next step must invalidate


@pytest.mark.usefixtures("short_window")
@pytest.mark.parametrize("dot", ["empty folder", "file naming nothing"])
def test_a_folder_with_a_git_that_is_no_repository_is_looked_into(
    repo: Path, calls: Callable[[], list[str]], dot: str
) -> None:
    """Git lists the files of a folder whose ``.git`` is not a repository as the outer repository's."""
    data = repo / "src" / "demo" / "data"
    if dot == "empty folder":
        (data / ".git").mkdir(parents=True)
    else:
        write(data, ".git", "gitdir: /nonexistent\n")
    write(data, "sub/d.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")
    before = warm(repo, calls)
    write(data, "sub/y.py")  # a folder the snapshot must have watched
    after = look(repo)
    assert (after.files, after[:4]) == (before.files + 1, fresh(repo)[:4])


@pytest.mark.usefixtures("short_window")
def test_a_repository_made_between_the_root_and_the_top_is_seen(repo: Path, calls: Callable[[], list[str]]) -> None:
    root = repo / "src" / "demo"
    (root / ".orch").mkdir()
    warm(root, calls)
    git(repo / "src", "init", "-q")  # the root now belongs to another repository, where nothing is tracked
    after = look(root)
    assert after[:4] == fresh(root)[:4]
    assert after.git_commit is None


@pytest.mark.usefixtures("short_window")
def test_a_config_include_that_appears_later_is_seen(
    repo: Path, calls: Callable[[], list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path, "home/gitconfig", "[include]\n\tpath = inc.cfg\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    write(repo, "src/demo/e_1.py")
    before = warm(repo, calls)
    write(tmp_path, "home/more-excludes", "e_1.py\n")
    write(tmp_path, "home/inc.cfg", f"[core]\n\texcludesFile = {tmp_path / 'home' / 'more-excludes'}\n")
    after = look(repo)
    assert (after.files, after[:4]) == (before.files - 1, fresh(repo)[:4])


@pytest.mark.usefixtures("short_window")
def test_a_snapshot_file_nested_too_deep_or_naming_itself_costs_only_time(
    repo: Path, calls: Callable[[], list[str]]
) -> None:
    before = warm(repo, calls)
    snapshot = repo / ".orch" / "dist" / ".source-listing.json"
    stored = json.loads(snapshot.read_text())
    for snap_key, snap in stored["snapshots"].items():
        top, *skip = snap_key.split("\0")
        snap["status"]["nested"] = [[top, skip]]  # each snapshot among its own nested ones
    for broken in ("[" * 100_000, json.dumps(stored)):
        snapshot.write_text(broken)
        (repo / ".orch" / "dist" / ".source-cache.json").write_text("[" * 100_000)
        assert look(repo)[:4] == before[:4]


def test_a_link_s_target_content_counts(repo: Path, tmp_path: Path) -> None:
    """A build backend packs the file a link points to, so a change there is a change of the sources."""
    outside = write(tmp_path, "outside/a_real.py", "A = 2\n")
    (repo / "src" / "demo" / "a.py").symlink_to(outside)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    before = look(repo)
    outside.write_text("A = 3\n")
    assert look(repo).hash != before.hash


@pytest.mark.usefixtures("short_window")
def test_a_new_file_in_a_submodule_changes_the_sources(
    repo: Path, calls: Callable[[], list[str]], tmp_path: Path
) -> None:
    """git lists a submodule as one folder: its files are hashed too, so a file it gains is a change."""
    add_submodule(repo, tmp_path / "library", "src/demo/vendor")
    before = warm(repo, calls)
    write(repo, "src/demo/vendor/n.py")  # a submodule update that only adds a file
    after = look(repo)
    assert after.hash != before.hash
    assert after.files == before.files + 1
