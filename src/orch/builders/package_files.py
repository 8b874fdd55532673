"""What goes into the package: the files the source fingerprint covers once the package was built.

Before the first build orch cannot know, so the fingerprint covers every source file (see
:mod:`orch.builders.source`). After it, the fingerprint covers only

- the **packaged files**: the built wheel's files mapped back to the source files they came from,
  plus the folders an editable wheel points at; with the ``sdist`` builder the wheel is built from
  the sdist, whose file list adds the files it holds in those folders and its native sources;
- **new files where those live**: every file under the top-level folders that hold a packaged file
  (``src/`` for ``src/pkg/mod.py``), so a new module in ``src/pkg/`` rebuilds;
- the **build config** at the project's top (:data:`CONFIG_FILES`, :data:`CONFIG_PATTERNS`):
  ``pyproject.toml``, ``setup.py``, ``setup.cfg``, ``MANIFEST.in``, the backends' own files, the
  top ``.gitignore`` (by which hatchling and flit choose files), and the readme and license files a
  wheel's metadata is made from.

So ``.coverage``, ``htmlcov/`` or any other file a command writes outside those folders never
rebuilds the package; a deleted packaged file does. The rule needs no git: git only lists faster.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import zipfile

__all__ = [
    "CONFIG_FILES",
    "CONFIG_PATTERNS",
    "NATIVE",
    "PackageFiles",
    "covers",
    "is_config",
    "of_build",
    "of_wheel",
    "sdist_files",
]

# Files at the project's top that build backends read: their change always rebuilds.
CONFIG_FILES = frozenset(
    {
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "MANIFEST.in",
        "hatch.toml",
        "hatch_build.py",
        "pdm_build.py",
        "build.py",  # poetry's build script
        "meson.build",
        "meson.options",
        "meson_options.txt",
        "CMakeLists.txt",
        "Cargo.toml",
        "Cargo.lock",
        ".gitignore",  # hatchling and flit pick files by it: an edit may drop a packaged file
    }
)
# Top-level files a wheel's metadata is commonly made from (readme, license, changelog, version,
# requirements read by setup.py), matched without regard to case.
CONFIG_PATTERNS = (
    "readme*",
    "licen[cs]e*",
    "copying*",
    "notice*",
    "authors*",
    "changes*",
    "changelog*",
    "history*",
    "version*",
    "requirements*.txt",
)

# Sources a backend compiles into the wheel: an sdist's files with these suffixes count wherever they are.
NATIVE = (
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cxx",
    ".hh",
    ".hpp",
    ".hxx",
    ".pyx",
    ".pxd",
    ".pxi",
    ".f",
    ".f90",
    ".rs",
    ".go",
    ".cu",
    ".m",
    ".mm",
    ".i",
)
_TEXT_LIMIT = 1 << 20  # an editable wheel's .pth or finder module is small; skip anything bigger


class PackageFiles(NamedTuple):
    """The packaged files and the top-level folders holding them, relative to the root, ``/`` separated."""

    files: tuple[str, ...]
    folders: tuple[str, ...]

    def to_json(self) -> dict[str, list[str]]:
        return {"files": list(self.files), "folders": list(self.folders)}

    @classmethod
    def from_json(cls, data: object) -> PackageFiles | None:
        """The file set saved by :meth:`to_json`; None for anything else."""
        if not isinstance(data, dict):
            return None
        files, folders = data.get("files"), data.get("folders")
        if not isinstance(files, list) or not isinstance(folders, list):
            return None
        if not all(isinstance(item, str) and _plain(item) for item in (*files, *folders)):
            return None
        return cls(tuple(sorted(set(files))), tuple(sorted(set(folders))))


def is_config(name: str) -> bool:
    """Whether a file at the project's top is build config (always covered)."""
    lower = name.lower()
    return name in CONFIG_FILES or any(fnmatch.fnmatchcase(lower, pattern) for pattern in CONFIG_PATTERNS)


def covers(package: PackageFiles, rel: str) -> bool:
    """Whether the fingerprint looks at the source file ``rel`` (its content, or its appearance)."""
    top, slash, _ = rel.partition("/")
    if slash:
        return top in package.folders or rel in package.files
    return is_config(rel) or rel in package.files


def of_build(
    out_dir: Path, artifact: Path, root: Path, known: Iterable[str], keep: Callable[[str], bool]
) -> PackageFiles | None:
    """The file set of the wheel in ``out_dir`` (``artifact``), with its sdist when the builder made one.

    The wheel says what gets installed: its files mapped back to the sources, and the top-level
    folders holding them. An sdist beside it (the wheel was built from it) adds its files inside
    those folders (a git-ignored data file the backend packed) and its native sources anywhere
    (``csrc/fast.c``): what the backend compiled into the wheel. Its other files (``tox.ini``, tests,
    docs, or a ``.coverage`` the backend packed because it lay in the tree) never reach an env.

    ``known`` lists the source files, ``keep(rel)`` says whether a path is a source file on disk.
    None when there is no wheel or it cannot be read: the fingerprint keeps covering every file.
    """
    if artifact.suffix != ".whl":
        return None
    import tarfile  # after a build only: a warm run imports neither
    import zipfile

    try:
        sdists = [path for path in out_dir.iterdir() if path.name.endswith((".tar.gz", ".zip")) and path.is_file()]
        sdist = sdist_files(_sdist_names(sdists[0]), keep) if len(sdists) == 1 else None
        with zipfile.ZipFile(artifact) as wheel:
            names = wheel.namelist()
            texts = {name: _text(wheel, name) for name in names if _points(name)}
    except (OSError, tarfile.TarError, zipfile.BadZipFile, ValueError):
        return None
    package = of_wheel(names, texts, root, known if sdist is None else sdist, keep)
    if sdist is None:
        return package
    files = set(package.files)
    files.update(rel for rel in sdist if rel.partition("/")[0] in package.folders or rel.endswith(NATIVE))
    return _package(files, package.folders)


