"""Read ``tox.ini`` files the way tox 4 does, keeping the line of every value.

The same text is read from a ``setup.cfg`` (:class:`SetupCfgSource`, core section ``[tox:tox]``)
and from ``legacy_tox_ini`` in a ``pyproject.toml`` (:class:`LegacyIniSource`).

tox reads its ini files with :class:`configparser.ConfigParser` (no interpolation). We parse
the same grammar ourselves so that each value remembers its file and line for error messages:

* ``[section]`` headers; keys end at the first ``=`` or ``:`` and are lower-cased;
* a line indented deeper than its key continues the value (leading space stripped);
* lines whose first non-blank character is ``#`` or ``;`` are comments, skipped inside values;
* blank lines inside a value are kept, trailing blank lines dropped.

tox then strips inline comments (`` # ...`` not preceded by a backslash) and turns ``\\#`` into
``#``; that step is :func:`strip_comments`, applied when a value is read.
"""

from __future__ import annotations

import re
from pathlib import Path

from orch.config.raw import ENV_PREFIX, RawSection, RawValue, Source, read_config_text
from orch.errors import ConfigError, Location

SETUP_CFG_CORE = "tox:tox"
"""The core section of a setup.cfg."""

_DEFAULT = "DEFAULT"  # configparser's default section
_SECTION = re.compile(r"\[(?P<name>.+)\]")
_OPTION = re.compile(r"(?P<key>.*?)\s*[=:]\s*(?P<value>.*)$")
_INLINE_COMMENT = r"\s*(?<!\\)#.*"  # compiled by re at its first use: few files need it


def strip_comments(text: str) -> str:
    """Remove inline comments as tox does; ``\\#`` stays as a literal ``#``."""
    if "#" not in text:
        return text
    lines = (line for line in text.split("\n") if not line.startswith("#"))
    return "\n".join(re.sub(_INLINE_COMMENT, "", line).replace("\\#", "#") for line in lines)


def parse_ini(text: str, file: str, *, first_line: int = 1) -> list[RawSection]:
    """Parse ini text into sections, in file order. Raise :class:`ConfigError` on bad syntax.

    ``first_line`` is the line of ``file`` the text starts on (ini text inside a TOML string)."""
    text = text.removeprefix("\ufeff")
    sections: list[RawSection] = []
    seen: dict[str, int] = {}
    current: RawSection | None = None
    key: str | None = None
    lines: list[str] = []
    indent = 0
    key_line = 0

    def flush() -> None:
        if current is not None and key is not None:
            while lines and not lines[-1]:
                lines.pop()
            current.values[key] = RawValue("\n".join(lines), Location(file, key_line))

    for number, raw in enumerate(text.splitlines(), start=first_line):
        stripped = raw.strip()
        if stripped.startswith(("#", ";")):
            continue
        if not stripped:
            if key is not None:
                lines.append("")
            continue
        cur_indent = len(raw) - len(raw.lstrip())
        if key is not None and cur_indent > indent:
            lines.append(stripped)
            continue
        flush()
        key, lines = None, []
        header = _SECTION.match(stripped)
        if header:
            name = header.group("name")
            if name in seen:
                raise ConfigError(f"section [{name}] already defined at line {seen[name]}", Location(file, number))
            seen[name] = number
            current = RawSection(name, Location(file, number))
            sections.append(current)
            continue
        if current is None:
            raise ConfigError("a key before any [section] header", Location(file, number))
        option = _OPTION.match(stripped)
        if option is None or not option.group("key"):
            raise ConfigError(f"cannot parse line {stripped!r} (expected 'key = value')", Location(file, number))
        key = option.group("key").rstrip().lower()
        if key in current.values:
            first = current.values[key].location.line
            raise ConfigError(f"key {key!r} in [{current.name}] already set at line {first}", Location(file, number))
        indent, key_line, lines = cur_indent, number, [option.group("value")]
    flush()
    return _inherit_defaults(sections)


def _inherit_defaults(sections: list[RawSection]) -> list[RawSection]:
    """configparser's ``[DEFAULT]``: no section of its own (``{[DEFAULT]key}`` names nothing), its keys are in every
    other section that does not set them. An env without a section reads them too, so a missing ``[testenv]`` is
    made of them."""
    defaults = next((section for section in sections if section.name == _DEFAULT), None)
    if defaults is None:
        return sections
    kept = [section for section in sections if section is not defaults]
    for section in kept:
        for key, value in defaults.values.items():
            section.values.setdefault(key, value)
    if not any(section.name == ENV_PREFIX for section in kept):
        kept.append(RawSection(ENV_PREFIX, defaults.location, dict(defaults.values)))
    return kept


