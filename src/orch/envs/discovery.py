"""Find the interpreter for a ``base_python`` list: parse the specs, look for candidates, probe them once.

Sources, in order: ``--discover`` paths, ``PATH``, pyenv's versions, uv-managed Pythons. Each source
lists executables by name (``python3.12``, ``pypy3``...); names that cannot match the spec are never
run, and names that say exactly what the spec asks for are tried everywhere before generic ones
(``python3``, ``python``). A probe runs the interpreter once; its facts are cached on disk by path,
real path, mtime and size, so a later run finds the same interpreter without starting a process.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from orch.envs.interpreter import Interpreter
from orch.execute import capture
from orch.files import write_atomic
from orch.paths import cache_dir

__all__ = ["PROBE", "Discovery", "Spec", "name_rank", "parse_spec"]

# Runs on Python 2.7 too: no f-strings, no sys.implementation there.
PROBE = """\
import json, platform, struct, sys, sysconfig
impl = getattr(sys, "implementation", None)
print(json.dumps({
    "implementation": impl.name if impl else platform.python_implementation().lower(),
    "version": list(sys.version_info[:3]),
    "architecture": struct.calcsize("P") * 8,
    "machine": platform.machine(),
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
}))
"""
PROBE_TIMEOUT = 5.0
_CACHE_VERSION = 1

_SPEC = re.compile(r"(?P<impl>cpython|python|pypy|py)?(?P<version>\d+(?:\.\d+){0,2})?(?P<t>t)?(?:-(?P<arch>32|64))?")
_IMPLEMENTATIONS = {"py": None, "python": "cpython", "cpython": "cpython", "pypy": "pypy"}
_EXE_BASES = ("python", "pypy")  # every name _EXE_NAME matches starts with one of them
_EXE_NAME = re.compile(r"(?P<base>python|pypy)(?P<major>\d)?(?:\.(?P<minor>\d+))?(?P<t>t)?")
_DIR_VERSION = re.compile(r"(?:cpython-|pypy-?)?(?P<major>\d+)\.(?P<minor>\d+)")  # 3.12.1, cpython-3.12.1-..., pypy3.10


class Spec(NamedTuple):
    """One ``base_python`` entry; ``None`` fields match anything. An invalid spec matches nothing."""

    text: str
    implementation: str | None = None  # "cpython", "pypy"; None for "py" and bare versions
    major: int | None = None
    minor: int | None = None
    micro: int | None = None
    free_threaded: bool | None = None  # "3.13t": True; a version without "t": False; no version: None
    architecture: int | None = None  # "py312-32"
    path: str | None = None  # an interpreter named by its path
    valid: bool = True

    def __str__(self) -> str:
        if not self.valid:
            return f"{self.text!r} (not a Python spec such as py312, 3.12, pypy3.10 or a path)"
        if self.path is not None:
            return self.path
        name = {None: "python", "cpython": "python"}.get(self.implementation, self.implementation)
        version = ".".join(str(part) for part in (self.major, self.minor, self.micro) if part is not None)
        suffix = ("t" if self.free_threaded else "") + (f"-{self.architecture}" if self.architecture else "")
        return f"{name}{version}{suffix}"

    def matches(self, interpreter: Interpreter) -> bool:
        """Whether ``interpreter`` is what this spec asks for."""
        if not self.valid:
            return False
        if self.path is not None:
            return os.path.realpath(self.path) == os.path.realpath(interpreter.path)
        wanted = (self.major, self.minor, self.micro)
        return (
            self.implementation in (None, interpreter.implementation)
            and all(want in (None, have) for want, have in zip(wanted, interpreter.version))
            and self.free_threaded in (None, interpreter.free_threaded)
            and self.architecture in (None, interpreter.architecture)
        )


def parse_spec(text: str) -> Spec:
    """``py38``, ``py3.8``, ``python3.8``, ``3.8``, ``pypy3.10``, ``cpython3.12``, ``3.13t``, a path..."""
    if os.sep in text or (os.altsep and os.altsep in text):
        return Spec(text, path=os.path.abspath(os.path.expanduser(text)))
    match = _SPEC.fullmatch(text.strip().lower())
    if match is None or not (match["impl"] or match["version"]) or (match["t"] and not match["version"]):
        return Spec(text, valid=False)
    version = match["version"] or ""
    if "." in version:
        numbers = [int(part) for part in version.split(".")]
    else:  # "38" is 3.8, "312" is 3.12
        numbers = [int(version[:1])] + ([int(version[1:])] if version[1:] else []) if version else []
    major, minor, micro = (*numbers, None, None, None)[:3]
    return Spec(
        text,
        implementation=_IMPLEMENTATIONS[match["impl"] or "py"],
        major=major,
        minor=minor,
        micro=micro,
        free_threaded=bool(match["t"]) if version else None,
        architecture=int(match["arch"]) if match["arch"] else None,
    )


def name_rank(name: str, spec: Spec) -> int | None:
    """1 when an executable's name says what ``spec`` asks for, 2 when it may be it, ``None`` when it cannot."""
    match = _EXE_NAME.fullmatch(name)
    if match is None or spec.implementation not in (None, "pypy" if match["base"] == "pypy" else "cpython"):
        return None
    major = int(match["major"]) if match["major"] else None
    minor = int(match["minor"]) if match["minor"] else None
    if (
        (major is not None and spec.major not in (None, major))
        or (minor is not None and spec.minor not in (None, minor))
        or (match["t"] and spec.free_threaded is False)
    ):
        return None
    exact = spec.major in (None, major) and spec.minor in (None, minor) and bool(match["t"]) == bool(spec.free_threaded)
    return 1 if exact else 2


