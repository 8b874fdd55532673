"""Which files are the project's sources: git's list (tracked files and the untracked ones it does
not ignore, with submodules and nested repositories opened), or a walk of the folder without git.
:mod:`orch.builders.source` hashes what this lists.
"""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from orch.builders.source_snapshot import (
    COMMIT,
    Checked,
    Repo,
    Snapshots,
    Stat,
    config_files,
    default_files,
    find_repo,
    folders,
    now,
    read_head,
    settled,
    stat_of,
)
from orch.execute import capture

# Never part of the sources: VCS data, orch/tox/nox work dirs, virtual envs, tool caches.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".orch",
        ".tox",
        ".nox",
        "__pycache__",
        ".venv",
        "venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "node_modules",
    }
)
# Build output, skipped only at the top of the project: ``src/pkg/build/`` may well be a subpackage.
SKIP_TOP_DIRS = frozenset({"build", "dist"})


class Entry(NamedTuple):
    rel: str  # posix path relative to the root
    path: str


def list_entries(
    top: str,
    folders: list[Path],
    *,
    git: bool | None = None,
    snapshots: Snapshots | None = None,
    files_only: bool = False,
) -> tuple[list[Entry], str | None, bool | None]:
    """The source files, HEAD and the dirty flag (``files_only``: the files alone, HEAD and dirty None)."""
    excluded = tuple(path for path in map(os.path.abspath, folders) if under(path, (top,)) and path != top)
    in_repo = in_git(Path(top)) if git is None else git
    listed = git_state(top, excluded, snapshots, files_only=files_only) if in_repo else None
    if listed is not None:
        return listed
    return sorted(walk(top, "", excluded), key=lambda entry: entry.rel), None, None


