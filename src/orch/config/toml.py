"""Read ``orch.toml`` and ``[tool.orch]`` in ``pyproject.toml`` into the raw layer.

The TOML schema (``docs/reference/toml.md``) is the tox.ini layout spelled as tables:

* core (``[tox]``) keys at the top level; ``[env_base]`` is ``[testenv]``; ``[env."NAME"]`` is
  ``[testenv:NAME]``; ``[packagedef.NAME]`` is ``[packagedef:NAME]``; ``[section.NAME]`` is any
  other ini section (the target of ``{[NAME]key}`` substitutions);
* each value becomes the text an ini file would hold: a string as is, a list one line per item,
  a bool ``true``/``false``, a number its digits, a table ``KEY=VALUE`` lines (core ``labels``:
  ``LABEL = a, b`` lines); a list item ``{ if = "py38", then = "mock" }`` is the line
  ``py38: mock``.

Everything above the raw layer is shared with tox.ini, so both spellings resolve alike. tomllib
gives no line numbers; :class:`Layout` finds them by scanning the text. This module is imported
only for TOML projects, so ``orch list`` on a tox.ini never loads a TOML parser.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orch.config.source import ENV_PREFIX, PACKAGEDEF_PREFIX, RawSection, RawValue, Source, read_config_text
from orch.errors import ConfigError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser under its old name; imported by name so type checks need no tomli
    tomllib = importlib.import_module("tomli")

Key = tuple[str, ...]

PYPROJECT = "pyproject.toml"
TOOL_KEY: Key = ("tool", "orch")
CORE_NAME = "tox"
TABLES = ("env_base", "env", "packagedef", "section")
"""The top-level tables of the schema; any other table there is an error."""

_ALLOWED = "[env_base], [env.NAME], [packagedef.NAME], [section.NAME] (core settings go at the top level)"
_POSITION = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_END = re.compile(r"\s*\(at end of document\)$")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class TomlSource(Source):
    """An ``orch.toml`` (the whole document) or a ``pyproject.toml`` (its ``[tool.orch]`` table)."""

    kind = "toml"
    core_name = CORE_NAME

    @classmethod
    def from_file(cls, path: Path) -> TomlSource:
        text = read_config_text(path)
        return cls.from_text(text, path)

    @classmethod
    def from_text(cls, text: str, path: Path) -> TomlSource:
        """Parse ``text`` as if it were the content of ``path`` (whose name picks the schema's root)."""
        data = parse_toml(text, path.name)
        layout = Layout.scan(text)
        root: Key = ()
        if path.name == PYPROJECT:
            tool = data.get("tool")
            orch = tool.get("orch") if isinstance(tool, dict) else None
            if orch is None:
                raise ConfigError(
                    f"{path.name}: no [tool.orch] table", hint="add one, or run `orch convert --to pyproject.toml`"
                )
            if not isinstance(orch, dict):
                raise ConfigError("tool.orch must be a table", Location(path.name, layout.line(TOOL_KEY)))
            data, root = orch, TOOL_KEY
        return cls(path, _Reader(path.name, layout, root).sections(data))


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """The TOML document as data; a syntax error is a :class:`ConfigError` with its line."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = _decode_error(exc, text)
        where = "at the end of the file" if column is None else f"column {column}"
        raise ConfigError(f"invalid TOML: {message} ({where})", Location(file, line)) from None
    return data


def _decode_error(exc: Exception, text: str) -> tuple[str, int, int | None]:
    """Message, line and column (None: at the end) of a TOMLDecodeError. Newer parsers (tomli 2.1,
    Python 3.14) have them as attributes; older ones only put them at the end of the message."""
    last_line = max(text.count("\n") + (not text.endswith("\n")), 1)
    if isinstance(getattr(exc, "lineno", None), int):
        message, pos = str(getattr(exc, "msg", exc)), int(getattr(exc, "pos", 0))
        if pos >= len(text):
            return message, last_line, None
        return message, int(getattr(exc, "lineno", 1)), int(getattr(exc, "colno", 1))
    message = str(exc)
    position = _POSITION.search(message)
    if position is not None:
        return message[: position.start()], int(position.group("line")), int(position.group("column"))
    return _END.sub("", message), last_line, None


def dotted(key: Key) -> str:
    """A key path the way TOML spells it: ``env."py{38,39}-x".deps``."""
    return ".".join(part if _BARE_KEY.fullmatch(part) else _quote(part) for part in key)


def _quote(part: str) -> str:
    return '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ------------------------------------------------------------------------------------- layout
@dataclass
class Layout:
    """The line of each table header and key of a TOML text, found by scanning it.

    Lenient on purpose: it runs on text tomllib accepted, and only needs to be right about lines.
    Keys inside inline tables and arrays are not recorded; :meth:`line` falls back to the line of
    the closest recorded parent.
    """

    lines: dict[Key, int] = field(default_factory=dict)
    headers: list[tuple[Key, int]] = field(default_factory=list)  # [table] and [[array]] headers in order

    @classmethod
    def scan(cls, text: str) -> Layout:
        layout = cls()
        _Scanner(text, layout).run()
        return layout

    def line(self, key: Key) -> int | None:
        for end in range(len(key), 0, -1):
            found = self.lines.get(key[:end])
            if found is not None:
                return found
        return None

    def is_header(self, key: Key) -> bool:
        """Whether ``key`` is a table made by a ``[header]`` (its own or one of a sub-table)."""
        return any(header[: len(key)] == key for header, _ in self.headers)


class _Scanner:
    def __init__(self, text: str, layout: Layout) -> None:
        self.text, self.layout = text, layout
        self.pos, self.line = 0, 1

    def run(self) -> None:
        table: Key = ()
        text = self.text
        while True:
            self._skip_blank()
            if self.pos >= len(text):
                return
            line = self.line
            if text[self.pos] == "[":
                self.pos += 2 if text.startswith("[[", self.pos) else 1
                table = self._key()
                self.layout.headers.append((table, line))
                for end in range(1, len(table) + 1):  # [a.b] also makes a table a, if nothing did before
                    self.layout.lines.setdefault(table[:end], line)
                self._skip_value()  # the closing bracket(s) and a comment
                continue
            key = table + self._key()
            for end in range(len(table) + 1, len(key) + 1):
                self.layout.lines.setdefault(key[:end], line)
            if text.startswith("=", self.pos):
                self.pos += 1
            self._skip_value()

    def _skip_blank(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\n":
                self.line += 1
            elif char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end == -1 else end
                continue
            elif char not in " \t\r":
                return
            self.pos += 1

    def _key(self) -> Key:
        text = self.text
        parts: list[str] = []
        while self.pos < len(text):
            while text.startswith((" ", "\t"), self.pos):
                self.pos += 1
            start = self.pos
            if text.startswith(('"', "'"), start):
                self._skip_string()
                raw = text[start : self.pos]
                parts.append(raw[1:-1] if raw[0] == "'" or "\\" not in raw else tomllib.loads(f"k = {raw}")["k"])
            else:
                bare = _BARE_KEY.match(text, start)
                if bare is None:
                    break
                parts.append(bare.group())
                self.pos = bare.end()
            while text.startswith((" ", "\t"), self.pos):
                self.pos += 1
            if not text.startswith(".", self.pos):
                break
            self.pos += 1
        return tuple(parts)

    def _skip_value(self) -> None:
        """Up to the end of the line that ends the value (arrays and inline tables may span lines)."""
        text, depth = self.text, 0
        while self.pos < len(text):
            char = text[self.pos]
            if char in "\"'":
                self._skip_string()
                continue
            if char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end == -1 else end
                continue
            self.pos += 1
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            elif char == "\n":
                self.line += 1
                if depth <= 0:
                    return

    def _skip_string(self) -> None:
        text, start = self.text, self.pos
        quote = text[start]
        triple = text.startswith(quote * 3, start)
        self.pos += 3 if triple else 1
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\" and quote == '"':
                self.pos += 2
                continue
            if triple and text.startswith(quote * 3, self.pos):
                self.pos += 3
                for _ in range(2):  # """a""""" is a, then two quotes, then the closing delimiter
                    self.pos += text.startswith(quote, self.pos)
                break
            if not triple and char in (quote, "\n"):
                self.pos += char == quote
                break
            self.pos += 1
        self.line += text.count("\n", start, self.pos)


# ------------------------------------------------------------------------------------- values
class _Reader:
    """Turns the data of the schema's root table into raw sections, with lines from the layout."""

    def __init__(self, file: str, layout: Layout, root: Key) -> None:
        self.file, self.layout, self.root = file, layout, root

    def location(self, key: Key) -> Location:
        return Location(self.file, self.layout.line(self.root + key))

    def error(self, key: Key, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{dotted(self.root + key)}: {message}", self.location(key), hint)

    def sections(self, data: Mapping[str, Any]) -> list[RawSection]:
        core = RawSection(CORE_NAME, self.location(()) if self.root else Location(self.file, None))
        found: list[RawSection] = []
        for name, value in data.items():
            key = (name,)
            if name not in TABLES:
                if isinstance(value, dict) and name != "labels" and self.layout.is_header(self.root + key):
                    raise ConfigError(
                        f"unknown table [{dotted(self.root + key)}]; allowed: {_ALLOWED}", self.location(key)
                    )
                if not core.values and not self.root:
                    core.location = self.location(key)
                core.values[name] = RawValue(self.text(key, value), self.location(key))
                continue
            if name == "env_base":
                found.append(self.section(ENV_PREFIX, key, value))
                continue
            prefix = {"env": f"{ENV_PREFIX}:", "packagedef": f"{PACKAGEDEF_PREFIX}:"}.get(name, "")
            for sub, table in self.table(key, value, "a table of tables").items():
                if name == "section":
                    self._check_section_name(sub, (*key, sub))
                found.append(self.section(prefix + sub, (*key, sub), table))
        sections = [core] if core.values else []
        sections.extend(sorted(found, key=lambda s: s.location.line or 0))  # in file order, like an ini
        return sections

    def _check_section_name(self, name: str, key: Key) -> None:
        head, sep, _ = name.partition(":")
        if name in (CORE_NAME, ENV_PREFIX) or (sep and head in (ENV_PREFIX, PACKAGEDEF_PREFIX)):
            instead = {CORE_NAME: "the top level", ENV_PREFIX: "[env_base]"}.get(name) or (
                "[env.NAME]" if head == ENV_PREFIX else "[packagedef.NAME]"
            )
            raise self.error(key, f"[{name}] cannot be a [section.NAME] table; use {instead}")

    def table(self, key: Key, value: object, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            hint = "[env.NAME] holds the settings of one env; settings for every env go in [env_base]"
            raise self.error(key, f"must be {what}, not {_describe(value)}", hint if key[0] == "env" else None)
        return value

    def section(self, name: str, key: Key, value: object) -> RawSection:
        table = self.table(key, value, "a table of settings")
        section = RawSection(name, self.location(key))
        for item, item_value in table.items():
            section.values[item] = RawValue(self.text((*key, item), item_value), self.location((*key, item)))
        return section

    def text(self, key: Key, value: object) -> str:
        """The raw text of a value, as an ini file would hold it."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        if isinstance(value, list):
            return "\n".join(line for index, item in enumerate(value, 1) for line in self._item(key, index, item))
        if isinstance(value, dict):
            if key == ("labels",):
                return "\n".join(f"{label} = {self._labels(key, label, envs)}" for label, envs in value.items())
            return "\n".join(f"{name}={self._scalar((*key, name), item)}" for name, item in value.items())
        raise self.error(key, f"{_describe(value)} is not a valid value (use a string, list, bool, number or table)")

    def _item(self, key: Key, index: int, item: object) -> list[str]:
        if isinstance(item, str):
            return [item]
        if not isinstance(item, dict):
            raise self.error(
                key, f"item {index} is {_describe(item)}; list items must be strings or {{ if = ..., then = ... }}"
            )
        if set(item) != {"if", "then"}:
            found = ", ".join(sorted(item)) or "none"
            raise self.error(key, f"item {index}: a condition table needs the keys 'if' and 'then' (found: {found})")
        condition, then = item["if"], item["then"]
        if not isinstance(condition, str) or not condition.strip() or "\n" in condition:
            raise self.error(key, f"item {index}: 'if' must be a factor condition such as \"py38,!lint\"")
        lines = then if isinstance(then, list) else [then]
        if not all(isinstance(line, str) for line in lines):
            raise self.error(key, f"item {index}: 'then' must be a string or a list of strings")
        return [f"{condition.strip()}: {part}" for line in lines for part in line.split("\n")]

    def _scalar(self, key: Key, value: object) -> str:
        if isinstance(value, (dict, list)) or not isinstance(value, (str, int, float)):
            raise self.error(key, f"{_describe(value)} is not a valid table value (use a string, bool or number)")
        text = self.text(key, value)
        if "\n" in text:
            raise self.error(key, "a table value must be a single line")
        return text

    def _labels(self, key: Key, label: str, envs: object) -> str:
        if isinstance(envs, str):
            return envs
        if isinstance(envs, list) and all(isinstance(env, str) for env in envs):
            return ", ".join(envs)
        raise self.error((*key, label), f"must be a list of env names, not {_describe(envs)}")


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"a bool ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"
