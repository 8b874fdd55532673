"""Bytecode shared between envs, so that the first run in a new env does not compile its deps again.

uv installs a wheel's files as hard links into its cache, so the ``pytest`` sources of every env
made from the same wheel are one file (one inode). Python checks a timestamp-based ``.pyc`` only
against its source's modification time and size, and fixes the code's file names when it loads
one, so a ``.pyc`` compiled in one env is valid in every env whose source is the same file. orch
keeps such ``.pyc`` files in a store inside its cache folder, keyed by the source file's identity
(device, inode, size and modification time) and the interpreter's cache tag:

* :func:`share`, after an install: every shared source (a file with more than one link) whose
  ``.pyc`` is missing gets the stored one, linked into its ``__pycache__``;
* :func:`collect`, after the env's first commands: the ``.pyc`` files Python wrote for shared sources
  go into the store (linked, so they take no extra space while an env keeps them), once their
  header matches the source.

Files with one link (the project's own package, anything copied) are left alone. Python replaces a
``.pyc`` it rewrites instead of writing into it, so a stale or foreign entry costs at most a
compilation, never a wrong result. ``ORCH_SHARE_BYTECODE=0`` turns both steps off.
"""

from __future__ import annotations

import os
import re
import struct
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orch.paths import cache_dir

if TYPE_CHECKING:
    from orch.envs.interpreter import Interpreter

PENDING = ".orch-bytecode"  # in the env folder: set by share(), the next collect() clears it
_PYC = re.compile(r"(?P<stem>.+)\.(?P<tag>[a-z]+-?\d+)\.pyc")
_PRUNE_EVERY = 24 * 3600.0
_PRUNE_AFTER = 30 * 24 * 3600.0  # a stored file no env has linked for this long is dropped


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return environ.get("ORCH_SHARE_BYTECODE", "1").strip().lower() not in ("0", "false", "no", "off")


def store_dir(environ: Mapping[str, str] | None = None) -> Path:
    return cache_dir(environ) / "bytecode"


def cache_tag(implementation: str, major: int, minor: int) -> str | None:
    """``sys.implementation.cache_tag`` of a Python (``cpython-312``, ``pypy310``), if known."""
    if implementation == "cpython":
        return f"cpython-{major}{minor}"
    if implementation == "pypy":
        return f"pypy{major}{minor}"
    return None


def interpreter_tag(interpreter: Interpreter | None) -> str | None:
    """:func:`cache_tag` of ``interpreter``; ``None`` for no interpreter."""
    if interpreter is None:
        return None
    return cache_tag(interpreter.implementation, *interpreter.version[:2])


def after_install(
    env_dir: Path, tag: str | None, log: Path | None = None, environ: Mapping[str, str] | None = None
) -> int:
    """:func:`share` for a backend that just installed into ``env_dir`` for a Python with cache tag ``tag``;
    0 when sharing is off or impossible (no tag). Says in ``log`` how many compiled files came from the store.
    """
    if tag is None or not enabled(environ):
        return 0
    try:
        store = store_dir(environ)
        linked = share(env_dir, tag, store)
        if log is not None:
            with log.open("a", encoding="utf-8") as stream:
                stream.write(f"orch: linked {linked} compiled files ({tag}) from {store}\n")
    except OSError:
        return 0
    return linked


def after_run(env_dir: Path, tag: str | None, environ: Mapping[str, str] | None = None) -> int | None:
    """:func:`collect` after an env's commands ran; ``None`` when there was nothing to do."""
    if tag is None or not enabled(environ):
        return None
    try:
        return collect(env_dir, tag, store_dir(environ))
    except OSError:
        return None


def share(env_dir: Path, tag: str, store: Path) -> int:
    """Link stored ``.pyc`` files into the env for its shared sources; return how many.

    Marks the env (:data:`PENDING`) so that the next :func:`collect` stores what its first run compiles.
    """
    linked = 0
    tag_store = os.path.join(store, tag)
    if os.path.isdir(tag_store):
        suffix = f".{tag}.pyc"
        for folder, sources, existing in _source_folders(env_dir):
            cache = os.path.join(folder, "__pycache__")
            for source_file in sources:
                pyc_name = source_file.name[:-3] + suffix
                if existing is not None and pyc_name in existing:
                    continue
                source = _shared_stat(source_file.path)
                if source is None:
                    continue
                entry = _entry(tag_store, source)
                if existing is None:  # no __pycache__ yet: made once, and only for a file to link
                    if not os.path.exists(entry) or not _make_dir(cache):
                        continue
                    existing = set()
                try:  # fails when the store has no entry, when raced by Python writing it, across file systems
                    os.link(entry, f"{cache}{os.sep}{pyc_name}")  # not os.path.join: this loop is the cost
                except OSError:
                    continue
                linked += 1
    (env_dir / PENDING).touch()
    return linked


