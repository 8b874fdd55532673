"""The artifact cache: build a package once per (sources, settings, variant), then reuse it.

Artifacts live in ``<work_dir>/dist/<packagedef>/<variant or "any">-<key12>/``, beside a
``provenance.json`` sidecar that says what was built, from what and when. File names stay as the
backend made them (a wheel's name is part of the wheel spec), so provenance never goes into them.

A build goes into a temporary folder beside its final place and is renamed into place only when
the artifact and its sidecar are complete; a hit is trusted only when the artifact still has the
sha256 its sidecar recorded. A file lock per packagedef makes two orch processes build once (the
second waits and reuses), a lock per packagedef and variant does the same for the threads of one orch.

The sources' half of the key covers what went into the package (see
:mod:`orch.builders.package_files`): after each build the cache keeps that file set in
``<packagedef>/package-files.json``, per variant and settings, and the next lookup hashes only those
files. The first build, with no file set yet, hashes every source file; its artifact is stored
under the key of the file set it turned out to have, so the next run reuses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, Protocol

from orch import __version__
from orch.builders.api import Artifact, BuildError
from orch.builders.cache_files import (
    FILE_SETS,
    SIDECAR,
    TMP_PREFIX,
    artifact_path,
    file_lock,
    list_artifacts,
    read_file_set,
    read_sidecar,
    sha256_of,
    write_file_set,
)
from orch.builders.package_files import PackageFiles
from orch.builders.source import SourceState

if TYPE_CHECKING:
    from orch.config.model import PackageDef

__all__ = [
    "FILE_SETS",
    "KEEP",
    "SIDECAR",
    "ArtifactCache",
    "CachedArtifact",
    "Sources",
    "config_hash",
    "list_artifacts",
]

KEEP = 2  # folders kept per packagedef and variant: the newest build and the one before it

_EMPTY: Mapping[str, str] = MappingProxyType({})
_FOLDER = re.compile(r"(?P<variant>.+)-[0-9a-f]{12}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")


class Sources(Protocol):
    """The sources as the cache asks for them (:class:`~orch.builders.source.SourceScan` is one)."""

    def state(self, package: PackageFiles | None = None) -> SourceState:
        """The sources' hash: every file, or only those that can change ``package``."""

    def package_files(self, out_dir: Path, artifact: Path) -> PackageFiles | None:
        """What went into the package just built in ``out_dir``; None: keep hashing every file."""


class _Fixed:
    """A source state given once: every lookup uses it, no file set is kept."""

    def __init__(self, state: SourceState) -> None:
        self._state = state

    def state(self, package: PackageFiles | None = None) -> SourceState:
        return self._state

    def package_files(self, out_dir: Path, artifact: Path) -> PackageFiles | None:
        return None


class CachedArtifact(NamedTuple):
    """An artifact in the cache, its sidecar's content, and whether it was reused (no build ran)."""

    artifact: Artifact
    provenance: dict[str, object]
    reused: bool


def config_hash(pdef: PackageDef, extra: Mapping[str, str] = _EMPTY) -> str:
    """The sha256 of the settings that change what gets built, plus ``extra`` (python tag, orch version...).

    ``description`` and ``match`` are left out: they change which envs use the package, not the package.
    Plugin settings (``pdef.extra``) are in: a plugin builder's options live there.
    """
    settings = {
        "builder": pdef.builder,
        "config_settings": dict(pdef.config_settings),
        "build_python": pdef.build_python,
        "per_python": pdef.per_python,
        "build_commands": [[list(command.args), command.ignore_exit] for command in pdef.build_commands],
        "package_glob": pdef.package_glob,
        "plugin_settings": _plain(pdef.extra),
        "extra": dict(extra),
    }
    if pdef.recipe:  # only then, so the keys of existing artifacts stay as they were
        settings.update(recipe=pdef.recipe, conda_channels=list(pdef.conda_channels))
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", errors="surrogateescape")).hexdigest()


