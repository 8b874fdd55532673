"""A local conda channel for tests on a machine without conda and without a conda channel.

* ``python``: one thin package per CPython found in pyenv. It holds ``pyvenv.cfg`` (``home = <the
  interpreter's bin>``), ``bin/pythonX.Y`` (a symlink to that interpreter, plus ``python`` and
  ``python3``) and an empty site-packages: installed, the prefix is a working Python environment,
  and noarch packages land in ``lib/pythonX.Y/site-packages`` as with conda-forge's python.
* the test dependencies (pytest and what it needs, per Python): wheels downloaded from PyPI with
  pip (kept in a cache folder across sessions), converted with orch's own whl2conda conversion.

:func:`build_channel` writes and indexes the channel (indexing runs orch's rattler worker).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import pytest

PYENV = Path.home() / ".pyenv" / "versions"
TEST_REQUIREMENTS = ("pytest",)


def pyenv_pythons(versions: Iterable[str]) -> dict[str, Path]:
    """``{"3.8": /root/.pyenv/versions/3.8.18/bin/python3.8, ...}`` for the wanted versions found."""
    found: dict[str, Path] = {}
    if not PYENV.is_dir():
        return found
    for folder in sorted(PYENV.iterdir()):
        major_minor = ".".join(folder.name.split(".")[:2])
        exe = folder / "bin" / f"python{major_minor}"
        if major_minor in versions and exe.exists():
            found[major_minor] = exe
    return found


def full_version(exe: Path) -> str:
    return exe.resolve().parents[1].name  # pyenv's folder name: 3.8.18


def subdir() -> str:
    import platform

    machine = {"x86_64": "64", "aarch64": "aarch64", "arm64": "arm64"}.get(platform.machine(), platform.machine())
    system = {"linux": "linux", "darwin": "osx"}.get(sys.platform, sys.platform)
    return f"{system}-{machine}"


def python_package(exe: Path, out_dir: Path) -> Path:
    """A ``python-X.Y.Z-orch_0.tar.bz2`` whose prefix is a venv-like environment over ``exe``."""
    version = full_version(exe)
    major_minor = ".".join(version.split(".")[:2])
    files: list[tuple[str, bytes | str]] = [  # (path, content or symlink target)
        ("pyvenv.cfg", f"home = {exe.parent}\ninclude-system-site-packages = false\nversion = {version}\n".encode()),
        (f"bin/python{major_minor}", str(exe)),
        ("bin/python3", f"python{major_minor}"),
        ("bin/python", f"python{major_minor}"),
        (f"lib/python{major_minor}/site-packages/_orch_test_python.pth", b""),
    ]
    plat, _, arch = subdir().partition("-")
    index = {
        "name": "python",
        "version": version,
        "build": "orch_0",
        "build_number": 0,
        "depends": [],
        "subdir": subdir(),
        "platform": plat,
        "arch": {"64": "x86_64"}.get(arch, arch),
        "license": "PSF-2.0",
        "timestamp": 1700000000000,
    }
    paths = []
    for path, content in files:
        if isinstance(content, bytes):
            digest = hashlib.sha256(content).hexdigest()
            paths.append({"_path": path, "path_type": "hardlink", "sha256": digest, "size_in_bytes": len(content)})
        else:
            paths.append({"_path": path, "path_type": "softlink"})
    info = {
        "info/index.json": json.dumps(index, indent=2).encode(),
        "info/paths.json": json.dumps({"paths": paths, "paths_version": 1}, indent=2).encode(),
        "info/files": "".join(f"{path}\n" for path, _ in files).encode(),
    }
    target = out_dir / subdir() / f"python-{version}-orch_0.tar.bz2"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:bz2") as archive:
        for name, data in info.items():
            _add_file(archive, name, data)
        for path, content in files:
            if isinstance(content, bytes):
                _add_file(archive, path, content)
            else:
                entry = tarfile.TarInfo(path)
                entry.type, entry.linkname, entry.mtime = tarfile.SYMTYPE, content, 1700000000
                archive.addfile(entry)
    return target


def _add_file(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    entry = tarfile.TarInfo(name)
    entry.size, entry.mtime, entry.mode = len(data), 1700000000, 0o644
    archive.addfile(entry, io.BytesIO(data))


def download_wheels(requirements: Sequence[str], exe: Path, cache: Path) -> list[Path]:
    """Wheels of ``requirements`` and their dependencies for the interpreter ``exe``, from PyPI, cached.

    pip runs with that interpreter: ``pip download --python-version`` would evaluate environment
    markers for the running one.
    """
    folder = cache / f"py{full_version(exe)}"
    done = folder / ".done"
    key = json.dumps(sorted(requirements))
    if not (done.exists() and done.read_text(encoding="utf-8") == key):
        folder.mkdir(parents=True, exist_ok=True)
        argv = [str(exe), "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
        argv += ["--only-binary=:all:", "--dest", str(folder), *requirements]
        subprocess.run(argv, check=True)  # a test helper, not orch: orch.execute is orch's only process starter
        done.write_text(key, encoding="utf-8")
    return sorted(folder.glob("*.whl"))


def convert_wheels(wheels: Iterable[Path], python_version: str, channel: Path) -> list[Path]:
    """Conda packages of ``wheels`` in ``channel``'s noarch folder (or its platform folder)."""
    from orch.builders.wheel_to_conda import build_number, convert_wheel, python_dependent

    made = []
    for wheel in wheels:
        per_python = python_dependent(wheel)
        name, version = wheel.name.split("-")[:2]
        if not per_python and any((channel / "noarch").glob(f"{name.lower().replace('_', '-')}-{version}-*")):
            continue  # the same noarch package, already converted for another Python
        number = build_number(wheel.name, python_version if per_python else "")
        made.append(
            convert_wheel(wheel, channel, python_version=python_version, number=number, conda_forge_names=False)
        )
    return made