def collect(env_dir: Path, tag: str, store: Path, *, now: float | None = None) -> int | None:
    """Store the ``.pyc`` files Python wrote for the env's shared sources; return how many.

    Does nothing (``None``) unless :func:`share` marked the env since the last collection.
    """
    marker = env_dir / PENDING
    if not marker.exists():
        return None
    stored = 0
    tag_store = os.path.join(store, tag)
    for folder, _, existing in _source_folders(env_dir):
        cache = os.path.join(folder, "__pycache__")
        for pyc_name in existing or ():
            match = _PYC.fullmatch(pyc_name)
            if match is None or match["tag"] != tag:
                continue
            pyc = os.path.join(cache, pyc_name)
            try:
                pyc_stat = os.stat(pyc)
            except OSError:
                continue
            if pyc_stat.st_nlink > 1:
                continue  # linked from the store already
            source = _shared_stat(os.path.join(folder, f"{match['stem']}.py"))
            if source is None or not _header_matches(pyc, source):
                continue
            entry = _entry(tag_store, source)
            try:
                os.makedirs(os.path.dirname(entry), exist_ok=True)
                os.link(pyc, entry)
            except FileExistsError:
                continue
            except OSError:  # another file system: sharing cannot work there, stop trying
                break
            stored += 1
    marker.unlink(missing_ok=True)
    prune(store, now=now)
    return stored


def prune(store: Path, *, now: float | None = None) -> int:
    """Drop stored files no env links any more (one link) and none has linked for 30 days.

    Runs at most once a day (``store/.pruned`` remembers when); returns how many were removed.
    """
    now = time.time() if now is None else now
    stamp = store / ".pruned"
    try:
        if now - stamp.stat().st_mtime < _PRUNE_EVERY:
            return 0
    except FileNotFoundError:
        pass
    removed = 0
    for root, _dirs, files in os.walk(store):
        for name in files:
            path = Path(root, name)
            try:
                info = path.stat()
                # ctime changes whenever a link is added or removed: the last time an env took or dropped it.
                if name.endswith(".pyc") and info.st_nlink == 1 and now - info.st_ctime > _PRUNE_AFTER:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
    store.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    os.utime(stamp, (now, now))
    return removed


def _source_folders(env_dir: Path) -> Iterator[tuple[str, list[os.DirEntry[str]], set[str] | None]]:
    """Every folder under the env's ``lib`` (``Lib`` on Windows) with the ``.py`` files in it and the names in
    its ``__pycache__`` (``None`` when there is none). Symbolic links to folders are not followed, as ``os.walk``.
    """
    folders = [top for top in (os.path.join(env_dir, "lib"), os.path.join(env_dir, "Lib")) if os.path.isdir(top)]
    if len(folders) == 2 and os.path.samefile(*folders):  # a file system that ignores case: one folder
        folders.pop()
    while folders:
        folder = folders.pop()
        sources: list[os.DirEntry[str]] = []
        has_cache = False
        for entry in _scan(folder):
            if not _is_dir(entry):
                if entry.name.endswith(".py"):
                    sources.append(entry)
            elif entry.name == "__pycache__":
                has_cache = True
            elif not entry.is_symlink():
                folders.append(entry.path)
        if sources:
            yield folder, sources, _names(os.path.join(folder, "__pycache__")) if has_cache else None


def _scan(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _names(folder: str) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _make_dir(folder: str) -> bool:
    """Whether ``folder`` exists (as ``Path.mkdir(exist_ok=True)``: a file there is for the link to fail on)."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except OSError:
        return False
    return True


def _shared_stat(path: str) -> os.stat_result | None:
    """The source's stat when it is a regular file with more than one link (shared with a cache)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info if info.st_nlink > 1 else None


def _entry(tag_store: str, source: os.stat_result) -> str:
    key = f"{source.st_dev:x}-{source.st_ino:x}-{source.st_size:x}-{source.st_mtime_ns:x}"
    return f"{tag_store}{os.sep}{key[-2:]}{os.sep}{key}.pyc"


def _header_matches(pyc: str, source: os.stat_result) -> bool:
    """Whether ``pyc`` is a timestamp-based ``.pyc`` of a file with ``source``'s mtime and size (PEP 552)."""
    try:
        with open(pyc, "rb") as stream:
            header = stream.read(16)
    except OSError:
        return False
    if len(header) < 16:
        return False
    flags, mtime, size = struct.unpack("<4xIII", header)
    return bool(flags == 0) and mtime == int(source.st_mtime) & 0xFFFFFFFF and size == source.st_size & 0xFFFFFFFF
