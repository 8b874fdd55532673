"""What the project's sources look like right now, as one hash: the artifact cache's half of the key.

Which files count: before a packagedef's first build, every source file. In a git checkout those
are the ones git knows about (tracked, plus untracked ones that are not ignored), so editor backups
and build output listed in ``.gitignore`` never force a rebuild; elsewhere a walk of the folder that
skips the usual caches, envs and build output. Once a package was built, only what goes into it
(:mod:`orch.builders.package_files`): its files, every file under the top-level folders holding
them, and the build config; so ``.coverage`` or ``htmlcov/`` written by a command never rebuild it.
Each file adds its relative path, whether it is executable (or a symlink, with its target) and the
sha256 of its content.

Hashing every file on every ``orch run`` would cost more than it saves, so per-file hashes are kept
in a small JSON cache keyed by (size, mtime, ctime, inode): an unchanged tree costs one ``stat`` per
file. A file changed less than :data:`RACY_SECONDS` before it was hashed is not cached, so an edit
that keeps both the size and a coarse timestamp is still seen (git's "racy clean" problem). Git's
list of files, HEAD and the dirty flag are kept the same way, with the stats they depend on
(:mod:`orch.builders.source_snapshot`): an unchanged checkout starts no ``git`` process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from orch.builders.package_files import PackageFiles, covers, is_config, of_build
from orch.builders.source_listing import Entry, in_git, junk, list_entries, under, walk
from orch.builders.source_snapshot import RACY_SECONDS, Snapshots
from orch.files import write_atomic

__all__ = [
    "RACY_SECONDS",
    "SourceScan",
    "SourceState",
    "source_files",
    "source_state",
]

_CHUNK = 1024 * 1024
_CACHE_VERSION = 1


class SourceState(NamedTuple):
    """The sources' hash and where they came from; ``hashed_files`` counts the files read (cache misses)."""

    hash: str  # sha256 hex over every file's path, mode and content
    files: int
    git_commit: str | None  # HEAD, or None outside git (or before the first commit)
    dirty: bool | None  # changes under the root that HEAD does not have; None outside git
    hashed_files: int = 0


def source_state(root: Path, *, cache_file: Path | None = None, exclude: Iterable[Path] = ()) -> SourceState:
    """Hash every source file under ``root``; ``cache_file`` keeps per-file hashes between calls.

    ``exclude`` names folders that are never sources even when git does not ignore them (orch's work
    dir when it lies inside the project), so orch's own output cannot change the hash; the folder of
    ``cache_file`` is one of them. Only folders inside ``root`` count.
    """
    return SourceScan(root, cache_file=cache_file, exclude=exclude).state()


def source_files(root: Path, *, exclude: Iterable[Path] = ()) -> list[str]:
    """The files that make the sources (what :func:`source_state` hashes), relative to ``root``,
    with ``/`` separators: what a package should be built from."""
    entries, _, _ = list_entries(os.path.abspath(root), list(exclude), files_only=True)
    return [entry.rel for entry in entries]