def sdist_files(names: Iterable[str], keep: Callable[[str], bool]) -> list[str]:
    """The source files an sdist holds, from its member names (``name-1.0/...``); generated ones
    (``PKG-INFO``, ``*.egg-info``) are not on disk and drop out."""
    files = set()
    for name in names:
        _, slash, rel = name.partition("/")
        if slash and rel and not rel.endswith("/") and _plain(rel) and keep(rel):
            files.add(rel)
    return sorted(files)


def of_wheel(
    names: Iterable[str], texts: dict[str, str], root: Path, known: Iterable[str], keep: Callable[[str], bool]
) -> PackageFiles:
    """A wheel's files mapped back to the source files they came from.

    ``pkg/mod.py`` maps to the source file that ends with it (``src/pkg/mod.py``); of several, the
    one whose folder in front explains the most of the wheel's files, then the one with the fewest
    folders in front. A file no listed source ends with (a git-ignored data file) is looked for
    under the prefixes found so. Files under ``NAME.data/SCHEME/`` map by what follows. The
    ``texts`` of an editable wheel's ``.pth`` files and top-level modules name the folders it
    points at: those folders count too.
    """
    by_name: dict[str, list[str]] = {}
    for rel in known:
        by_name.setdefault(rel.rpartition("/")[2], []).append(rel)
    candidates: dict[str, list[str]] = {}  # wheel path -> the prefixes of the sources ending with it
    unmatched: list[str] = []
    for name in names:
        inner = _inner(name)
        if inner is None:
            continue
        hits = [rel for rel in by_name.get(inner.rpartition("/")[2], ()) if rel == inner or rel.endswith("/" + inner)]
        if hits:
            candidates[inner] = [rel[: len(rel) - len(inner)] for rel in hits]
        else:
            unmatched.append(inner)
    votes = Counter(prefix for prefixes in candidates.values() for prefix in set(prefixes))
    files: set[str] = set()
    chosen = {""}
    for inner, prefixes in candidates.items():
        best = max((votes[prefix], -prefix.count("/")) for prefix in prefixes)
        for prefix in prefixes:
            if (votes[prefix], -prefix.count("/")) == best:
                files.add(prefix + inner)
                chosen.add(prefix)
    for inner in unmatched:
        files.update(prefix + inner for prefix in sorted(chosen) if keep(prefix + inner))
    folders: set[str] = set()
    for text in texts.values():
        for rel in _paths_under(root, text):
            folders.add(rel.partition("/")[0])
            if keep(rel):
                files.add(rel)
    return _package(files, folders)


def _package(files: set[str], folders: Iterable[str]) -> PackageFiles:
    tops = {rel.partition("/")[0] for rel in files if "/" in rel}
    return PackageFiles(tuple(sorted(files)), tuple(sorted(tops.union(folders))))


def _inner(name: str) -> str | None:
    """The path a wheel member comes from in the sources, or None (metadata, folders)."""
    if name.endswith("/"):
        return None
    top, slash, rest = name.partition("/")
    if top.endswith(".dist-info"):
        return None
    if top.endswith(".data") and slash:
        _, slash, rest = rest.partition("/")  # NAME.data/scripts/tool -> tool
        name = rest if slash else ""
    return name if name and _plain(name) else None


def _points(name: str) -> bool:
    """A wheel member that may name source folders: a ``.pth`` file or a top-level module."""
    return "/" not in name and name.endswith((".pth", ".py"))


def _text(wheel: zipfile.ZipFile, name: str) -> str:
    if wheel.getinfo(name).file_size > _TEXT_LIMIT:
        return ""
    return wheel.read(name).decode("utf-8", errors="replace")


def _paths_under(root: Path, text: str) -> set[str]:
    """Paths inside ``root`` (not the root itself) that ``text`` names, relative to it."""
    found: set[str] = set()
    text = text.replace("\\\\", "\\")  # a Windows path in a Python string literal
    for base in {os.path.abspath(root), os.path.realpath(root)}:
        pattern = re.compile(re.escape(base) + r"[/\\]([^'\"\r\n]+)")
        for match in pattern.finditer(text):
            rel = match.group(1).replace("\\", "/").strip().strip("/")
            if rel and _plain(rel):
                found.add(rel)
    return found


def _plain(rel: str) -> bool:
    """A relative ``/`` path that stays inside the root."""
    return not rel.startswith("/") and ":" not in rel.partition("/")[0] and ".." not in rel.split("/")


def _sdist_names(sdist: Path) -> list[str]:
    import tarfile
    import zipfile

    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as zipped:
            return zipped.namelist()
    with tarfile.open(sdist) as archive:
        return [member.name for member in archive.getmembers() if member.isfile() or member.issym()]
