"""``orch convert``: one tox.ini value as TOML data in tox's schema (:class:`ValueConverter`).

* commands are lists of arguments (``["-", ...]`` ignores the exit code); a bare ``{posargs}``
  argument is ``{ replace = "posargs", extend = true }``, ``{posargs:a b}`` has ``default = ["a", "b"]``;
* a factor-conditional line (``py38,!lint-x: mock``) is ``{ replace = "if", condition = "factor.py38
  or not factor.lint and factor.x", then = [...], extend = true }``;
* lists are arrays, ``set_env`` a table, bools and whole numbers TOML's own where the key takes them;
* where the ini joins a conditional line with others (a scalar's lines; a command line continued
  with ``\\`` into or out of a conditional line), each combination of the value's conditions (up
  to :data:`_MAX_VARIANTS` of them) is spelled with the text tox's filter gives for it: nested
  ``if`` tables for a scalar, one ``if`` per combination for commands;
* a whole argument (or list item) that is only a substitution that may be empty (``{env:X}``,
  ``{tty:a:}``) adds nothing when empty, as the ini's split after substitution: an ``env`` table,
  or ``{ replace = "if", condition = "env_name == env_name", then = "{tty:a:}", extend = true }``;
* an ``{env:X}`` whose value holds several arguments cannot be split in TOML (tox's TOML neither):
  where the env's set_env sets X statically, the value is split at conversion time
  (:mod:`orch.config.convert_setenv`); where X comes from the caller, it stays one argument;
* a line that is only a reference to the same key of another env table (``{[testenv]deps}``) is
  ``{ replace = "ref", of = ["env_run_base", "deps"], extend = true }``.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any, cast

from orch.config.conditions import Condition, filter_for_env, split_condition
from orch.config.convert_commands import Lookup, command, maybe_empty, split_args
from orch.config.convert_setenv import static_args
from orch.config.factors import expand_env_list
from orch.config.registry import Kind, Scope, UnknownSetting

if TYPE_CHECKING:
    from orch.config.convert_tables import TableConverter

REFERENCE = re.compile(r"\{\[(?P<section>[^\]]+)\](?P<key>[-\w]+)\}")
WHOLE = re.compile(r"^\{\[(?P<section>[^\]]+)\](?P<key>[-\w]+)\}$")
MAX_INLINE = 20
LIST_KINDS = (Kind.LIST, Kind.NAMES, Kind.LINES, Kind.DEPS, Kind.COMMANDS)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"-?[1-9][0-9]{0,17}|0")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")
_SCALARS = (Kind.STR, Kind.BOOL, Kind.INT, Kind.FLOAT, Kind.PATH)
_MAX_VARIANTS = 4  # conditions of one value spelled as every combination of them (2**n ini texts)


def plain(text: str) -> str | list[str]:
    """Text kept as the ini has it: a string, or an array of its lines."""
    return text if "\n" not in text else text.split("\n")


if TYPE_CHECKING:  # an alias for annotations only: `str | None` cannot be evaluated on Python 3.9
    _Item = tuple[str | None, object]  # (condition in tox's expression language or None, content)


class ValueConverter:
    """One ini value as TOML data for a key of ``kind`` (None: a key no setting reads)."""

    def __init__(
        self,
        owner: TableConverter,
        scope: Scope,
        key: str,
        kind: Kind | None,
        *,
        filtering: bool,
        set_env: str | None = None,
    ) -> None:
        self.owner, self.scope, self.key, self.kind, self.filtering = owner, scope, key, kind, filtering
        self.set_env = set_env  # the set_env text of the envs that read the value (None: unknown)

    def convert(self, text: str) -> object:
        kind = self.kind
        if kind is None:
            return plain(text)
        variants = self.variants(text) if self.filtering and kind in (*_SCALARS, Kind.COMMANDS) else None
        if variants is not None:
            return self.combined(*variants)
        items = self.items(text, None, 0)
        if kind is Kind.COMMANDS:
            return self.listed(items, self.command)
        if kind in (Kind.DEPS, Kind.LINES):
            return self.listed(items, lambda content: [content.strip()] if content.strip() else [])
        if kind in (Kind.LIST, Kind.NAMES):
            single = sum(1 for _, content in items if not isinstance(content, str) or content.strip()) <= 1
            single = single and "\n" not in text.strip()
            if not single:
                return self.listed(_alone_splits(items), lambda content: _split_list(content, single=False))
            return self.listed(items, lambda content: _split_list(content, single=single))
        if kind is Kind.DICT:
            return self.table(items)
        if kind is Kind.ENV_LIST:
            return self.listed(items, _env_names)
        if kind is Kind.LABELS:
            if any(condition is not None or not isinstance(content, str) for condition, content in items):
                return plain(text)
            labels: dict[str, object] = {}
            for _, content in items:
                if not str(content).strip():
                    continue
                label, sep, envs = str(content).partition("=")
                if not sep:
                    return plain(text)
                labels[label.strip()] = _env_names(envs)
            return labels
        return self.scalar(items, kind)

    # ------------------------------------------------------------------------------ variants
    def variants(self, text: str) -> tuple[list[str], dict[tuple[bool, ...], str]] | None:
        """For a value whose conditional lines the ini joins with others (a scalar's lines, a
        command's continuation lines): the conditions and the ini's text for each combination of
        them holding, found with tox's own filter. None for other values, or too many conditions."""
        lines = text.split("\n")
        parsed = [split_condition(line) for line in lines]
        conditional = [i for i, (condition, _) in enumerate(parsed) if condition is not None]
        if not conditional or len(conditional) > _MAX_VARIANTS or "{[" in text:
            return None
        if self.kind is Kind.COMMANDS and not any(
            lines[i].rstrip().endswith("\\") or (i and lines[i - 1].rstrip().endswith("\\")) for i in conditional
        ):
            return None
        conditions = [str(_condition(parsed[i][0])) for i in conditional]
        fake = list(lines)
        for number, i in enumerate(conditional):
            fake[i] = f"zq{number}: {parsed[i][1]}"
        leaves: dict[tuple[bool, ...], str] = {}
        for vector in itertools.product((True, False), repeat=len(conditional)):
            env = "-".join(f"zq{n}" for n, holds in enumerate(vector) if holds) or "zqnone"
            leaves[vector] = filter_for_env("\n".join(fake), env)
        return conditions, leaves

    def combined(self, conditions: list[str], leaves: dict[tuple[bool, ...], str]) -> object:
        """Commands: one ``if`` per combination; a scalar: nested ``if`` tables, one level per condition."""
        plain = ValueConverter(self.owner, self.scope, self.key, self.kind, filtering=False, set_env=self.set_env)
        if self.kind is Kind.COMMANDS:
            result: list[object] = []
            for vector, leaf in leaves.items():
                commands = plain.convert(leaf)
                if commands:
                    parts = [_wrap(c) if holds else f"not ({c})" for c, holds in zip(conditions, vector)]
                    result.append(_if(" and ".join(parts), cast("list[object]", commands)))
            return result

        def node(prefix: tuple[bool, ...]) -> object:
            if len(prefix) == len(conditions):
                return plain.convert(leaves[prefix])
            then, otherwise = node((*prefix, True)), node((*prefix, False))
            if then == otherwise:
                return then
            return {"replace": "if", "condition": conditions[len(prefix)], "then": then, "else": otherwise}

        return node(())

    # --------------------------------------------------------------------------------- lines
    def items(self, text: str, outer: str | None, depth: int) -> list[_Item]:
        """The value's lines: their conditions, continuation lines joined, references inlined."""
        lines: list[tuple[Condition | None, str]] = []
        for line in text.split("\n"):
            condition, content = split_condition(line) if self.filtering else (None, line)
            if lines and lines[-1][1].endswith("\\") and condition is None:
                last_condition, last = lines[-1]
                lines[-1] = (last_condition, last[:-1] + content)
                continue
            lines.append((condition, content))
        result: list[_Item] = []
        for condition, content in lines:
            joined = _and(outer, _condition(condition))
            stripped = content.strip()
            whole = WHOLE.match(stripped)
            if whole is not None:
                ref = self.owner.env_ref(whole.group("section"), whole.group("key"), self.kind)
                if ref is not None and whole.group("key") in (self.key, *self._aliases()):
                    result.append((joined, ref))
                    continue
            inlined = self.owner.inline(stripped) if "{[" in stripped else stripped
            if "\n" in inlined and depth < MAX_INLINE:
                result.extend(self.items(inlined, joined, depth + 1))
            else:
                result.append((joined, inlined if condition is not None or "{[" in stripped else content))
        return result

    def _aliases(self) -> tuple[str, ...]:
        try:
            return self.owner.registry.get(self.scope, self.key).names
        except UnknownSetting:
            return ()

    # -------------------------------------------------------------------------------- shapes
    def listed(self, items: list[_Item], convert: Any) -> list[object]:
        result: list[object] = []
        for condition, content in items:
            if isinstance(content, _Split):
                values: list[object] = list(content)
            elif isinstance(content, str):
                values = [maybe_empty(v) for v in convert(content)]
            else:
                values = [content]
            if condition is None:
                result.extend(values)
            elif values:
                result.append({"replace": "if", "condition": condition, "then": values, "extend": True})
        return result

    def command(self, content: str) -> list[object]:
        if not content.strip():
            return []
        return [command(content.strip().removesuffix("\\").strip() or content.strip(), self._lookup())]

    def _lookup(self) -> Lookup | None:
        set_env = self.set_env
        if set_env is None:
            return None
        return lambda name, runtime, wrap=list: static_args(set_env, name, runtime, split_args, _ini_condition, wrap)

    def table(self, items: list[_Item]) -> object:
        """set_env: a table, or a list of tables when lines are conditional or references."""
        parts: list[object] = []
        current: dict[str, str] = {}
        for condition, content in items:
            if not isinstance(content, str):
                if current:
                    parts.append(current)
                    current = {}
                parts.append(content if condition is None else _if(condition, [content]))
                continue
            stripped = content.strip()
            if not stripped:
                continue
            key, sep, value = stripped.partition("=")
            if not sep or stripped.startswith("file|"):
                raise Unconvertible(stripped)
            if condition is None:
                current[key.strip()] = value.strip()
                continue
            if current:
                parts.append(current)
                current = {}
            parts.append(_if(condition, [{key.strip(): value.strip()}]))
        if current or not parts:
            parts.append(current)
        return parts[0] if len(parts) == 1 and isinstance(parts[0], dict) and "replace" not in parts[0] else parts

    def scalar(self, items: list[_Item], kind: Kind) -> object:
        plain = [str(content).strip() for condition, content in items if condition is None and str(content).strip()]
        value: object = " ".join(plain)
        if not any(condition is not None for condition, _ in items):
            return _typed(str(value), kind)
        for condition, content in reversed([i for i in items if i[0] is not None]):
            value = {"replace": "if", "condition": condition, "then": _typed(str(content).strip(), kind), "else": value}
        return value


class Unconvertible(ValueError):
    """A value the TOML schema has no spelling for (a set_env ``file|`` line)."""


def _if(condition: str, then: list[object]) -> dict[str, object]:
    return {"replace": "if", "condition": condition, "then": then, "extend": True}


def _typed(text: str, kind: Kind) -> object:
    if kind is Kind.BOOL and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if kind in (Kind.INT, Kind.FLOAT) and _INTEGER.fullmatch(text):
        return int(text)
    if kind is Kind.FLOAT and _DECIMAL.fullmatch(text):
        return float(text)
    return text


class _Split(tuple[str, ...]):
    """Several list items that one ini line gives (its comma-separated parts)."""


def _alone_splits(items: list[_Item]) -> list[_Item]:
    """tox splits a list value at commas only when one line is left after the factor filter: a
    conditional line with commas is split where no other line holds, and kept whole where one does."""
    present = [i for i, (_, content) in enumerate(items) if not isinstance(content, str) or content.strip()]
    if any(items[i][0] is None for i in present):
        return items
    result: list[_Item] = []
    for index, (condition, content) in enumerate(items):
        others = [str(items[i][0]) for i in present if i != index]
        if condition is None or not isinstance(content, str) or "," not in content or not others:
            result.append((condition, content))
            continue
        either = " or ".join(_wrap(other) for other in others)
        parts = _Split(part.strip() for part in content.split(",") if part.strip())
        result.append((f"{_wrap(condition)} and not ({either})", parts))
        result.append((f"{_wrap(condition)} and ({either})", content))
    return result


def _split_list(content: str, *, single: bool) -> list[str]:
    if single:
        return [item.strip() for item in content.split(",") if item.strip()]
    return [content.strip()] if content.strip() else []


def _env_names(content: str) -> list[str]:
    if not content.strip():
        return []
    if "{[" in content or "{env" in content or "{posargs" in content:
        return [content.strip()]
    try:
        return expand_env_list(content)
    except ValueError:
        return [content.strip()]


def _condition(condition: Condition | None) -> str | None:
    """A tox.ini factor condition in tox's ``if`` language: ``,`` is or, ``-`` and, ``!`` not."""
    if condition is None:
        return None
    groups = []
    for group in condition.groups:
        parts = [("not " if negated else "") + _factor(name) for name, negated in group]
        groups.append(" and ".join(parts))
    return " or ".join(groups) if groups else "False"


def _ini_condition(text: str) -> str:
    return str(_condition(split_condition(f"{text}: x")[0]))


def _factor(name: str) -> str:
    import keyword

    if _IDENTIFIER.fullmatch(name) and not keyword.iskeyword(name):
        return f"factor.{name}"
    return "factor[" + _basic(name) + "]"


def _basic(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _and(outer: str | None, inner: str | None) -> str | None:
    if outer is None or inner is None:
        return outer or inner
    return f"{_wrap(outer)} and {_wrap(inner)}"


def _wrap(text: str) -> str:
    return f"({text})" if " or " in text else text