class SourceScan:
    """One look at the sources, shared by the packagedefs of a run; safe to use from several threads.

    :meth:`state` hashes every source file, or, given what went into a package, only the files that
    can change it. A file is hashed once per scan: a hash asked for again after a build (to key the
    new artifact) is the one taken before it, so an edit made while the backend ran is seen next time.
    """

    def __init__(self, root: Path, *, cache_file: Path | None = None, exclude: Iterable[Path] = ()) -> None:
        self.top = os.path.abspath(root)
        folders = [*exclude, *([] if cache_file is None else [cache_file.parent])]
        self._excluded = tuple(
            path for path in map(os.path.abspath, folders) if under(path, (self.top,)) and path != self.top
        )
        self._lock = threading.Lock()
        self._cache = _Cache(cache_file, self.top)
        self._snapshots = Snapshots(None if cache_file is None else cache_file.with_name(".source-listing.json"))
        self._git = in_git(Path(self.top))
        self._listing: tuple[list[Entry], str | None, bool | None] | None = None
        self._parts: dict[str, bytes | None] = {}
        self._states: dict[PackageFiles | None, SourceState] = {}

    def state(self, package: PackageFiles | None = None) -> SourceState:
        """The hash of every source file, or (given ``package``) of those :func:`covers` says count; a
        submodule or nested repository that counts counts with its files, as :meth:`parts` lists them."""
        with self._lock:
            known = self._states.get(package)
            if known is not None:
                return known
            before = self._cache.hashed
            entries, commit, dirty = self._chosen(package)
            digest = hashlib.sha256()
            files = 0
            for entry in entries:
                part = self._part(entry)
                inner = [entry] if part is not None else self._nested(entry)  # a submodule: its files
                for file in inner:
                    if (part := self._part(file)) is not None:
                        digest.update(part)
                        files += 1
            self._cache.save(full=package is None)
            state = SourceState(digest.hexdigest(), files, commit, dirty, self._cache.hashed - before)
            self._states[package] = state
            return state

    def parts(self) -> tuple[dict[str, bytes], str | None, bool | None]:
        """Every listed source file's ``path\\0mode\\0sha256`` line by its relative path, HEAD and the
        dirty flag: what the result cache filters and hashes (:mod:`orch.schedule.resultkey`).

        A git submodule or a nested repository is listed by git as one entry, a folder: its files are
        listed as its own git lists them (tracked, dirty or untracked but not ignored), else walked,
        and hashed as they are on disk, so a new commit checked out in it or an edit there counts."""
        with self._lock:
            entries, commit, dirty = self._listed()
            parts: dict[str, bytes] = {}
            for entry in entries:
                part = self._part(entry)
                if part is not None:
                    parts[entry.rel] = part
                    continue
                for file in self._nested(entry):  # not a file: a folder is a submodule or a nested repository
                    if (inner := self._part(file)) is not None:
                        parts[file.rel] = inner
            self._cache.save(full=True)
            return parts, commit, dirty

    def package_parts(self, source_hash: str) -> dict[str, bytes] | None:
        """The ``path\\0mode\\0sha256`` lines of the files whose :meth:`state` this scan found to be
        ``source_hash`` (the ``source_hash`` of an artifact's provenance: the files its key covers);
        None when this scan computed no such state (an artifact from elsewhere)."""
        with self._lock:
            found = [package for package, state in self._states.items() if state.hash == source_hash]
            if not found:
                return None
            entries = self._chosen(found[0])[0]
            return {entry.rel: part for entry in entries if (part := self._part(entry)) is not None}

    def package_files(self, out_dir: Path, artifact: Path) -> PackageFiles | None:
        """What went into the package built in ``out_dir`` (see :func:`~orch.builders.package_files.of_build`)."""
        with self._lock:
            entries, _, _ = self._listed()
        known = [entry.rel for entry in entries]
        return of_build(out_dir, artifact, Path(self.top), known, self._keep)

    def _chosen(self, package: PackageFiles | None) -> tuple[list[Entry], str | None, bool | None]:
        """The files :meth:`state` hashes for ``package`` (every listed one for None)."""
        if package is None or self._git:
            entries, commit, dirty = self._listed()
        else:
            entries, commit, dirty = self._walk_folders(package.folders), None, None
        return (entries if package is None else self._covered(entries, package)), commit, dirty

    def _nested(self, entry: Entry) -> list[Entry]:
        """``entry`` itself, or, when it is a folder (a submodule, a nested repository), its files."""
        if not os.path.isdir(entry.path) or os.path.islink(entry.path):
            return [entry]
        git = os.path.exists(os.path.join(entry.path, ".git"))
        inner, _, _ = list_entries(
            entry.path, [Path(path) for path in self._excluded], git=git, snapshots=self._snapshots
        )
        found: list[Entry] = []
        for file in inner:
            found.extend(self._nested(Entry(f"{entry.rel}/{file.rel}", file.path)))
        return found

    def _listed(self) -> tuple[list[Entry], str | None, bool | None]:
        if self._listing is None:
            excluded = [Path(path) for path in self._excluded]
            self._listing = list_entries(self.top, excluded, git=self._git, snapshots=self._snapshots)
        return self._listing

    def _walk_folders(self, folders: Iterable[str]) -> list[Entry]:
        entries: list[Entry] = []
        for folder in folders:
            path = os.path.join(self.top, *folder.split("/"))
            if os.path.isdir(path) and not os.path.islink(path) and not under(path, self._excluded):
                entries.extend(walk(path, f"{folder}/", self._excluded))
        return entries

    def _covered(self, listed: list[Entry], package: PackageFiles) -> list[Entry]:
        """The listed files ``package`` covers, its own files (listed or not: git may ignore one), the config."""
        chosen = {entry.rel: entry for entry in listed if covers(package, entry.rel)}
        for rel in package.files:
            chosen.setdefault(rel, Entry(rel, os.path.join(self.top, *rel.split("/"))))
        try:
            with os.scandir(self.top) as scan:
                tops = [item.name for item in scan if is_config(item.name) and not item.is_dir()]
        except OSError:
            tops = []
        for name in tops:
            chosen.setdefault(name, Entry(name, os.path.join(self.top, name)))
        return [chosen[rel] for rel in sorted(chosen) if not under(chosen[rel].path, self._excluded)]

    def _part(self, entry: Entry) -> bytes | None:
        if entry.rel not in self._parts:
            self._parts[entry.rel] = _file_part(entry, self._cache)
        return self._parts[entry.rel]

    def _keep(self, rel: str) -> bool:
        """Whether ``rel`` is a file of the sources on disk (a packaged file must be one)."""
        path = os.path.join(self.top, *rel.split("/"))
        return os.path.isfile(path) and not junk(rel, untracked=False) and not under(path, self._excluded)


def _file_part(entry: Entry, cache: _Cache) -> bytes | None:
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
        try:
            followed: os.stat_result | None = os.stat(entry.path)
        except OSError:  # a dangling link: its target's name alone
            followed = None
        # a build backend packs the file a link points to, so its content counts, wherever it lives
        content = cache.file_sha(entry.rel, entry.path, followed) if followed and stat.S_ISREG(followed.st_mode) else ""
        mode, sha = "l", hashlib.sha256(os.fsencode(target) + b"\0" + (content or "").encode()).hexdigest()
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
        self.saved: dict[str, list[object]] = dict(self.old)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):  # RecursionError: a file nested too deep, not ours
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

    def save(self, *, full: bool = True) -> None:
        """Write the hashes seen; ``full=False`` (only some files were looked at) keeps the others'."""
        section = self.new if full else {**self.old, **self.new}
        if self.path is None or section == self.saved:
            return
        self.saved = dict(section)
        roots = dict(self.data)
        roots[self.root] = section
        text = json.dumps({"version": _CACHE_VERSION, "roots": roots}, separators=(",", ":"))
        with contextlib.suppress(OSError):  # a cache we cannot write only costs time
            write_atomic(self.path, text)


def _sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
