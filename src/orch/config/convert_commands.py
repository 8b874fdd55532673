"""``orch convert``: one tox.ini command line as a TOML list of arguments.

The line is split as the ini splits it, with each top-level ``{...}``, ``[]`` and escape kept whole;
``{posargs}`` and ``[]`` become ``{ replace = "posargs", extend = true }``, ``{posargs:a b}`` a posargs
table with a default, and a whole argument that is only ``{env:X}`` or ``{tty:...}`` a replacement
that adds nothing when it is empty, as the ini's split after substitution does.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from orch.config.typed import to_command

Lookup = Callable[..., "list[object] | None"]
"""The converter's look-up of an ``{env:X}`` whose value the env's set_env sets statically."""
ALWAYS = "env_name == env_name"
"""A condition that always holds: an ``if`` whose only job is to drop an argument when empty."""
_BRACES = re.compile(r"\\[\\{}\[\]:]|\[\]|[{}]")
_ENV = re.compile(r"\{env:(?P<name>[\w.-]+)(?::(?P<default>[^{}]*))?\}")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_MAY_BE_EMPTY = ("{tty:", "{env:")  # whole-argument substitutions with no replacement table of their own


def _protect(line: str) -> tuple[str, list[str]]:
    """The line with each top-level ``{...}``, ``[]`` and escape replaced by a placeholder shlex keeps whole."""
    saved: list[str] = []
    out: list[str] = []
    pos = 0
    while True:
        match = _BRACES.search(line, pos)
        if match is None:
            out.append(line[pos:])
            return "".join(out), saved
        start, token = match.start(), match.group()
        out.append(line[pos:start])
        if token == "{":
            end = _find_close(line, start)
            if end == -1:
                out.append(token)
                pos = start + 1
                continue
            token = line[start : end + 1]
        elif token in ("}", "\\\\"):
            out.append(token)
            pos = match.end()
            continue
        out.append(f"\x00{len(saved)}\x00")
        saved.append(token)
        pos = start + len(token)


def _find_close(text: str, start: int) -> int:
    depth = 0
    for match in _BRACES.finditer(text, start):
        if match.group() == "{":
            depth += 1
        elif match.group() == "}":
            depth -= 1
            if depth == 0:
                return match.start()
    return -1


def _args(line: str, lookup: Lookup | None = None) -> tuple[list[object], bool, bool]:
    """The arguments of a command line, ``{posargs}`` as a replacement; ignore and invert flags."""
    protected, saved = _protect(line)
    command = to_command(protected)
    args: list[object] = []
    for arg in command.args:
        whole = _PLACEHOLDER.fullmatch(arg)
        original = saved[int(whole.group(1))] if whole else None
        if original in ("{posargs}", "[]"):
            args.append({"replace": "posargs", "extend": True})
            continue
        env = _ENV.fullmatch(original) if original is not None else None
        if env is not None:  # empty: no argument, as the ini's split gives
            today = [maybe_empty(original)]
            found = lookup(env.group("name"), today) if lookup is not None else None
            args.extend(today if found is None else found)
            continue
        if original is not None and original.startswith("{posargs:"):
            default = original[len("{posargs:") : -1]
            today = split_args(default)
            env = _ENV.fullmatch(default.strip())
            found = lookup(env.group("name"), today, _posargs) if lookup is not None and env is not None else None
            args.extend(_posargs(today) if found is None else found)
            continue
        if original is not None and original.startswith(_MAY_BE_EMPTY):
            args.append({"replace": "if", "condition": ALWAYS, "then": original, "extend": True})
            continue
        args.append(_PLACEHOLDER.sub(lambda m: saved[int(m.group(1))], arg))
    return args, command.ignore_exit, command.invert_exit


def _posargs(default: list[object]) -> list[object]:
    return [{"replace": "posargs", "default": default, "extend": True}]


def maybe_empty(item: object) -> object:
    """A list item that is only an ``{env:X}`` substitution: a replacement that adds nothing when
    empty, as the ini's split after substitution does."""
    env = _ENV.fullmatch(item) if isinstance(item, str) else None
    if env is None:
        return item
    table: dict[str, object] = {"replace": "env", "name": env.group("name")}
    if env.group("default") is not None:
        table["default"] = env.group("default")
    return {**table, "extend": True}


def split_args(text: str) -> list[object]:
    """Arguments only (a leading ``-`` is an argument here): a posargs default."""
    if not text.strip():
        return []
    args, _, _ = _args("x " + text)
    return args[1:]


def command(line: str, lookup: Lookup | None = None) -> list[object]:
    args, ignore, invert = _args(line, lookup)
    return [*(["-"] if ignore else ["!"] if invert else []), *args]
