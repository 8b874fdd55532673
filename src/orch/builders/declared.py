"""The build backend a source tree declares: its ``pyproject.toml``'s ``[build-system]``.

The common table (``requires``, a string ``build-backend``, nothing else) is read with ``tomllib``
alone; anything else (no ``pyproject.toml``, no ``build-backend``, ``backend-path``, a table
``build`` would refuse or warn about) goes through ``build``'s :class:`~build.ProjectBuilder`, for
its defaults and its messages. ``build`` and ``packaging`` take about 30 ms to import: a build
with the common table starts its backend without them.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from orch.builders.api import BuildError

if TYPE_CHECKING:
    from build import ProjectBuilder


class Declared(NamedTuple):
    """What a project's ``[build-system]`` declares (``build``'s defaults where it declares nothing)."""

    backend: str  # "hatchling.build", "setuptools.build_meta:__legacy__"
    backend_path: list[str]  # the folders of an in-tree backend, absolute
    requires: list[str]


def check_project(root: Path) -> None:
    """Raise :class:`BuildError` unless ``root`` holds a ``pyproject.toml`` or ``setup.py``."""
    if not (root / "pyproject.toml").is_file() and not (root / "setup.py").is_file():
        raise BuildError(f"no pyproject.toml or setup.py in {root}: nothing to build")


def declared_backend(source_dir: Path, what: str) -> Declared:
    """The backend ``source_dir`` declares, as ``build`` reads it; ``what`` names the build in errors."""
    check_project(source_dir)
    table = _build_system(source_dir)
    if isinstance(table, dict) and _plain(table):
        return Declared(str(table["build-backend"]), [], sorted(set(table["requires"])))
    from build import BuildException, ProjectBuilder

    try:
        probe = ProjectBuilder(source_dir)
    except (BuildException, ValueError) as exc:  # ValueError: a backend-path outside the tree, a file not UTF-8
        raise BuildError(f"cannot build {what} of {source_dir}: {exc}") from None
    return Declared(backend_name(probe), _backend_path(source_dir, table), sorted(probe.build_system_requires))


def backend_name(builder: ProjectBuilder) -> str:
    """The ``build-backend`` of the project (``build`` keeps it private; a generic name if that changes)."""
    name = getattr(builder, "_backend", None)
    return name if isinstance(name, str) else "the build backend"


def _build_system(source_dir: Path) -> object:
    """The ``[build-system]`` table of ``source_dir``'s ``pyproject.toml``; None when it cannot be read."""
    pyproject = source_dir / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    toml = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    try:
        return toml.loads(text).get("build-system")
    except ValueError:  # TOMLDecodeError: build says what is wrong
        return None


def _plain(table: dict[str, object]) -> bool:
    """Whether ``table`` is a ``[build-system]`` ``build`` takes as it is, without a default or a warning."""
    if set(table) != {"requires", "build-backend"}:
        return False
    requires, backend = table["requires"], table["build-backend"]
    return isinstance(backend, str) and isinstance(requires, list) and all(isinstance(r, str) for r in requires)


def _backend_path(source_dir: Path, table: Any) -> list[str]:
    """``build-system.backend-path``, made absolute (``build`` has checked it stays inside the project)."""
    folders = table.get("backend-path") if isinstance(table, dict) else None
    return [os.path.normpath(os.path.join(source_dir, folder)) for folder in folders or []]
