"""Git's answer about the sources, kept with the stats it depended on, so that an unchanged tree asks
git nothing: :func:`orch.builders.source_listing.git_state` checks a :class:`Snapshots` store first.

Git's answer is three things: which files (tracked, plus untracked ones that are not ignored), HEAD,
and whether the tree is dirty. It can only change when one of these stats does:

* the repository's own files: ``HEAD``, the ref it points to (loose, or in ``packed-refs``), the index,
  the ``.git`` file of a worktree, the config files git read and the exclude files (``info/exclude``,
  ``core.excludesFile``);
* every folder git looks into (all but ignored ones, excluded ones and nested repositories): adding,
  removing or renaming a file in a folder changes the folder's mtime; and the ``.gitignore`` files in
  them and in the folders above the root;
* for the dirty flag, also every listed file (an edit changes the file's stat), and the snapshots of
  submodules and nested repositories, whose HEAD and changes ``git status`` reports too.

A part is kept only when all of its stats are older than :data:`RACY_SECONDS` when git was asked, so a
change made in the same clock tick as the stat it would have to change cannot hide (git's "racy clean"
problem). Anything unusual (``GIT_DIR`` and friends, config from the command line, a reftable
repository) keeps no snapshot: git is asked every time then.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from orch.files import write_atomic

RACY_SECONDS = 2.0

_VERSION = 1
COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
# Git reads these to find and configure the repository: with one set, no snapshot is trusted.
_UNSUPPORTED_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_CEILING_DIRECTORIES",
)

Stat = list[int]


class Repo(NamedTuple):
    """Where git keeps a worktree's data: found from the files alone, as git's discovery does."""

    worktree: str  # the folder holding .git (real path)
    gitdir: str  # .git, or a linked worktree's folder under the main .git/worktrees/
    common: str  # the main .git (refs, config, info/exclude)
    prefix: str  # the root relative to the worktree, posix, "" at the top


class Checked(NamedTuple):
    """What a snapshot still vouches for: git's list of files (``git ls-files -t`` items, filtered when
    read, so a change of orch's own rules applies at once), and HEAD with the dirty flag."""

    listing: list[str] | None
    status: tuple[str | None, bool] | None


def stat_of(path: str, *, follow: bool = True) -> Stat | None:
    """What a change to ``path`` changes: mtime, ctime, size, inode, mode; None when it does not exist."""
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino, info.st_mode]


def find_repo(top: str) -> Repo | None:
    """The repository holding ``top``, without asking git; None when git's view may not be the files'."""
    if any(os.environ.get(name) for name in _UNSUPPORTED_ENV):
        return None
    real = os.path.realpath(top)
    folder = real
    while True:
        dot = os.path.join(folder, ".git")
        if os.path.isdir(dot):
            gitdir = dot
            break
        if os.path.isfile(dot):  # a linked worktree or a submodule: "gitdir: <path>"
            text = _read(dot)
            if text is None or not text.startswith("gitdir: "):
                return None
            gitdir = os.path.normpath(os.path.join(folder, text[len("gitdir: ") :].strip()))
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    common_text = _read(os.path.join(gitdir, "commondir"))
    common = gitdir if common_text is None else os.path.normpath(os.path.join(gitdir, common_text.strip()))
    if not os.path.isfile(os.path.join(gitdir, "HEAD")) or os.path.exists(os.path.join(common, "reftable")):
        return None
    prefix = os.path.relpath(real, folder)
    return Repo(folder, gitdir, common, "" if prefix == "." else prefix.replace(os.sep, "/"))


def is_repository(folder: str) -> bool:
    """Whether git takes ``folder`` for a repository of its own: a ``.git`` folder, or a ``gitdir:`` file
    naming one, with a HEAD and objects (its own or its common folder's). An empty ``.git`` or a file
    pointing nowhere is not one: git lists the folder's files as the outer repository's."""
    dot = os.path.join(folder, ".git")
    if os.path.isdir(dot):
        gitdir = dot
    else:
        text = _read(dot) if os.path.isfile(dot) else None
        if text is None or not text.startswith("gitdir: "):
            return False
        gitdir = os.path.normpath(os.path.join(folder, text[len("gitdir: ") :].strip()))
    common_text = _read(os.path.join(gitdir, "commondir"))
    common = gitdir if common_text is None else os.path.normpath(os.path.join(gitdir, common_text.strip()))
    return os.path.isfile(os.path.join(gitdir, "HEAD")) and os.path.isdir(os.path.join(common, "objects"))


