"""Writing orch's own files so that a reader never sees half of one, and reading its small caches.

Every record, report and cache file orch writes goes through :func:`write_atomic`: the data goes to a
temporary file beside the target (same folder, so the same file system), which then replaces it in
one rename. A crash, a full disk or Ctrl-C leaves the old file or the new one, and no temporary
file behind. A cache kept while another file is unchanged keys it on :func:`identity` and reads
itself back with :func:`read_object`.
"""

from __future__ import annotations

import _thread  # its get_ident; threading itself is not needed (nor imported by `orch list`)
import contextlib
import itertools
import os
from pathlib import Path
from typing import Any

_SERIAL = itertools.count()


def write_atomic(
    target: Path, data: str | bytes, *, fsync: bool = False, make_folder: bool = True, mode: int | None = None
) -> Path:
    """Write ``data`` (text as UTF-8) to ``target`` atomically and return ``target``. ``fsync``:
    flush it to the disk before the rename (a record that decides what is reused). ``mode``: the
    file's permissions (else those of a temporary file, owner only: orch's own records and caches).
    Raises ``OSError`` when it cannot be written; the temporary file is removed then too."""
    if make_folder:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:  # a full disk, a folder in the target's place, Ctrl-C: no temp file left behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def _temporary(target: Path) -> tuple[int, str]:
    """A new file beside ``target``, named for this process and thread (``.last-run-PID-TID-N.tmp``),
    owner only, as ``tempfile.mkstemp`` makes them, without importing tempfile (2 ms of every start)."""
    while True:
        name = f".{target.stem[:64]}-{os.getpid()}-{_thread.get_ident()}-{next(_SERIAL)}.tmp"  # fits NAME_MAX
        path = os.path.join(target.parent, name)
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600), path
        except FileExistsError:  # left by a process that had this pid and died before its rename
            continue


def identity(path: Path) -> list[int] | None:
    """A file's device, inode, size, modification and change times (nanoseconds); ``None`` if it cannot
    be read. While it is the same, the file was not written (but within one clock tick of a write)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def read_object(path: Path) -> dict[str, Any]:
    """The JSON object in one of orch's cache files; ``{}`` when it is missing, unreadable or not an object."""
    import json  # here: `orch list` writes and reads no cache

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