def in_git(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def git_state(
    top: str, excluded: tuple[str, ...] = (), snapshots: Snapshots | None = None, *, files_only: bool = False
) -> tuple[list[Entry], str | None, bool | None] | None:
    """Git's files, HEAD and dirty flag; None when git cannot list the files. The excluded folders
    (orch's work dir) do not make the sources dirty.

    With ``snapshots``, what they still vouch for is not asked again (see :mod:`orch.builders.source_snapshot`):
    an unchanged tree starts no process, an edited file only ``git status``. ``files_only`` (without
    ``snapshots``): ``git ls-files`` alone, and HEAD and the dirty flag are None."""
    known = Checked(None, None) if snapshots is None else snapshots.check(top, excluded)
    if known.listing is not None and known.status is not None:
        return _kept(top, git_files(top, known.listing), excluded), *known.status
    repo = None if snapshots is None else find_repo(top)
    head = None if repo is None else read_head(repo)
    started = now()
    skip = [f":(exclude){os.path.relpath(path, top).replace(os.sep, '/')}" for path in excluded]
    fresh = known.listing is None
    from concurrent.futures import ThreadPoolExecutor  # not imported when no process starts

    with ThreadPoolExecutor(3, thread_name_prefix="orch-git") as pool:
        listing = pool.submit(git, top, "ls-files", *_LS_FILES) if fresh else None
        asked = snapshots is not None or not files_only  # a snapshot needs the ignored folders
        status = pool.submit(git, top, "status", *_STATUS, "--", ".", *skip) if asked else None
        config = pool.submit(git, top, "config", "--list", "--show-origin", "-z") if fresh and head else None
    if known.listing is not None:
        items = known.listing
    else:
        out = None if listing is None else listing.result()
        items = [] if out is None else ls_items(out)
    listed = git_files(top, items)
    if listed is None:
        return None
    entries = _kept(top, listed, excluded)
    parsed = None if status is None else _parse_status(status.result(), "" if repo is None else repo.prefix)
    if parsed is None:
        return entries, None, None
    commit, dirty, ignored = parsed
    if snapshots is not None and repo is not None and head is not None and head[0] == commit:
        witness = None
        if fresh:  # the listing's own stats, when they are settled
            found = None if config is None else config_files(config.result() or b"", repo.worktree)
            witness = None if found is None else _witness(repo, head[1], top, excluded, ignored, *found)
            if witness is None or not settled(witness.values(), started):
                return entries, commit, dirty
        files = {entry.path: stat_of(entry.path, follow=False) for entry in entries}
        dirs = [path for path, stat in files.items() if stat is not None and stat_mod.S_ISDIR(stat[4])]
        repos = [path for path in dirs if os.path.lexists(os.path.join(path, ".git"))]  # else not checked out
        nested = [(path, tuple(skip for skip in excluded if under(skip, (path,)))) for path in repos]
        vouched = all(_vouched(snapshots, path, skip) for path, skip in nested)
        kept = (commit, dirty, files, nested) if vouched and settled(files.values(), started) else None
        snapshots.record(top, excluded, witness, items, kept)
    return entries, commit, dirty


_LS_FILES = ("-z", "-t", "--cached", "--others", "--exclude-standard")


def _vouched(snapshots: Snapshots, top: str, excluded: tuple[str, ...]) -> bool:
    """Whether the snapshot of a submodule or nested repository (what the outer ``git status`` reports
    of it: its HEAD, its changes) holds; git is asked once to keep one. (A submodule not checked out
    is an empty folder: its own stat, among the listed files', is its witness.)"""
    if snapshots.check(top, excluded).status is None:
        git_state(top, excluded, snapshots)
    return snapshots.check(top, excluded).status is not None


# HEAD (``# branch.oid``), every change (the dirty flag) and the folders git skips as ignored.
_STATUS = ("--porcelain=v2", "-z", "--branch", "--ignored=matching", "--untracked-files=all")


def _parse_status(out: bytes | None, prefix: str) -> tuple[str | None, bool, set[str]] | None:
    """HEAD, the dirty flag and the ignored folders (relative to the root) of ``git status``'s porcelain v2."""
    if out is None:
        return None
    commit: str | None = None
    dirty = False
    ignored: set[str] = set()
    start = f"{prefix}/" if prefix else ""
    records = iter(out.split(b"\0"))
    for record in records:
        text = os.fsdecode(record)
        if text.startswith("# branch.oid "):
            oid = text[len("# branch.oid ") :]
            commit = oid if COMMIT.fullmatch(oid) else None
        elif text.startswith("! "):
            if text.endswith("/") and text.startswith(start, 2):
                ignored.add(text[2 + len(start) : -1])
        elif text[:2] in ("1 ", "2 ", "u ", "? "):
            dirty = True
            if text.startswith("2 "):  # a rename: its original path follows
                next(records, None)
    return commit, dirty, ignored


def _witness(
    repo: Repo,
    head_files: list[str],
    top: str,
    excluded: tuple[str, ...],
    ignored: set[str],
    config: list[str],
    excludes_file: str | None,
) -> dict[str, Stat | None] | None:
    """The stats git's listing depends on (see :mod:`orch.builders.source_snapshot`)."""
    paths = [
        *head_files,
        os.path.join(repo.gitdir, "index"),
        os.path.join(repo.common, "config"),
        os.path.join(repo.gitdir, "config.worktree"),
        os.path.join(repo.gitdir, "info", "sparse-checkout"),
        os.path.join(repo.common, "info", "exclude"),
        *config,
        *default_files(os.environ.get("XDG_CONFIG_HOME")),
        *([] if excludes_file is None else [excludes_file]),
    ]
    if os.path.isfile(os.path.join(repo.worktree, ".git")):  # a linked worktree's pointer to its data
        paths.append(os.path.join(repo.worktree, ".git"))
    folder = os.path.realpath(top)
    while folder != repo.worktree and os.path.dirname(folder) != folder:  # the folders above the root:
        paths.append(os.path.join(folder, ".git"))  # a `git init` between the root and the top makes another repo
        folder = os.path.dirname(folder)
        paths.append(os.path.join(folder, ".gitignore"))
    inside = folders(top, ignored, excluded)
    return None if inside is None else {**{path: stat_of(path) for path in paths}, **inside}


def _kept(top: str, entries: list[Entry] | None, excluded: tuple[str, ...]) -> list[Entry]:
    """The entries outside the excluded folders, tracked ones included (orch writes its work dir)."""
    return [entry for entry in entries or () if not under(entry.path, excluded)]


def git(top: str, *args: str) -> bytes | None:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    outcome = capture(["git", "-C", top, *args], env=env)
    return outcome.tail if outcome.ok else None


def ls_items(out: bytes) -> list[str]:
    """``git ls-files -t -z``'s items: ``H path`` (tracked) or ``? path`` (untracked), what a snapshot keeps."""
    return [os.fsdecode(item) for item in out.split(b"\0") if len(item) >= 3 and item[1:2] == b" "]


def git_files(top: str, items: list[str]) -> list[Entry] | None:
    """Tracked files plus untracked ones git does not ignore, sorted; None when there are none."""
    entries: dict[str, Entry] = {}
    for item in items:
        rel = item[2:].rstrip("/")  # a nested repository is listed as "dir/"
        if item[0] == "?" and junk(rel):  # untracked build output, caches and envs
            continue
        entries[rel] = Entry(rel, os.path.join(top, *rel.split("/")))
    if not entries:  # root itself ignored: git knows nothing of these sources, so walk them
        return None
    return [entries[rel] for rel in sorted(entries)]


def junk(rel: str, *, untracked: bool = True) -> bool:
    """Build output, caches, envs; ``untracked=False`` leaves top-level ``build/`` and ``dist/`` in
    (a packaged file may live there)."""
    parts = rel.split("/")
    return (
        (untracked and parts[0] in SKIP_TOP_DIRS)
        or any(part in SKIP_DIRS or part.endswith(".egg-info") for part in parts[:-1])
        or parts[-1].endswith(".egg-info")
    )


def walk(folder: str, prefix: str, excluded: tuple[str, ...]) -> Iterator[Entry]:
    try:
        with os.scandir(folder) as scan:
            items = list(scan)
    except OSError:
        return
    for item in items:
        if item.name in SKIP_DIRS:  # also a worktree's ".git" file
            continue
        rel = f"{prefix}{item.name}"
        try:
            is_dir = item.is_dir(follow_symlinks=False)
            is_link = item.is_symlink()
        except OSError:
            continue
        if is_dir:
            skip = item.name.endswith(".egg-info") or (not prefix and item.name in SKIP_TOP_DIRS) or env_root(item.path)
            if not (skip or under(item.path, excluded)):
                yield from walk(item.path, f"{rel}/", excluded)
        elif is_link and os.path.isdir(item.path):  # symlinked folders are not followed
            continue
        else:
            yield Entry(rel, item.path)


def env_root(folder: str) -> bool:
    """A virtual or conda environment (another tool's work dir, a user's venv): never sources."""
    return os.path.exists(os.path.join(folder, "pyvenv.cfg")) or os.path.isdir(os.path.join(folder, "conda-meta"))


def under(path: str, folders: tuple[str, ...]) -> bool:
    return any(path == folder or path.startswith(folder + os.sep) for folder in folders)
