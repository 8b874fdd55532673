"""``orch convert``: an ``{env:X}`` command argument that the env's own ``set_env`` sets, split at conversion time.

A tox.ini splits a command line after substituting, so ``{env:X}`` gives as many arguments as X's
value has words; a TOML argument stays one argument. ``{env:X}`` reads the env's ``set_env``
before the caller's environment, so where ``set_env`` sets X to a text that does not depend on the
caller's environment, the converter substitutes it and splits it with the ini's rules
(:func:`static_args`). The value may differ per env: each combination of the factor conditions of
the ``set_env`` lines that matter (up to :data:`MAX_CONDITIONS` of them) gets its arguments, as
nested ``{ replace = "if", condition = ..., then = [...], else = [...], extend = true }``.

Inside X's value, an ``{env:Y}`` that ``set_env`` sets is substituted too; one it does not set is
kept when it ends up a whole argument without a default holding spaces (it then reads like any
other whole-argument ``{env:Y}``). A combination where X comes from the caller's environment, or
whose value holds ``{tty:...}``, ``{posargs}``, a reference or an ``{env:Y}`` that cannot be kept,
gets today's spelling (one argument), given by the caller as ``runtime``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from orch.config.conditions import filter_for_env, split_condition

MAX_CONDITIONS = 4
_ENV = re.compile(r"\{env:(?P<name>[\w.-]+)(?::(?P<default>[^{}]*))?\}")
_RUNTIME_MARKS = ("{tty:", "{posargs", "{[", "[]")

Split = Callable[[str], list[object]]
"""A text's arguments by the ini's command splitting (``{env:Y}`` arguments as replacement tables)."""
Wrap = Callable[[list[object]], list[object]]
"""What the arguments of one combination become (a posargs default is wrapped in its posargs table:
tox and orch spread no ``extend`` inside a default)."""
ConditionText = Callable[[str], str]
"""A tox.ini factor condition (``py38,!lint``) in tox's ``if`` language."""


class _Runtime(Exception):
    """The value depends on the caller's environment (or on something else known only at run time)."""


def for_env(text: str, names: list[str] | None) -> str:
    """A set_env text as one env reads it: filtered for the only env of a table, else kept whole."""
    return filter_for_env(text, names[0]) if names is not None and len(names) == 1 else text


def static_args(
    set_env: str, name: str, runtime: list[object], split: Split, condition: ConditionText, wrap: Wrap = list
) -> list[object] | None:
    """The arguments ``{env:NAME}`` gives in envs whose set_env text is ``set_env`` (``runtime`` where
    it depends on the run time), each leaf through ``wrap``; None when it depends on the run time everywhere."""
    lines: list[tuple[str | None, str]] = []
    for line in set_env.split("\n"):
        if line.rstrip().endswith("\\"):
            return None
        found, content = split_condition(line)
        condition_text = None if found is None else line[: len(line) - len(content)].strip().removesuffix(":")
        lines.append((condition_text, content.strip()))
    if any(content.startswith("file|") for _, content in lines):
        return None
    relevant = _closure(lines, name)
    conditional = sorted({c for c, content in lines if c is not None and _key(content) in relevant})
    if len(conditional) > MAX_CONDITIONS:
        return None
    leaves: dict[tuple[bool, ...], list[object] | None] = {}
    for vector in itertools.product((True, False), repeat=len(conditional)):
        holds = dict(zip(conditional, vector))
        values: dict[str, str] = {}
        for condition_text, content in lines:
            if content and "=" in content and (condition_text is None or holds.get(condition_text)):
                key, _, value = content.partition("=")
                values[key.strip()] = value.strip()
        try:
            leaves[vector] = _arguments(values, name, split)
        except _Runtime:
            leaves[vector] = None
    if all(leaf is None for leaf in leaves.values()):
        return None

    def node(prefix: tuple[bool, ...]) -> list[object]:
        if len(prefix) == len(conditional):
            leaf = leaves[prefix]
            return wrap(runtime if leaf is None else leaf)
        then, otherwise = node((*prefix, True)), node((*prefix, False))
        if then == otherwise:
            return then
        text = condition(conditional[len(prefix)])
        return [{"replace": "if", "condition": text, "then": then, "else": otherwise, "extend": True}]

    return node(())


def _key(content: str) -> str:
    return content.partition("=")[0].strip()


def _closure(lines: list[tuple[str | None, str]], name: str) -> set[str]:
    """NAME and the keys its values (on any line) refer to with ``{env:...}``, transitively."""
    found, queue = {name}, [name]
    while queue:
        current = queue.pop()
        for _, content in lines:
            if _key(content) == current:
                for match in _ENV.finditer(content.partition("=")[2]):
                    if match.group("name") not in found:
                        found.add(match.group("name"))
                        queue.append(match.group("name"))
    return found


def _arguments(values: dict[str, str], name: str, split: Split) -> list[object]:
    text = _text(values, name, ())
    args = split(text)
    for arg in args:
        if isinstance(arg, str) and ("{env:" in arg or "{tty:" in arg):
            raise _Runtime  # a substitution inside a longer argument: its spaces would split in the ini
        if isinstance(arg, dict):
            default = arg.get("default", "")
            if arg.get("replace") != "env" or not isinstance(default, str) or len(default.split()) > 1:
                raise _Runtime  # a default of several words: the ini splits it, TOML would not
    return args


def _text(values: dict[str, str], name: str, seen: tuple[str, ...]) -> str:
    value = values.get(name)
    if value is None or name in seen:
        raise _Runtime
    if any(mark in value for mark in _RUNTIME_MARKS):
        raise _Runtime

    def substitute(match: re.Match[str]) -> str:
        inner = match.group("name")
        if inner in values:
            return _text(values, inner, (*seen, name))
        return match.group(0)  # the caller's: kept, and it must be a whole argument (checked after the split)

    return _ENV.sub(substitute, value)