class ArtifactCache:
    """The artifacts under ``<work_dir>/dist``; one instance is shared by the threads of one orch run."""

    def __init__(self, work_dir: Path) -> None:
        self.dist = work_dir / "dist"
        self._guard = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        self._verified: dict[Path, tuple[int, int]] = {}  # artifact -> (size, mtime_ns) whose sha256 matched

    def get_or_build(
        self,
        pdef: PackageDef,
        source: SourceState | Sources,
        build: Callable[[Path], Artifact],
        *,
        variant: str = "",
        extra: Mapping[str, str] = _EMPTY,
    ) -> CachedArtifact:
        """Reuse the artifact of (sources, settings, variant) or call ``build(out_dir)`` to make it.

        ``build`` puts one file into the empty folder it is given and says what it is; its
        :class:`~orch.builders.api.BuildError` (or any other exception) propagates and leaves nothing.
        ``source`` is asked for its state under the locks, so a wait for another thread's or
        process's build ends in a lookup with the file set that build kept.
        """
        sources: Sources = _Fixed(source) if isinstance(source, SourceState) else source
        settings = config_hash(pdef, extra)
        package_dir = self.dist / _slug(pdef.name)
        with self._key_lock(pdef.name, variant):
            _make_folder(package_dir)
            with file_lock(self.dist / f"{_slug(pdef.name)}.lock"):
                kept = read_file_set(package_dir / FILE_SETS, variant, settings)
                state = sources.state(kept)
                key = _key(state, settings, variant)
                folder = package_dir / f"{_slug(variant) or 'any'}-{key[:12]}"
                wanted = {"source_hash": state.hash, "config_hash": settings, "variant": variant}
                hit = self._lookup(folder, wanted)
                if hit is not None:
                    return hit
                provenance: dict[str, object] = {
                    "packagedef": pdef.name,
                    "builder": pdef.builder,
                    "variant": variant,
                    "git_commit": state.git_commit,
                    "dirty": state.dirty,
                    "source_hash": state.hash,
                    "source_files": state.files,
                    "source_scope": "tree" if kept is None else "package",
                    "config_hash": settings,
                    "extra": dict(extra),
                    "key": key,
                    "orch_version": __version__,
                }
                made: list[PackageFiles | None] = [None]
                final = [folder]

                def place(tmp: Path, produced: Path) -> Path:
                    """The folder of the artifact: keyed on the hash of the file set it turned out to have."""
                    made[0] = files = sources.package_files(tmp, produced)
                    if files is not None:
                        after = sources.state(files)
                        new_key = _key(after, settings, variant)
                        provenance.update(
                            source_hash=after.hash, source_files=after.files, source_scope="package", key=new_key
                        )
                        final[0] = package_dir / f"{_slug(variant) or 'any'}-{new_key[:12]}"
                    return final[0]

                built = self._build(pdef.name, package_dir, place, build, provenance)
                write_file_set(package_dir / FILE_SETS, variant, settings, made[0])
                self._prune(package_dir, final[0])
                return built

    def _key_lock(self, name: str, variant: str) -> threading.Lock:
        with self._guard:
            return self._key_locks.setdefault((name, variant), threading.Lock())

    def _lookup(self, folder: Path, wanted: Mapping[str, object]) -> CachedArtifact | None:
        """The artifact in ``folder`` when it is complete and intact; a broken folder is removed."""
        if not folder.is_dir():
            return None
        provenance = read_sidecar(folder / SIDECAR)
        path = artifact_path(folder, provenance) if provenance is not None else None
        if provenance is None or path is None or any(provenance.get(k) != v for k, v in wanted.items()):
            shutil.rmtree(folder, ignore_errors=True)
            return None
        try:
            info = path.stat()
        except OSError:
            info = None
        intact = info is not None and info.st_size == provenance.get("size")
        if info is not None and intact and not self._known_good(path, info):
            intact = sha256_of(path) == provenance.get("sha256")
        if info is None or not intact:
            self._forget(folder)
            shutil.rmtree(folder, ignore_errors=True)
            return None
        self._remember(path, info)
        with contextlib.suppress(OSError):
            os.utime(folder)  # the newest folders are kept: a reused one counts as new
        pure = provenance.get("pure")
        artifact = Artifact(
            path=path,
            kind=str(provenance.get("kind")),
            name=str(provenance.get("name")),
            version=str(provenance.get("version")),
            pure=pure if isinstance(pure, bool) else None,
        )
        return CachedArtifact(artifact, provenance, reused=True)

    def _build(
        self,
        name: str,
        package_dir: Path,
        place: Callable[[Path, Path], Path],
        build: Callable[[Path], Artifact],
        provenance: dict[str, object],
    ) -> CachedArtifact:
        _remove_leftovers(package_dir)  # under the file lock, a temporary folder is a crashed build's
        import tempfile  # a build only: a warm run imports neither this nor datetime (8 ms)
        from datetime import datetime, timezone

        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=package_dir))
        try:
            artifact = build(tmp)
            produced = _inside(artifact.path, tmp, name)
            folder = place(tmp, produced)
            rel = produced.relative_to(tmp).as_posix()
            info, sha = produced.stat(), sha256_of(produced)
            if sha is None:
                raise BuildError(f"{name}: cannot read the built {produced.name}")
            provenance.update(
                artifact=rel,
                sha256=sha,
                size=info.st_size,
                name=artifact.name,
                version=artifact.version,
                kind=artifact.kind,
                pure=artifact.pure,
                built_at=datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            )
            (tmp / SIDECAR).write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            os.rename(tmp, folder)  # atomic: the folder appears complete or not at all
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        path = folder / rel
        self._remember(path, info)
        return CachedArtifact(artifact._replace(path=path), provenance, reused=False)

    def _prune(self, package_dir: Path, current: Path) -> None:
        """Keep the :data:`KEEP` most recently built or reused folders of ``current``'s variant."""
        variant = _variant_of(current.name)
        same: list[tuple[int, Path]] = []
        for folder in package_dir.iterdir():
            if folder != current and folder.is_dir() and _variant_of(folder.name) == variant:
                try:
                    same.append((folder.stat().st_mtime_ns, folder))
                except OSError:
                    continue
        same.sort(reverse=True)
        for _, folder in same[KEEP - 1 :]:
            self._forget(folder)
            shutil.rmtree(folder, ignore_errors=True)

    def _known_good(self, path: Path, info: os.stat_result) -> bool:
        """Whether this instance saw ``path``'s sha256 match, and its size and mtime have not changed since."""
        with self._guard:
            return self._verified.get(path) == (info.st_size, info.st_mtime_ns)

    def _remember(self, path: Path, info: os.stat_result) -> None:
        with self._guard:
            self._verified[path] = (info.st_size, info.st_mtime_ns)

    def _forget(self, folder: Path) -> None:
        with self._guard:
            for path in [path for path in self._verified if folder in path.parents]:
                del self._verified[path]


