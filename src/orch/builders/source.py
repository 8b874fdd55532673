"""What the project's sources look like right now, as one hash: the artifact cache's half of the key.

In a git checkout the files are the ones git knows about (tracked, plus untracked ones that are not
ignored), so editor backups and build output listed in ``.gitignore`` never force a rebuild; elsewhere
a walk of the folder that skips the usual caches, envs and build output. Each file adds its relative
path, whether it is executable (or a symlink, with its target) and the sha256 of its content.

Hashing every file on every ``orch run`` would cost more than it saves, so per-file hashes are kept
in a small JSON cache keyed by (size, mtime, ctime, inode): an unchanged tree costs one ``stat`` per
file. A file changed less than :data:`RACY_SECONDS` before it was hashed is not cached, so an edit
that keeps both the size and a coarse timestamp is still seen (git's "racy clean" problem).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from orch.execute import capture

__all__ = ["RACY_SECONDS", "SKIP_DIRS", "SKIP_TOP_DIRS", "SourceState", "source_files", "source_state"]

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
RACY_SECONDS = 2.0

_CHUNK = 1024 * 1024
_CACHE_VERSION = 1
_COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


class SourceState(NamedTuple):
    """The sources' hash and where they came from; ``hashed_files`` counts the files read (cache misses)."""

    hash: str  # sha256 hex over every file's path, mode and content
    files: int
    git_commit: str | None  # HEAD, or None outside git (or before the first commit)
    dirty: bool | None  # changes under the root that HEAD does not have; None outside git
    hashed_files: int = 0


class _Entry(NamedTuple):
    rel: str  # posix path relative to the root
    path: str


def source_state(root: Path, *, cache_file: Path | None = None, exclude: Iterable[Path] = ()) -> SourceState:
    """Hash the sources under ``root``; ``cache_file`` keeps per-file hashes between calls.

    ``exclude`` names folders that are never sources even when git does not ignore them (orch's work
    dir when it lies inside the project), so orch's own output cannot change the hash; the folder of
    ``cache_file`` is one of them. Only folders inside ``root`` count.
    """
    top = os.path.abspath(root)
    entries, commit, dirty = _entries(top, [*exclude, *([] if cache_file is None else [cache_file.parent])])
    cache = _Cache(cache_file, top)
    digest = hashlib.sha256()
    files = 0
    for entry in entries:
        part = _file_part(entry, cache)
        if part is not None:
            digest.update(part)
            files += 1
    cache.save()
    return SourceState(digest.hexdigest(), files, commit, dirty, cache.hashed)


def source_files(root: Path, *, exclude: Iterable[Path] = ()) -> list[str]:
    """The files that make the sources (what :func:`source_state` hashes), relative to ``root``,
    with ``/`` separators: what a package should be built from."""
    entries, _, _ = _entries(os.path.abspath(root), list(exclude))
    return [entry.rel for entry in entries]


def _entries(top: str, folders: list[Path]) -> tuple[list[_Entry], str | None, bool | None]:
    excluded = tuple(path for path in map(os.path.abspath, folders) if _under(path, (top,)) and path != top)
    git = _git_state(top) if _in_git(Path(top)) else None
    if git is not None:
        listed, commit, dirty = git
        return [entry for entry in listed if not _under(entry.path, excluded)], commit, dirty
    return sorted(_walk(top, "", excluded), key=lambda entry: entry.rel), None, None