def read_head(repo: Repo) -> tuple[str | None, list[str]] | None:
    """HEAD's commit (None on an unborn branch) and the files it was read from; None when unsure."""
    head = os.path.join(repo.gitdir, "HEAD")
    text = (_read(head) or "").strip()
    if COMMIT.fullmatch(text):  # detached
        return text, [head]
    if not text.startswith("ref: refs/"):
        return None
    ref = text[len("ref: ") :].strip()
    own = ref.startswith(("refs/worktree/", "refs/bisect/", "refs/rewritten/"))  # a worktree's own refs
    loose = os.path.join(repo.gitdir if own else repo.common, *ref.split("/"))
    packed = os.path.join(repo.common, "packed-refs")
    files = [head, loose, packed]
    value = _read(loose)
    if value is not None:
        value = value.strip()
        return (value, files) if COMMIT.fullmatch(value) else None
    for line in (_read(packed) or "").splitlines():
        sha, _, name = line.partition(" ")
        if name == ref and COMMIT.fullmatch(sha):
            return sha, files
    return None, files


def config_files(out: bytes, worktree: str) -> tuple[list[str], str | None] | None:
    """The files ``git config --list --show-origin -z`` read (relative ones are below the worktree,
    where git works from) and the last ``core.excludesFile`` (absolute); None when a value came from
    elsewhere than a file (the command line) or is unusable."""
    items = out.split(b"\0")
    files: list[str] = []
    excludes: str | None = None
    for origin, entry in zip(items[0::2], items[1::2]):
        text = os.fsdecode(origin)
        if not text.startswith("file:"):
            return None
        path = os.path.join(worktree, text[len("file:") :])
        if path not in files:
            files.append(path)
        key, _, value = os.fsdecode(entry).partition("\n")
        lowered = key.lower()
        if lowered == "include.path" or (lowered.startswith("includeif.") and lowered.endswith(".path")):
            included = os.path.join(os.path.dirname(path), os.path.expanduser(value))  # may not exist yet
            if included not in files:
                files.append(included)
        if lowered == "core.excludesfile":
            excludes = os.path.expanduser(value)
            if not os.path.isabs(excludes):
                return None
    return files, excludes