def _key(state: SourceState, settings: str, variant: str) -> str:
    return hashlib.sha256(f"{state.hash}\0{settings}\0{variant}".encode()).hexdigest()


def _inside(path: Path, out_dir: Path, name: str) -> Path:
    """The built file inside ``out_dir``; one the builder left elsewhere is copied in."""
    if not path.is_file():
        raise BuildError(f"{name}: the builder reported {path}, which is not a file")
    resolved, base = path.resolve(), out_dir.resolve()
    if resolved == base or base in resolved.parents:
        return out_dir / resolved.relative_to(base)
    target = out_dir / path.name
    shutil.copy2(path, target)
    return target


def _make_folder(path: Path) -> None:
    """``path`` and its parents as folders; a file in the way is a :class:`BuildError` naming it, and stays."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        in_the_way = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), path)
        message = f"{in_the_way} is a file where the package folder should be; move it away and run again"
        raise BuildError(message) from None


def _remove_leftovers(package_dir: Path) -> None:
    for folder in package_dir.glob(f"{TMP_PREFIX}*"):
        shutil.rmtree(folder, ignore_errors=True)


def _variant_of(folder_name: str) -> str | None:
    match = _FOLDER.fullmatch(folder_name)
    return match.group("variant") if match is not None and not folder_name.startswith(TMP_PREFIX) else None


def _slug(text: str) -> str:
    """A file-name-safe form of a packagedef or variant name."""
    return _UNSAFE.sub("_", text)


def _plain(value: object) -> object:
    """``value`` as JSON: mappings, sequences and scalars as they are, anything else as its ``str``."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return str(value)