def _in_git(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def _git_state(top: str) -> tuple[list[_Entry], str | None, bool | None] | None:
    """Git's files, HEAD and dirty flag (the three asked at once); None when git cannot list the files."""
    with ThreadPoolExecutor(3, thread_name_prefix="orch-git") as pool:
        listing = pool.submit(_git, top, "ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard")
        head = pool.submit(_git, top, "rev-parse", "--verify", "-q", "HEAD")
        status = pool.submit(_git, top, "status", "--porcelain", "-z", "--", ".")
    out = listing.result()
    entries = None if out is None else _git_files(top, out)
    if entries is None:
        return None
    commit = (head.result() or b"").decode("ascii", errors="replace").strip()
    changes = status.result()
    return entries, commit if _COMMIT.fullmatch(commit) else None, None if changes is None else bool(changes.strip())


def _git(top: str, *args: str) -> bytes | None:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    outcome = capture(["git", "-C", top, *args], env=env)
    return outcome.tail if outcome.ok else None


def _git_files(top: str, out: bytes) -> list[_Entry] | None:
    """Tracked files plus untracked ones git does not ignore, sorted; None when there are none."""
    entries: dict[str, _Entry] = {}
    for item in out.split(b"\0"):
        if len(item) < 3 or item[1:2] != b" ":  # "H path" (tracked) or "? path" (untracked)
            continue
        rel = os.fsdecode(item[2:]).rstrip("/")  # a nested repository is listed as "dir/"
        if item[:1] == b"?" and _junk(rel):  # untracked build output, caches and envs
            continue
        entries[rel] = _Entry(rel, os.path.join(top, *rel.split("/")))
    if not entries:  # root itself ignored: git knows nothing of these sources, so walk them
        return None
    return [entries[rel] for rel in sorted(entries)]


def _junk(rel: str) -> bool:
    parts = rel.split("/")
    return (
        parts[0] in SKIP_TOP_DIRS
        or any(part in SKIP_DIRS or part.endswith(".egg-info") for part in parts[:-1])
        or parts[-1].endswith(".egg-info")
    )


def _walk(folder: str, prefix: str, excluded: tuple[str, ...]) -> Iterator[_Entry]:
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
            skip = (
                item.name.endswith(".egg-info") or (not prefix and item.name in SKIP_TOP_DIRS) or _env_root(item.path)
            )
            if not (skip or _under(item.path, excluded)):
                yield from _walk(item.path, f"{rel}/", excluded)
        elif is_link and os.path.isdir(item.path):  # symlinked folders are not followed
            continue
        else:
            yield _Entry(rel, item.path)


def _env_root(folder: str) -> bool:
    """A virtual or conda environment (another tool's work dir, a user's venv): never sources."""
    return os.path.exists(os.path.join(folder, "pyvenv.cfg")) or os.path.isdir(os.path.join(folder, "conda-meta"))


def _under(path: str, folders: tuple[str, ...]) -> bool:
    return any(path == folder or path.startswith(folder + os.sep) for folder in folders)


def _file_part(entry: _Entry, cache: _Cache) -> bytes | None:
    """``path\\0mode\\0sha256\\n`` for one file; None for what is not a file (deleted, a submodule)."""
    try:
        info = os.lstat(entry.path)
    except OSError:  # tracked but deleted
        return None
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.readlink(entry.path)
        except OSError:
            return None
        mode, sha = "l", hashlib.sha256(os.fsencode(target)).hexdigest()
    elif stat.S_ISREG(info.st_mode):
        sha_or_none = cache.file_sha(entry.rel, entry.path, info)
        if sha_or_none is None:
            return None
        mode, sha = ("x" if info.st_mode & stat.S_IXUSR else "-"), sha_or_none
    else:
        return None
    return f"{entry.rel}\0{mode}\0{sha}\n".encode("utf-8", errors="surrogateescape")


class _Cache:
    """Per-file sha256 by (size, mtime_ns, ctime_ns, inode), one section per root in a JSON file."""

    def __init__(self, path: Path | None, root: str) -> None:
        self.path = path
        self.root = root
        self.hashed = 0
        self.old: dict[str, list[object]] = {}
        self.new: dict[str, list[object]] = {}
        self.data: dict[str, object] = {}
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
            return
        roots = data.get("roots")
        if isinstance(roots, dict):
            self.data = roots
            section = roots.get(self.root)
            if isinstance(section, dict):
                self.old = section

    def file_sha(self, rel: str, path: str, info: os.stat_result) -> str | None:
        key: list[object] = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        known = self.old.get(rel)
        if isinstance(known, list) and len(known) == 5 and known[:4] == key and isinstance(known[4], str):
            self.new[rel] = known
            return known[4]
        started = time.time_ns()
        sha = _sha256(path)
        if sha is None:
            return None
        self.hashed += 1
        if min(info.st_mtime_ns, info.st_ctime_ns) < started - int(RACY_SECONDS * 1e9):  # an edit changes both
            self.new[rel] = [*key, sha]
        return sha

    def save(self) -> None:
        if self.path is None or self.new == self.old:
            return
        roots = dict(self.data)
        roots[self.root] = self.new
        text = json.dumps({"version": _CACHE_VERSION, "roots": roots}, separators=(",", ":"))
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)  # readers see the old cache or the new one, never half of one
        except OSError:  # a cache we cannot write only costs time
            tmp.unlink(missing_ok=True)


def _sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
