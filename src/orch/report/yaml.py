"""A small YAML emitter for the documents orch generates (CI workflows, matrices), in block style.

It writes mappings, sequences, strings, numbers, booleans and ``None``; every string reads back as
the same string under YAML 1.1 (PyYAML) and 1.2 parsers alike. A string is written plain only
when nothing in it can be read otherwise (``on``, ``yes``, ``null``, ``3.12``, ``- x``, ``a: b``,
``x #y`` are quoted); a multi-line string is a literal block (``|``) when it can be one exactly,
else, like any other string, it is double-quoted with escapes. No dependency: orch must not need a
YAML library to run, only its tests do (to read the output back).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

INDENT = "  "
MAX_KEY = 1000  # YAML parsers limit implicit keys to 1024 characters

# Plain scalars: a conservative subset that every YAML parser reads as this very string.
_PLAIN_FIRST = re.compile(r"[A-Za-z_/$]|\.[A-Za-z_/]")  # not .5 (a float)
_PLAIN = re.compile(r"[A-Za-z0-9_./${}()+=,:~*@ -]*")
# Words YAML 1.1 reads as booleans or null (any case), and special floats.
_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", ".inf", ".nan"}
# Characters YAML lets stand as they are inside a double-quoted string (the printable set, less
# the line breaks and byte-order mark YAML 1.1 treats specially).
_NEEDS_ESCAPE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
# What a literal block may hold: printable characters other than tabs and special line breaks.
_LITERAL_SAFE = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")


def dump(value: object, *, comment: str = "") -> str:
    """``value`` as a YAML document, ending with a newline; ``comment`` lines go first as ``# ...``."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    if _is_collection(value) and value:
        lines += _block(value)
    else:
        head, *rest = _scalar(value)
        lines += [head, *_indent(rest)]
    return "\n".join(lines) + "\n"


def quote(text: str) -> str:
    """``text`` as a one-line YAML scalar: plain when that reads back unchanged; else in double
    quotes, or in single quotes when that spares escapes (``'echo "$X"'``)."""
    if _plain_ok(text):
        return text
    if _NEEDS_ESCAPE.search(text) is None and ('"' in text or "\\" in text):
        return "'" + text.replace("'", "''") + "'"
    return _double(text)


def _is_collection(value: object) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, Sequence) and not isinstance(value, str))


def _block(value: object) -> list[str]:
    """A non-empty mapping or sequence as block lines starting at column 0."""
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = _key(key)
            if _is_collection(item) and item:
                lines.append(f"{name}:")
                lines += _indent(_block(item))
            elif item is None:
                lines.append(f"{name}:")
            else:
                head, *rest = _scalar(item)
                lines.append(f"{name}: {head}")
                lines += _indent(rest)
        return lines
    assert isinstance(value, Sequence)
    for item in value:
        if _is_collection(item) and item:
            head, *rest = _block(item)
        else:
            head, *rest = _scalar(item)
        lines.append(f"- {head}")
        lines += _indent(rest)
    return lines


def _indent(lines: list[str]) -> list[str]:
    return [f"{INDENT}{line}" if line else "" for line in lines]


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"mapping keys must be strings, not {type(key).__name__}: {key!r}")
    text = quote(key)
    if len(text) > MAX_KEY:
        raise ValueError(f"a mapping key of {len(text)} characters is longer than YAML allows ({MAX_KEY})")
    return text


def _scalar(value: object) -> list[str]:
    """A scalar (or an empty collection) as its first line and, for literal blocks, the rest."""
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, float):
        return [_float(value)]
    if isinstance(value, str):
        if "\n" in value and _literal_ok(value):
            return _literal(value)
        return [quote(value)]
    if isinstance(value, Mapping):
        return ["{}"]
    if isinstance(value, Sequence):
        return ["[]"]
    raise TypeError(f"cannot write {type(value).__name__} as YAML: {value!r}")


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:  # 1e+100: YAML 1.1 wants a dot in the mantissa
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def _plain_ok(text: str) -> bool:
    return (
        bool(text)
        and _PLAIN_FIRST.match(text) is not None
        and _PLAIN.fullmatch(text) is not None
        and text.lower() not in _RESERVED
        and not text.endswith((" ", ":"))
        and ": " not in text
    )


def _double(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{_NEEDS_ESCAPE.sub(_escape, body)}"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _literal_ok(text: str) -> bool:
    """Whether a literal block reads back as exactly ``text``: printable lines without trailing
    spaces, a first non-empty line that does not start with a space (it sets the indentation)."""
    if _LITERAL_SAFE.fullmatch(text) is None:
        return False
    lines = text.split("\n")
    content = [line for line in lines if line]
    return bool(content) and not content[0].startswith(" ") and not any(line.endswith(" ") for line in lines)


def _literal(text: str) -> list[str]:
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    lines = body.split("\n")
    if chomp == "+":
        lines += [""] * (trailing - 1)
    return [f"|{chomp}", *lines]