class Discovery:
    """Finds interpreters for ``base_python`` lists; shared by all envs of a run (thread-safe)."""

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        extra: Sequence[Path] = (),
        cache_file: Path | None = None,
    ) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._extra = tuple(Path(os.path.expanduser(entry)) for entry in extra)
        home = Path(self._environ["HOME"]) if self._environ.get("HOME") else Path.home()
        self._pyenv_root = Path(self._environ.get("PYENV_ROOT") or home / ".pyenv")
        data_home = Path(self._environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        self._uv_root = Path(self._environ.get("UV_PYTHON_INSTALL_DIR") or data_home / "uv" / "python")
        if cache_file is None:
            cache_file = cache_dir(self._environ) / "interpreters.json"
        self._cache = _FactsCache(cache_file)
        self._facts: dict[str, Interpreter | None] = {}
        self._listings: dict[Path, list[str]] = {}
        self._lock = threading.Lock()
        self.probes = 0  # interpreter processes this Discovery started

    def find(self, specs: Sequence[str]) -> Interpreter | None:
        """The interpreter for the first spec that has one (tox's ``base_python`` semantics)."""
        with self._lock:
            try:
                for text in specs:
                    if (found := self._find_one(parse_spec(text))) is not None:
                        return found
                return None
            finally:
                self._cache.save()

    def describe_search(self) -> str:
        """Where :meth:`find` looks, for messages: ``PATH, pyenv, uv``."""
        return ", ".join((["--discover"] if self._extra else []) + ["PATH", "pyenv", "uv"])

    def _find_one(self, spec: Spec) -> Interpreter | None:
        if not spec.valid:
            return None
        if spec.path is not None:
            return self._inspect(Path(spec.path))
        seen: set[str] = set()
        for candidate in self._candidates(spec):
            exe = self._unshim(candidate)
            if exe is None or (real := os.path.realpath(exe)) in seen:
                continue
            seen.add(real)
            found = self._inspect(exe)
            if found is not None and spec.matches(found):
                return found
        return None

    def _candidates(self, spec: Spec) -> Iterator[Path]:
        for entry in self._extra:  # the user named these: all their names come first
            if entry.is_dir():
                yield from (path for _, path in sorted(self._named(entry, spec)))
            elif entry.exists():
                yield entry
        folders = [
            *(Path(entry) for entry in self._environ.get("PATH", "").split(os.pathsep) if entry),
            *self._installs(self._pyenv_root / "versions", spec),
            *self._installs(self._uv_root, spec),
        ]
        for tier in (1, 2):
            for folder in folders:
                yield from (path for (rank, _, _), path in sorted(self._named(folder, spec)) if rank == tier)

    def _named(self, folder: Path, spec: Spec) -> Iterator[tuple[tuple[int, bool, int], Path]]:
        """The executables in ``folder`` whose names may match, with a sort key (exact names first)."""
        if folder not in self._listings:  # only names _EXE_NAME may match: /usr/bin holds thousands
            try:
                self._listings[folder] = sorted(e.name for e in os.scandir(folder) if e.name.startswith(_EXE_BASES))
            except OSError:
                self._listings[folder] = []
        for name in self._listings[folder]:
            rank = name_rank(name, spec)
            if rank is not None and _is_executable(path := folder / name):
                yield (rank, name.startswith("pypy"), len(name)), path

    @staticmethod
    def _installs(root: Path, spec: Spec) -> list[Path]:
        """``root/*/bin``, newest version first, without folders whose name says another version."""
        try:
            names = [entry.name for entry in os.scandir(root) if entry.is_dir()]
        except OSError:
            return []
        kept = []
        for name in names:
            hint = _DIR_VERSION.match(name)
            if hint and (spec.major not in (None, int(hint["major"])) or spec.minor not in (None, int(hint["minor"]))):
                continue
            kept.append(name)
        kept.sort(key=lambda name: [int(part) for part in re.findall(r"\d+", name)], reverse=True)
        return [root / name / "bin" for name in kept]

    def _unshim(self, exe: Path) -> Path | None:
        """The binary a pyenv shim would run; ``None`` when the shim would fail; the shim when unsure."""
        if os.path.normpath(exe.parent) != os.path.normpath(self._pyenv_root / "shims"):
            return exe
        versions = self._pyenv_versions()
        for version in versions:
            if _is_executable(target := self._pyenv_root / "versions" / version / "bin" / exe.name):
                return target
        versions_dir = self._pyenv_root / "versions"
        known = all(version not in ("", ".", "..") and (versions_dir / version).is_dir() for version in versions)
        return None if known else exe  # "system", or a prefix pyenv resolves itself: let the probe tell

    def _pyenv_versions(self) -> list[str]:
        """The pyenv versions selected, as pyenv picks them: PYENV_VERSION, .python-version, the global file."""
        if selected := self._environ.get("PYENV_VERSION"):
            return selected.split(":")
        start = Path(self._environ.get("PYENV_DIR") or Path.cwd())
        for folder in (start, *start.parents):
            if versions := _read_versions(folder / ".python-version"):
                return versions
        return _read_versions(self._pyenv_root / "version") or ["system"]

    def _inspect(self, exe: Path) -> Interpreter | None:
        """The facts about ``exe``: from memory, from the disk cache, or from running it once."""
        key = str(exe)
        if key in self._facts:
            return self._facts[key]
        stamp = _stamp(exe)
        cacheable = exe.parent.name != "shims"  # what a shim runs depends on the pyenv state, not on its mtime
        found = self._cache.get(key, stamp) if stamp is not None and cacheable else None
        if found is None and stamp is not None:
            found = self._probe(exe)
            if found is not None and cacheable:
                self._cache.put(key, stamp, found)
        self._facts[key] = found
        return found

    def _probe(self, exe: Path) -> Interpreter | None:
        self.probes += 1
        outcome = capture([str(exe), "-c", PROBE], timeout=PROBE_TIMEOUT, env=self._environ)
        if not outcome.ok:
            return None
        for line in reversed(outcome.text.splitlines()):  # a warning printed at start-up may come first
            if line.startswith("{"):
                try:
                    return _interpreter(str(exe), json.loads(line))
                except (ValueError, KeyError, TypeError, IndexError):
                    return None
        return None


class _Stamp(NamedTuple):
    real: str
    mtime_ns: int
    size: int


def _stamp(exe: Path) -> _Stamp | None:
    try:
        stat = exe.stat()
    except OSError:
        return None
    return _Stamp(os.path.realpath(exe), stat.st_mtime_ns, stat.st_size)


def _interpreter(path: str, facts: dict[str, Any]) -> Interpreter:
    version = facts["version"]
    return Interpreter(
        path=path,
        implementation=str(facts["implementation"]),
        version=(int(version[0]), int(version[1]), int(version[2])),
        architecture=int(facts["architecture"]),
        machine=str(facts["machine"]),
        free_threaded=bool(facts["free_threaded"]),
    )


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _read_versions(file: Path) -> list[str]:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


class _FactsCache:
    """``interpreters.json``: path -> real path, mtime, size and facts. Damaged or stale entries are misses."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._entries = self._load()
        self._new: dict[str, dict[str, Any]] = {}

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
            return {}
        entries = data.get("interpreters")
        return entries if isinstance(entries, dict) else {}

    def get(self, path: str, stamp: _Stamp) -> Interpreter | None:
        """The facts cached for ``path``, or for another name of the same file (``python3`` for ``python3.12``)."""
        for entry in (self._entries.get(path), *self._entries.values()):
            try:
                if entry is not None and _Stamp(entry["real"], entry["mtime_ns"], entry["size"]) == stamp:
                    return _interpreter(path, entry["facts"])
            except (KeyError, TypeError, ValueError, IndexError):
                continue
        return None

    def put(self, path: str, stamp: _Stamp, found: Interpreter) -> None:
        facts = found._asdict()
        del facts["path"]
        self._entries[path] = self._new[path] = {**stamp._asdict(), "facts": facts}

    def save(self) -> None:
        """Merge new entries into the file (other runs may have written it meanwhile) and replace it atomically."""
        if not self._new:
            return
        entries = {path: entry for path, entry in {**self._load(), **self._new}.items() if os.path.lexists(path)}
        text = json.dumps({"version": _CACHE_VERSION, "interpreters": entries}, indent=1)
        try:
            write_atomic(self.file, text)
        except OSError:  # a cache that cannot be written costs a probe next time, nothing more
            return
        self._new.clear()
