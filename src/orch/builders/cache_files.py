"""The artifact cache's files: its lock, the sidecars that describe each artifact, and the file sets
of the last builds (see :mod:`orch.builders.cache` for the layout and the reuse rules).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from orch.builders.api import BuildError
from orch.builders.package_files import PackageFiles
from orch.envs import lock
from orch.files import write_atomic

SIDECAR = "provenance.json"
FILE_SETS = "package-files.json"  # per packagedef: what went into its last build, per variant
TMP_PREFIX = ".tmp-"  # a build's folder until it is renamed into place
CHUNK = 1024 * 1024


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold the file lock ``path``; one that cannot be taken (a folder in its place...) is a :class:`BuildError`.

    An ``flock`` (:func:`orch.envs.lock.exclusive_file`), as the ``filelock`` package takes on Linux and
    macOS, so runs of older orch versions still take turns with this one; without importing it (15 ms
    of a warm run with a package)."""
    with lock.exclusive_file(path, BuildError):
        yield


def list_artifacts(work_dir: Path) -> list[dict[str, object]]:
    """Every artifact in the cache: its sidecar plus ``path``, by packagedef, variant and build time."""
    found: list[dict[str, object]] = []
    for sidecar in (work_dir / "dist").glob(f"*/*/{SIDECAR}"):
        if sidecar.parent.name.startswith(TMP_PREFIX):
            continue
        provenance = read_sidecar(sidecar)
        path = artifact_path(sidecar.parent, provenance) if provenance is not None else None
        if provenance is not None and path is not None:
            found.append({**provenance, "path": str(path)})
    return sorted(found, key=lambda item: tuple(str(item.get(k)) for k in ("packagedef", "variant", "built_at")))


def read_file_set(path: Path, variant: str, settings: str) -> PackageFiles | None:
    """The file set the last build of ``variant`` with these settings kept; None before the first."""
    data = read_sidecar(path)
    entry = data.get(variant or "any") if data is not None and data.get("version") == 1 else None
    if not isinstance(entry, dict) or entry.get("config_hash") != settings:
        return None
    return PackageFiles.from_json(entry)


def write_file_set(path: Path, variant: str, settings: str, files: PackageFiles | None) -> None:
    """Keep (or, with None, forget) ``variant``'s file set; called under the packagedef's file lock."""
    data = read_sidecar(path)
    data = data if data is not None and data.get("version") == 1 else {"version": 1}
    if files is None:
        if data.pop(variant or "any", None) is None:
            return
    else:
        data[variant or "any"] = {"config_hash": settings, **files.to_json()}
    with contextlib.suppress(OSError):  # without it the next run hashes every source file: slower, never wrong
        write_atomic(path, json.dumps(data, indent=1) + "\n", make_folder=False)


def read_sidecar(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def artifact_path(folder: Path, provenance: Mapping[str, object]) -> Path | None:
    """Where the sidecar says the artifact is, when that is a plain path inside ``folder``."""
    rel = provenance.get("artifact")
    if not isinstance(rel, str) or not rel:
        return None
    parts = PurePosixPath(rel).parts
    if rel == SIDECAR or PurePosixPath(rel).is_absolute() or any(part in {"..", "."} for part in parts):
        return None
    return folder.joinpath(*parts)


def sha256_of(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