def index(channel: Path) -> None:
    """Index ``channel`` with orch's rattler worker (the same code path orch uses)."""
    from orch.envs.conda_engine import RattlerEngine

    RattlerEngine().index(channel, log=channel / "index.log", environ=dict(os.environ))


def build_channel(
    channel: Path, versions: Iterable[str], cache: Path, requirements: Sequence[str] = TEST_REQUIREMENTS
) -> dict[str, Path]:
    """Write and index the test channel; the Pythons it has (``{"3.8": exe}``)."""
    pythons = pyenv_pythons(versions)
    for major_minor, exe in pythons.items():
        python_package(exe, channel)
        convert_wheels(download_wheels(requirements, exe, cache / "wheels"), major_minor, channel)
    index(channel)
    return pythons


class LocalChannel(NamedTuple):
    """The built test channel: its folder, its ``file://`` URL and the Pythons it has (``{"3.8": exe}``)."""

    path: Path
    url: str
    pythons: dict[str, Path]

    @property
    def options(self) -> tuple[str, str]:
        """orch's options that make an env take its conda packages from this channel (a project's ``options``)."""
        return ("-x", f"testenv.conda_channels={self.url}")


WANTED = ("3.8", "3.12")


def test_cache() -> Path:
    """Where downloaded wheels stay between sessions: ``$ORCH_TEST_CACHE``, else ``~/.cache/orch-tests``."""
    return Path(os.environ.get("ORCH_TEST_CACHE") or Path.home() / ".cache" / "orch-tests")


@functools.cache
def _built(base: Path) -> LocalChannel:
    channel = base / "channel"
    pythons = build_channel(channel, WANTED, test_cache())
    return LocalChannel(channel, channel.as_uri(), pythons)


@pytest.fixture(scope="session")
def local_channel(tmp_path_factory: pytest.TempPathFactory) -> LocalChannel:
    """The session's local conda channel, built once (whichever conftest asks first)."""
    for module in ("rattler", "whl2conda"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[test]')")
    if not pyenv_pythons(WANTED):
        pytest.skip("no CPython 3.8 or 3.12 under ~/.pyenv/versions")
    return _built(tmp_path_factory.getbasetemp() / "conda")
