"""Finding and loading the project's config file.

From the current folder upward, the first folder holding one of these wins, checked in this order
within each folder (tox 4's order, with orch's own files first):

1. ``orch.toml``;
2. ``pyproject.toml`` with a ``[tool.orch]`` table;
3. ``tox.ini``;
4. ``setup.cfg`` with a ``[tox:tox]`` section;
5. ``pyproject.toml`` with a native ``[tool.tox]`` table (keys other than ``legacy_tox_ini``);
6. ``pyproject.toml`` with ``[tool.tox] legacy_tox_ini``;
7. ``tox.toml``.

orch's own files come first: a project that has one wrote it for orch, next to the tox config it
may keep for tox. A folder whose config cannot be read (invalid TOML, not UTF-8) is an error; it
is never skipped for a parent's. ``-c FILE`` names the file; ``-c DIR`` searches that one folder.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Callable, Literal, NamedTuple

from orch.config.ini import IniSource, LegacyIniSource, SetupCfgSource
from orch.config.overrides import Override
from orch.config.project import Config
from orch.config.raw import Source
from orch.config.registry import SettingsRegistry
from orch.config.resolve import Resolver
from orch.errors import ConfigError, Location

Kind = Literal["orch.toml", "tool.orch", "tox.ini", "setup.cfg", "tool.tox", "legacy_tox_ini", "tox.toml"]

SEARCHED: dict[Kind, str] = {
    "orch.toml": "orch.toml",
    "tool.orch": "pyproject.toml [tool.orch]",
    "tox.ini": "tox.ini",
    "setup.cfg": "setup.cfg [tox:tox]",
    "tool.tox": "pyproject.toml [tool.tox]",
    "legacy_tox_ini": "pyproject.toml [tool.tox] legacy_tox_ini",
    "tox.toml": "tox.toml",
}
"""Every kind of config, in the order a folder is searched, as the user would name it."""


class Found(NamedTuple):
    """A config file and the kind of config it holds (which reader reads it)."""

    path: Path
    kind: Kind


# Cheap looks at the raw bytes, no parse. [tool.orch] must be spelled plainly; a [tool.tox] look is
# loose on purpose (quoted keys, a `tox = ...` line under [tool]): a TOML parse decides. As text, not
# compiled: re compiles each at its first use (a tox.ini project needs none), not at every start of orch.
_TOOL_ORCH = rb"(?m)^\s*(?:\[\s*tool\s*\.\s*orch\s*[\].]|tool\s*\.\s*orch\s*[.=])"
_TOOL_TOX = (
    rb'(?m)^[ \t]*(?:\[\[?[ \t]*"?tool"?[ \t]*\.[ \t]*"?tox"?[ \t]*[\].]|(?:"?tool"?[ \t]*\.[ \t]*)?"?tox"?[ \t]*[.=])'
)
_TOX_TOX = rb"(?m)^[ \t]*\[tox:tox\]"
# Any other spelling of an orch table under tool (`[tool]` then `orch = {...}`, `tool = { orch = {...} }`, quoted
# keys): `orch` as a key somewhere. Only a file matching this, and not _TOOL_ORCH, is parsed to decide.
_ORCH_KEY = rb"""(?m)(?:^|[\s{,.\[])["']?orch["']?[ \t]*[.=\]]"""


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc


def _has_tool_orch(path: Path, raw: bytes) -> bool:
    """Whether a pyproject.toml has a ``tool.orch`` table, in any valid TOML spelling.

    The plain ``[tool.orch]`` header is found without parsing; a file that names an ``orch`` key some other way is
    parsed; one that has no ``orch`` key at all (most projects) is never parsed."""
    if re.search(_TOOL_ORCH, raw):
        return True
    if b"orch" not in raw or re.search(_ORCH_KEY, raw) is None:
        return False
    tool = _parse_pyproject(path, raw).get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("orch"), dict)


def _parse_pyproject(path: Path, raw: bytes) -> dict[str, object]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    from orch.config.toml import parse_toml  # only a pyproject.toml that may hold a tool table is parsed

    try:
        return parse_toml(text, path.name)
    except ConfigError as exc:  # the full path: this may be a parent folder's file
        line = None if exc.location is None else exc.location.line
        raise ConfigError(exc.bare, Location(str(path), line)) from None


def _tool_tox_kind(path: Path, raw: bytes) -> Kind | None:
    """``tool.tox`` or ``legacy_tox_ini`` for a pyproject.toml with a ``[tool.tox]`` table, else None.

    As tox: a table holding only ``legacy_tox_ini`` is the legacy kind, one with any other key the
    native kind (its ``legacy_tox_ini``, if any, ignored), an empty one no config at all."""
    if re.search(_TOOL_TOX, raw) is None:
        return None
    tool = _parse_pyproject(path, raw).get("tool")
    tox = tool.get("tox") if isinstance(tool, dict) else None
    if not isinstance(tox, dict) or not tox:
        return None
    return "legacy_tox_ini" if set(tox) == {"legacy_tox_ini"} else "tool.tox"


def _in_folder(folder: Path) -> Found | None:
    """The config of one folder, in the order of :data:`SEARCHED`."""
    if (folder / "orch.toml").is_file():
        return Found(folder / "orch.toml", "orch.toml")
    pyproject = folder / "pyproject.toml"
    raw = _read_bytes(pyproject) if pyproject.is_file() else None
    if raw is not None and _has_tool_orch(pyproject, raw):
        return Found(pyproject, "tool.orch")
    if (folder / "tox.ini").is_file():
        return Found(folder / "tox.ini", "tox.ini")
    setup_cfg = folder / "setup.cfg"
    if setup_cfg.is_file() and re.search(_TOX_TOX, _read_bytes(setup_cfg)):
        return Found(setup_cfg, "setup.cfg")
    if raw is not None:
        kind = _tool_tox_kind(pyproject, raw)
        if kind is not None:
            return Found(pyproject, kind)
    tox_toml = folder / "tox.toml"
    if tox_toml.is_file() and _has_content(_read_bytes(tox_toml)):  # tox skips an empty tox.toml
        return Found(tox_toml, "tox.toml")
    return None


def _has_content(raw: bytes) -> bool:
    """Whether a TOML text holds anything but blank lines and comments."""
    return any(line.strip() and not line.lstrip().startswith(b"#") for line in raw.splitlines())


def discover(start: Path, *, parents: bool = True) -> Found:
    """The config of the project containing ``start`` (only ``start`` itself unless ``parents``).

    :class:`ConfigError` when there is none, or when the first folder holding one cannot be read."""
    start = start.resolve()
    empty: Found | None = None  # the first empty tox.toml: tox passes over it, then reads it as an empty config
    for folder in (start, *start.parents) if parents else (start,):
        found = _in_folder(folder)
        if found is not None:
            return found
        if empty is None and (folder / "tox.toml").is_file():
            empty = Found(folder / "tox.toml", "tox.toml")
    if empty is not None:
        return empty
    where = f"{start} or its parents" if parents else str(start)
    raise ConfigError(
        f"no config found in {where}; searched each folder for {', '.join(SEARCHED.values())}",
        hint="create a tox.ini or tox.toml (see `orch --help`) or pass -c FILE",
    )


def classify(path: Path) -> Found:
    """The kind of config a file named with ``-c`` holds, by its name (and for a pyproject.toml,
    its tables). Any other ``*.toml`` is orch's TOML; any other name is read as a tox.ini."""
    name = path.name
    if name == "pyproject.toml":
        raw = _read_bytes(path)
        kind: Kind | None = "tool.orch" if _has_tool_orch(path, raw) else _tool_tox_kind(path, raw)
        if kind is None:
            raise ConfigError(f"{path}: no [tool.tox] or [tool.orch] table, so no config for orch or tox")
        return Found(path, kind)
    if name == "tox.toml":
        return Found(path, "tox.toml")
    if name == "setup.cfg":
        return Found(path, "setup.cfg")
    return Found(path, "orch.toml" if path.suffix == ".toml" else "tox.ini")


def read_source(found: Found | Path) -> Source:
    """Parse a config file into raw sections with the reader of its kind (a bare path: by its name)."""
    path, kind = classify(found) if isinstance(found, Path) else found
    if kind in ("orch.toml", "tool.orch"):
        from orch.config.toxtoml import read_orch_toml  # only TOML projects pay for the TOML parser

        return read_orch_toml(path)
    if kind in ("tox.toml", "tool.tox"):
        from orch.config.toxtoml import read_tox_toml

        return read_tox_toml(path)
    if kind == "setup.cfg":
        return SetupCfgSource.from_file(path)
    if kind == "legacy_tox_ini":
        return LegacyIniSource.from_file(path)
    return IniSource.from_file(path)


def load_config(
    *,
    registry: SettingsRegistry,
    type_factors: Mapping[str, str],
    builders: Collection[str],
    config_file: Path | None = None,
    cwd: Path | None = None,
    overrides: Sequence[str] = (),
    posargs: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    is_tty: Callable[[], bool] | None = None,
    root: Path | None = None,
) -> Config:
    """Load a project's config: find the file, read it, and wrap it in a lazy :class:`Config`.

    ``root`` (tox's ``--root``) replaces the config file's folder as the project root (``tox_root``)."""
    cwd = Path.cwd() if cwd is None else cwd
    if config_file is None:
        found = discover(cwd)
    else:
        path = config_file if config_file.is_absolute() else cwd / config_file
        if path.is_dir():
            found = discover(path, parents=False)  # tox's -c DIR: that folder only
        elif not path.is_file():
            raise ConfigError(f"config file {config_file} does not exist")
        else:
            found = classify(path.resolve())
    source = read_source(found)
    source.chosen_root = root
    resolver = Resolver(
        source,
        registry,
        type_factors=type_factors,
        overrides=[Override.parse(text) for text in overrides],
        environ=os.environ if environ is None else environ,
        posargs=posargs,
        is_tty=is_tty or (lambda: sys.stdout.isatty()),
    )
    return Config(source, resolver, registry, builders)
