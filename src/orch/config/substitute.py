"""Substitution of ``{...}`` expressions, as tox 4 does it. Pure: all lookups go through a context.

Supported forms (see ``docs/reference/substitutions.md``):

``{posargs}`` ``{posargs:default}``
    the arguments after ``--`` on the command line, else the default (itself substituted);
``{env:NAME}`` ``{env:NAME:default}``
    the env's ``set_env`` value, else the caller's environment, else the default, else empty;
``{tty:ON:OFF}``
    ``ON`` when standard output is a terminal, else ``OFF``;
``{/}`` ``{:}``
    the path and path-list separators;
``{[section]key}`` ``{[section]key:default}``
    another section's value, read in the current env's context;
``{key}`` ``{key:default}``
    a core or env setting (``envname``, ``envdir``, ``toxinidir``...);
``[]``
    tox 3's spelling of ``{posargs}``, anywhere in a value;
anything else, such as ``{py38,py39}`` or a ``{[section]key}`` that names no value
    kept as written. ``\\{``, ``\\}``, ``\\[``, ``\\]`` and ``\\:`` are the literal characters; ``\\\\`` stays
    two backslashes (a later shell split makes them one) and escapes nothing.

Positional arguments are always shell-quoted (``a b`` given as one argument reads ``'a b'``), as tox does.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Protocol

from orch.errors import ConfigError

# As text, not compiled: re compiles a pattern at its first use (and keeps it), not at every start of orch.
_REFERENCE = r"(?s)^(?:\[(?P<section>[^\]]+)\])?(?P<key>[-a-zA-Z0-9_]+)(?::(?P<default>.*))?$"


if TYPE_CHECKING:
    # Protocols exist for the type checker only: defining one at run time costs start-up time.
    class Context(Protocol):
        """What substitution needs from the outside world."""

        def posargs(self) -> tuple[str, ...] | None:
            """The positional arguments given after ``--``, or ``None`` when none were given."""

        def env_var(self, name: str) -> str | None:
            """The env's ``set_env`` value of ``name`` or the caller's environment variable, or ``None``."""

        def reference(self, section: str | None, key: str) -> str | None:
            """The text of a setting (``None`` section: a core or env key), or ``None`` when there is none."""

        def is_tty(self) -> bool:
            """Whether standard output is a terminal."""


MAX_NESTING = 50
"""Deepest nesting of ``{...}`` expressions inside one another (``{env:A:{env:B:...}}``) in one value."""


class UnbalancedBraces(ConfigError):
    """A ``{`` without its ``}``."""


_SPECIAL = r"\\[\\{}\[\]:]|\[\]|[{}]"


def _find_close(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start``, or -1."""
    depth = 0
    for match in re.compile(_SPECIAL).finditer(text, start):  # re keeps it compiled
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                return match.start()
    return -1


def substitute(
    text: str, ctx: Context, *, quote_posargs: bool = True, keep_escapes: bool = False, _depth: int = 0
) -> str:
    """Replace every ``{...}`` expression (and ``[]``) in ``text``.

    ``quote_posargs`` (tox always does) quotes positional arguments so that splitting the command line again gives
    them back one by one. ``keep_escapes`` keeps the escapes (``\\{``...) escaped for a later pass, otherwise they
    become the literal characters.

    :raises ConfigError: expressions nested more than :data:`MAX_NESTING` deep
    """
    if _depth > MAX_NESTING:
        raise ConfigError(f"substitutions nested more than {MAX_NESTING} deep")
    if "{" not in text and "\\" not in text and "[]" not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        match = re.compile(_SPECIAL).search(text, pos)
        if match is None:
            out.append(text[pos:])
            return "".join(out)
        start, token = match.start(), match.group()
        out.append(text[pos:start])
        if token == "\\\\":
            out.append(token)
            pos = match.end()
        elif token.startswith("\\"):
            out.append(token if keep_escapes else token[1])
            pos = match.end()
        elif token == "[]":
            out.append(_expression("posargs", ctx, quote_posargs=quote_posargs, depth=_depth))
            pos = match.end()
        elif token == "}":
            out.append(token)
            pos = match.end()
        else:
            end = _find_close(text, start)
            if end == -1:  # never closed: a literal brace, as in tox
                out.append(token)
                pos = start + 1
                continue
            if getattr(ctx, "exhausted", False):  # a self-reference went too deep: the rest stays as written
                out.append(text[start : end + 1])
            else:
                out.append(_expression(text[start + 1 : end], ctx, quote_posargs=quote_posargs, depth=_depth))
            pos = end + 1


def _split_top(text: str) -> tuple[str, str, str]:
    """``str.partition(":")`` that ignores colons inside nested ``{...}``."""
    depth = 0
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == ":" and depth == 0:
            return text[:i], ":", text[i + 1 :]
    return text, "", ""


def _expression(inner: str, ctx: Context, *, quote_posargs: bool, depth: int) -> str:
    def again(value: str) -> str:
        return substitute(value, ctx, quote_posargs=quote_posargs, _depth=depth + 1)

    if inner in ("/", ":"):
        return os.sep if inner == "/" else os.pathsep
    head, sep, rest = inner.partition(":")
    if head == "posargs":
        given = ctx.posargs()
        if given is not None:
            import shlex  # only for posargs: not at every start

            return shlex.join(" ".join(arg.splitlines()) for arg in given) if quote_posargs else " ".join(given)
        return again(rest) if sep else ""
    if head == "env" and sep:
        name, has_default, default = _split_top(rest)
        name = again(name)
        value = ctx.env_var(name)
        if value is not None:
            return value
        return again(default) if has_default else ""
    if head == "tty" and sep:
        on, _, off = _split_top(rest)
        return again(on) if ctx.is_tty() else again(off)
    match = re.match(_REFERENCE, inner)
    if match is not None:
        value = ctx.reference(match.group("section"), match.group("key"))
        if value is not None:
            return value
        if match.group("default") is not None:
            return again(match.group("default"))
    # Not a substitution (a generative expression, a reference to no value): keep it, substituting inside.
    return "{" + again(inner) + "}"
