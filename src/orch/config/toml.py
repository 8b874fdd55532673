"""TOML parsing for every TOML config: the document, its syntax errors with a line, and the line of each key.

tomllib gives no line numbers; :class:`Layout` finds them by scanning the text. The schema itself is
read by :mod:`orch.config.toxtoml`. This module is imported only for TOML projects, so ``orch list``
on a tox.ini never loads a TOML parser.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import Any

from orch.errors import ConfigError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser under its old name; imported by name so type checks need no tomli
    tomllib = importlib.import_module("tomli")

Key = tuple[str, ...]

PYPROJECT = "pyproject.toml"
TOOL_KEY: Key = ("tool", "orch")

_POSITION = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_END = re.compile(r"\s*\(at end of document\)$")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """The TOML document as data; a syntax error is a :class:`ConfigError` with its line."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = _decode_error(exc, text)
        where = "at the end of the file" if column is None else f"column {column}"
        raise ConfigError(f"invalid TOML: {message} ({where})", Location(file, line)) from None
    except RecursionError:  # x = [[[...]]] some hundreds deep: tomllib recurses once per level
        raise ConfigError("nested too deep", Location(file)) from None
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
class Layout:
    """The line of each table header and key of a TOML text, found by scanning it.

    Lenient on purpose: it runs on text tomllib accepted, and only needs to be right about lines.
    Keys inside inline tables and arrays are not recorded; :meth:`line` falls back to the line of
    the closest recorded parent. (Not a dataclass: a run reading a TOML config imports no
    ``dataclasses``, as one reading a ``tox.ini``.)
    """

    def __init__(self) -> None:
        self.lines: dict[Key, int] = {}
        self.headers: list[tuple[Key, int]] = []  # [table] and [[array]] headers in order

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
