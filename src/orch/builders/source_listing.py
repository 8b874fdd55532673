"""Which files are the project's sources: git's list (tracked files and the untracked ones it does
not ignore, with submodules and nested repositories opened), or a walk of the folder without git.
:mod:`orch.builders.source` hashes what this lists.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

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
_COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


class Entry(NamedTuple):
    rel: str  # posix path relative to the root
    path: str


def list_entries(
    top: str, folders: list[Path], *, git: bool | None = None
) -> tuple[list[Entry], str | None, bool | None]:
    excluded = tuple(path for path in map(os.path.abspath, folders) if under(path, (top,)) and path != top)
    listed = git_state(top, excluded) if (in_git(Path(top)) if git is None else git) else None
    if listed is not None:
        entries, commit, dirty = listed
        return [entry for entry in entries if not under(entry.path, excluded)], commit, dirty
    return sorted(walk(top, "", excluded), key=lambda entry: entry.rel), None, None


def in_git(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def git_state(top: str, excluded: tuple[str, ...] = ()) -> tuple[list[Entry], str | None, bool | None] | None:
    """Git's files, HEAD and dirty flag (the three asked at once); None when git cannot list the files.

    The excluded folders (orch's work dir) do not make the sources dirty."""
    skip = [f":(exclude){os.path.relpath(path, top).replace(os.sep, '/')}" for path in excluded]
    with ThreadPoolExecutor(3, thread_name_prefix="orch-git") as pool:
        listing = pool.submit(git, top, "ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard")
        head = pool.submit(git, top, "rev-parse", "--verify", "-q", "HEAD")
        status = pool.submit(git, top, "status", "--porcelain", "-z", "--", ".", *skip)
    out = listing.result()
    entries = None if out is None else git_files(top, out)
    if entries is None:
        return None
    commit = (head.result() or b"").decode("ascii", errors="replace").strip()
    changes = status.result()
    return entries, commit if _COMMIT.fullmatch(commit) else None, None if changes is None else bool(changes.strip())


def git(top: str, *args: str) -> bytes | None:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    outcome = capture(["git", "-C", top, *args], env=env)
    return outcome.tail if outcome.ok else None


def git_files(top: str, out: bytes) -> list[Entry] | None:
    """Tracked files plus untracked ones git does not ignore, sorted; None when there are none."""
    entries: dict[str, Entry] = {}
    for item in out.split(b"\0"):
        if len(item) < 3 or item[1:2] != b" ":  # "H path" (tracked) or "? path" (untracked)
            continue
        rel = os.fsdecode(item[2:]).rstrip("/")  # a nested repository is listed as "dir/"
        if item[:1] == b"?" and junk(rel):  # untracked build output, caches and envs
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
