"""The result cache on disk: one JSON file per passed env, named by its key, under ``<cache_dir>/results``.

``<cache_dir>`` is ``$ORCH_CACHE_DIR`` (else ``~/.cache/orch``: see :func:`orch.paths.cache_dir`), the
folder CI saves and restores. An entry holds the key and its parts, the env's name, when it passed,
how long it took, each command's exit code and duration, the end of its log (already masked) and the
provenance: the git commit (and whether the checkout was dirty) and the hash of the env's config.

Entries are written atomically (a temporary file, then :func:`os.replace`), so a reader, another orch
or another machine sharing the folder, sees a whole entry or none. A hit touches the entry's mtime.

Expiry (:func:`prune`, after a run stored something): an entry not used for :data:`MAX_AGE_DAYS` days
is removed, and so is a corrupt one, then the least recently used ones until the folder holds at most
:data:`MAX_BYTES`. ``ORCH_RESULT_CACHE_MAX_AGE_DAYS`` and ``ORCH_RESULT_CACHE_MAX_MB`` change both
limits (a value that is not a number of at least 0 is warned about, and the default used).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from orch.files import write_atomic

FORMAT = 1
FOLDER = "results"
MAX_AGE_DAYS = 30.0
MAX_BYTES = 200 * 1024 * 1024
LOG_BYTES = 64 * 1024  # the end of the log an entry keeps
_NAME = re.compile(r"[0-9a-f]{64}\.json")


class Entry(NamedTuple):
    """One stored result and its file; a ``corrupt`` one (not a JSON object of its key: a disk that
    filled up, a hand edit) has no data, is a miss, and is removed by ``orch cache clear`` and expiry."""

    path: Path
    data: Mapping[str, object]
    size: int
    used: float  # mtime: when it was stored or last hit
    corrupt: bool = False

    @property
    def key(self) -> str:
        return self.path.stem

    @property
    def env(self) -> str:
        return str(self.data.get("env", "?"))


def folder(cache_dir: Path) -> Path:
    return cache_dir / FOLDER


def entry_path(cache_dir: Path, key: str) -> Path:
    return folder(cache_dir) / f"{key}.json"


def read(cache_dir: Path, key: str, *, touch: bool = False) -> Mapping[str, object] | None:
    """The entry stored under ``key``; None when there is none or it cannot be read (then it is a miss)."""
    path = entry_path(cache_dir, key)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    if touch:
        with contextlib.suppress(OSError):
            os.utime(path)
    return data


def write(cache_dir: Path, key: str, data: Mapping[str, object]) -> Path:
    """Store an entry atomically; raise :class:`OSError` when it cannot be written."""
    text = json.dumps({**data, "format": FORMAT, "key": key}, indent=1, default=str) + "\n"
    return write_atomic(entry_path(cache_dir, key), text)


def entries(cache_dir: Path) -> Iterator[Entry]:
    """Every entry, corrupt ones included, newest use first; files whose names are not entries'
    (:data:`_NAME`) are left alone, and so are entries that cannot be read now (permissions)."""
    found: list[Entry] = []
    try:
        with os.scandir(folder(cache_dir)) as scan:
            items = [item for item in scan if _NAME.fullmatch(item.name) and item.is_file(follow_symlinks=False)]
    except OSError:
        return iter(())
    for item in items:
        try:
            info = item.stat()
            text = Path(item.path).read_bytes()
        except OSError:
            continue
        try:
            data = json.loads(text)
        except ValueError:  # also bytes that are not UTF-8
            data = None
        if isinstance(data, dict) and data.get("key") == item.name[:-5]:
            found.append(Entry(Path(item.path), data, info.st_size, info.st_mtime))
        else:
            found.append(Entry(Path(item.path), {}, info.st_size, info.st_mtime, corrupt=True))
    return iter(sorted(found, key=lambda e: -e.used))


def find(cache_dir: Path, prefix: str) -> list[Entry]:
    """The entries whose key starts with ``prefix``."""
    return [e for e in entries(cache_dir) if e.key.startswith(prefix.lower())]


def remove(paths: Iterator[Path] | list[Path]) -> int:
    """Delete entry files (only names of entries: :data:`_NAME`); the bytes freed."""
    freed = 0
    for path in paths:
        if not _NAME.fullmatch(path.name):
            continue
        with contextlib.suppress(OSError):
            size = path.stat().st_size
            path.unlink()
            freed += size
    return freed


def limits(environ: Mapping[str, str], warn: Callable[[str], None] | None = None) -> tuple[float, int]:
    """The expiry policy: (maximum age in days, maximum size in bytes), from the environment or the
    defaults; ``warn`` is told of a value that is not a number of at least 0 (the default is used)."""

    def number(name: str, default: float, unit: str) -> float:
        text = environ.get(name, "").strip()
        try:
            value = float(text) if text else default
        except ValueError:
            value = -1.0
        if not value >= 0 or value == float("inf"):
            if warn is not None:
                warn(f"warning: {name}={text!r} is not a number of {unit} (0 or more): using {default:g}")
            return default
        return value

    days = number("ORCH_RESULT_CACHE_MAX_AGE_DAYS", MAX_AGE_DAYS, "days")
    return days, int(number("ORCH_RESULT_CACHE_MAX_MB", MAX_BYTES / 1024 / 1024, "MB") * 1024 * 1024)


def prune(cache_dir: Path, environ: Mapping[str, str], *, now: float | None = None) -> int:
    """Apply the expiry policy, corrupt entries first; the number of entries removed."""
    days, max_bytes = limits(environ)
    now = time.time() if now is None else now
    kept, dropped = [], []
    for entry in entries(cache_dir):  # newest use first
        if entry.corrupt or now - entry.used > days * 86400:
            dropped.append(entry.path)
        else:
            kept.append(entry)
    total = 0
    for entry in kept:
        total += entry.size
        if total > max_bytes:
            dropped.append(entry.path)
    remove(dropped)
    return len(dropped)


def size_text(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