def default_files(config_home: str | None) -> list[str]:
    """The config and exclude files git reads when they exist: a new one must be seen too."""
    home = os.path.expanduser("~")
    xdg = config_home or os.path.join(home, ".config")
    found = [
        os.environ.get("GIT_CONFIG_GLOBAL") or os.path.join(home, ".gitconfig"),
        os.path.join(xdg, "git", "config"),
        os.path.join(xdg, "git", "ignore"),
    ]
    if not os.environ.get("GIT_CONFIG_NOSYSTEM"):
        found.append(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
    return found


def folders(top: str, ignored: set[str], excluded: tuple[str, ...]) -> dict[str, Stat | None] | None:
    """The stats of every folder git looks into under ``top`` and of the ``.gitignore`` files in them;
    ``ignored`` are the folders git skips, relative to ``top``. None when one cannot be read."""
    found: dict[str, Stat | None] = {}
    stack = [(top, "")]
    while stack:
        folder, rel = stack.pop()
        found[folder] = stat_of(folder)
        try:
            with os.scandir(folder) as scan:
                items = list(scan)
        except OSError:
            return None
        for item in items:
            if item.name == ".gitignore":
                found[item.path] = stat_of(item.path)
            if item.name == ".git" or not item.is_dir(follow_symlinks=False):
                continue
            inner = f"{rel}{item.name}"
            if inner in ignored or any(item.path == path or item.path.startswith(path + os.sep) for path in excluded):
                continue
            dot = os.path.join(item.path, ".git")
            if os.path.lexists(dot):  # its becoming (or ceasing to be) a repository must be seen
                found[dot] = stat_of(dot)
                if is_repository(item.path):  # a nested repository: git does not look in
                    found[item.path] = stat_of(item.path)
                    continue
            stack.append((item.path, f"{inner}/"))
    return found


def settled(stats: Iterable[Stat | None], started: int) -> bool:
    """Whether every stat was last changed :data:`RACY_SECONDS` before ``started`` (ns)."""
    limit = started - int(RACY_SECONDS * 1e9)
    return all(stat is None or (stat[0] < limit and stat[1] < limit) for stat in stats)


class Snapshots:
    """Git's answers by (root, excluded folders), in one JSON file; ``path`` None keeps nothing."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._data: dict[str, object] | None = None

    def check(self, top: str, excluded: tuple[str, ...], _seen: frozenset[str] = frozenset()) -> Checked:
        """What the stored snapshot of ``top`` still vouches for, from its stats alone."""
        key = _key(top, excluded)
        if key in _seen:  # a snapshot naming itself among its nested ones: not of this orch's making
            return Checked(None, None)
        try:
            return self._check(top, excluded, _seen | {key})
        except (TypeError, ValueError, AttributeError, RecursionError):  # a snapshot file not of this orch's making
            return Checked(None, None)

    def _check(self, top: str, excluded: tuple[str, ...], seen: frozenset[str]) -> Checked:
        snap = self._load().get(_key(top, excluded))
        if not isinstance(snap, dict) or snap.get("env") != _environ():
            return Checked(None, None)
        witness, entries = snap.get("witness"), snap.get("entries")
        if not isinstance(witness, dict) or not isinstance(entries, list) or not _unchanged(witness):
            return Checked(None, None)
        if not all(isinstance(item, str) and len(item) > 2 for item in entries):
            return Checked(None, None)
        status = snap.get("status")
        if isinstance(status, dict) and isinstance(files := status.get("files"), dict):
            commit, dirty = status.get("commit"), status.get("dirty")
            nested = status.get("nested")
            if (
                isinstance(dirty, bool)
                and (commit is None or isinstance(commit, str))
                and isinstance(nested, list)
                and _unchanged(files, False)
                and all(self.check(inner, tuple(skip), seen).status is not None for inner, skip in nested)
            ):
                return Checked(entries, (commit, dirty))
        return Checked(entries, None)

    def record(
        self,
        top: str,
        excluded: tuple[str, ...],
        witness: Mapping[str, Stat | None] | None,
        entries: list[str],
        status: tuple[str | None, bool, Mapping[str, Stat | None], list[tuple[str, tuple[str, ...]]]] | None,
    ) -> None:
        """Keep the listing with its ``witness`` stats (None: keep the stored one, still valid) and,
        when given, HEAD with the dirty flag, the listed files' stats and the submodules and nested
        repositories (root, excluded folders) whose own snapshots must hold too; written at once."""
        data = self._load()
        key = _key(top, excluded)
        if witness is None:
            old = data.get(key)
            if not isinstance(old, dict):
                return
            snap = dict(old)
        else:
            snap = {"env": _environ(), "witness": dict(witness), "entries": entries}
        snap["status"] = None
        if status is not None:
            nested = [[inner, list(skip)] for inner, skip in status[3]]
            snap["status"] = {"commit": status[0], "dirty": status[1], "files": status[2], "nested": nested}
        if data.get(key) == snap:
            return
        data[key] = snap
        if self.path is not None:
            text = json.dumps({"version": _VERSION, "snapshots": data}, separators=(",", ":"))
            with contextlib.suppress(OSError):  # a snapshot we cannot write only costs time
                write_atomic(self.path, text)

    def _load(self) -> dict[str, object]:
        if self._data is None:
            self._data = {}
            if self.path is not None:
                with contextlib.suppress(OSError, ValueError, RecursionError):
                    stored = json.loads(self.path.read_bytes())
                    if isinstance(stored, dict) and stored.get("version") == _VERSION:
                        found = stored.get("snapshots")
                        self._data = found if isinstance(found, dict) else {}
        return self._data


def now() -> int:
    return time.time_ns()


def _unchanged(stats: Mapping[str, object], follow: bool = True) -> bool:
    return all(stat_of(path, follow=follow) == stat for path, stat in stats.items())


def _environ() -> dict[str, str]:
    """What git reads from the environment to find its config: another value, another snapshot."""
    names = [name for name in os.environ if name.startswith("GIT_")] + ["HOME", "XDG_CONFIG_HOME"]
    return {name: os.environ[name] for name in sorted(names) if name in os.environ}


def _key(top: str, excluded: tuple[str, ...]) -> str:
    return "\0".join((top, *sorted(excluded)))


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as stream:
            return stream.read()
    except OSError:
        return None
