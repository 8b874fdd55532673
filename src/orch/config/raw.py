"""The raw layer every config source produces: sections of text values that know their location.

Both the ini reader and the TOML reader turn their file into :class:`RawSection` objects named the
tox way (``tox``, ``testenv``, ``testenv:NAME``, ``packagedef:NAME``, any other name). Everything
above this layer (factor filtering, substitution, typing) is shared, so a TOML file and the tox.ini
it was converted from resolve to the same values.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from orch.errors import ConfigError, Location

ENV_PREFIX = "testenv"
PACKAGEDEF_PREFIX = "packagedef"


class RawValue(NamedTuple):
    """The text of one key as written, before comments, factor conditions or substitutions.

    A TOML file's value also keeps its ``data`` (strings, lists, tables) for the typed reading.
    """

    text: str
    location: Location
    data: object = None


class RawSection:
    """One section: its name as tox spells it, where it starts, and its keys in file order."""

    __slots__ = ("location", "name", "values")

    def __init__(self, name: str, location: Location, values: dict[str, RawValue] | None = None) -> None:
        self.name, self.location = name, location
        self.values: dict[str, RawValue] = {} if values is None else values

    def __repr__(self) -> str:
        return f"RawSection({self.name!r}, {self.location!r}, {len(self.values)} keys)"

    @property
    def prefix(self) -> str | None:
        head, sep, _ = self.name.partition(":")
        return head if sep else None

    @property
    def suffix(self) -> str:
        return self.name.partition(":")[2] if ":" in self.name else self.name


class Source:
    """A loaded configuration file: named sections plus the rule to read a raw value into text."""

    kind = "raw"
    core_name = "tox"
    structured = False
    """Whether values carry TOML data (:attr:`RawValue.data`) rather than ini text only."""

    def __init__(self, path: Path, sections: list[RawSection]) -> None:
        self.path = path
        self.sections: dict[str, RawSection] = {s.name: s for s in sections}
        self.warnings: list[str] = []  # things the reader accepted but wants the user to change
        self.generated: dict[str, str] = {}  # env name -> the TOML [env_base.NAME] that generates it
        self.chosen_root: Path | None = None  # --root

    @property
    def root(self) -> Path:
        """The project root: the folder holding the config file (tox's ``{toxinidir}``), or ``--root``."""
        return self.path.parent if self.chosen_root is None else self.chosen_root

    def read(self, value: RawValue) -> str:
        """The text of a value with the source's own syntax removed (comments in ini files)."""
        return value.text

    def label(self, section: str) -> str:
        """A raw section's name the way the file spells it (``[testenv:docs]`` in an ini file)."""
        return f"[{section}]"

    def section_for_override(self, section: str) -> str:
        """The raw section a ``-x SECTION.KEY=VALUE`` names: ``tox``, ``orch`` and no section are the core."""
        return self.core_name if section in ("", "tox", "orch") else section

    def env_sections(self) -> list[RawSection]:
        return [s for s in self.sections.values() if s.prefix == ENV_PREFIX]

    def packagedef_sections(self) -> list[RawSection]:
        return [s for s in self.sections.values() if s.prefix == PACKAGEDEF_PREFIX]


def read_config_text(path: Path) -> str:
    """A config file's text (a UTF-8 BOM dropped); unreadable or non-UTF-8 is a :class:`ConfigError`."""
    try:  # utf-8-sig's work without importing its codec at every start
        return path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from exc