class IniSource(Source):
    """A tox.ini (or any ini file with ``[tox]``/``[orch]`` and ``[testenv...]`` sections)."""

    kind = "ini"

    @classmethod
    def from_file(cls, path: Path) -> IniSource:
        text = read_config_text(path)
        return cls(path, parse_ini(text, path.name))

    def __init__(self, path: Path, sections: list[RawSection]) -> None:
        _check_env_names(sections)
        super().__init__(path, sections)
        if "orch" in self.sections and "tox" not in self.sections:
            self.core_name = "orch"

    def read(self, value: RawValue) -> str:
        return strip_comments(value.text).replace("\r", "")


def _check_env_names(sections: list[RawSection]) -> None:
    """Each ``[testenv:NAME]`` must be an env name or a generative expression (tox fails with a traceback)."""
    from orch.config.factors import ExpansionLimit, expand_names

    for section in sections:
        prefix, colon, suffix = section.name.partition(":")
        if prefix != ENV_PREFIX or not colon:
            continue
        try:
            expand_names(suffix)
        except ExpansionLimit as exc:
            raise ConfigError(f"[{section.name}]: {exc}", section.location) from None
        except ValueError:
            raise ConfigError(
                f"[{section.name}]: {suffix.strip()!r} is not an env name: factors are letters, digits, '.' and '_', "
                "joined by '-' (no spaces)",
                section.location,
            ) from None


class SetupCfgSource(IniSource):
    """A ``setup.cfg`` read by tox: env sections ``[testenv]`` and ``[testenv:NAME]``, the core in
    ``[tox:tox]``; other sections (``[flake8]``...) are there for ``{[section]key}`` references.

    As in tox, ``{[tox]key}`` reads the core setting (``{[tox]envlist}``: the env names) and
    ``{[tox:tox]key}`` the section's raw text (``py311,lint``): the core is kept under both names,
    the same values, and a ``[tox]`` section of the file is not read.
    """

    def __init__(self, path: Path, sections: list[RawSection]) -> None:
        kept: list[RawSection] = []
        for section in sections:
            if section.name == SETUP_CFG_CORE:
                kept.append(RawSection(self.core_name, section.location, section.values))
            if section.name != self.core_name:
                kept.append(section)
        _check_env_names(kept)
        Source.__init__(self, path, kept)
        if SETUP_CFG_CORE not in self.sections:
            raise ConfigError(f"{path.name}: no [{SETUP_CFG_CORE}] section, which tox needs to read a setup.cfg")


class LegacyIniSource(IniSource):
    """The ini text of ``legacy_tox_ini`` in a ``pyproject.toml``'s ``[tool.tox]`` table; its lines
    are numbered as lines of the pyproject.toml."""

    @classmethod
    def from_file(cls, path: Path) -> LegacyIniSource:
        from orch.config.toml import Layout, parse_toml  # only a pyproject.toml project parses TOML

        text = read_config_text(path)
        tool = parse_toml(text, path.name).get("tool")
        tox = tool.get("tox") if isinstance(tool, dict) else None
        legacy = tox.get("legacy_tox_ini") if isinstance(tox, dict) else None
        key = ("tool", "tox", "legacy_tox_ini")
        line = Layout.scan(text).line(key) if tox is not None else None
        if not isinstance(legacy, str):
            problem = "is missing" if legacy is None else "must be a string"
            raise ConfigError(f"[tool.tox] legacy_tox_ini {problem}", Location(path.name, line))
        return cls(path, parse_ini(legacy, path.name, first_line=_first_line(text, line)))


def _first_line(toml_text: str, key_line: int | None) -> int:
    """The pyproject.toml line of the string's first line: the key's own line, or the next one when
    the opening quotes end that line (TOML drops that first newline)."""
    if key_line is None:
        return 1
    lines = toml_text.splitlines()
    own = lines[key_line - 1].rstrip() if key_line <= len(lines) else ""
    return key_line + 1 if own.endswith(('"""', "'''")) and own.count(own[-3:]) == 1 else key_line
