"""TOML data to typed values, with tox 4's replacement tables.

A value is first *unrolled*: each string gets the ini substitutions (``{env_name}``,
``{posargs}``, ``{[env_run_base]deps}``...), and each table with a ``replace`` key is replaced:

``{ replace = "posargs", default = [...] }``
    the arguments after ``--`` as a list, else the default;
``{ replace = "env", name = "X", default = "..." }``
    the env's ``set_env`` value of ``X``, else the caller's variable, else the default;
``{ replace = "ref", of = ["env_run_base", "deps"] }``
    the value at that path from the document's root, unrolled for the env being read;
``{ replace = "ref", env = "NAME", key = "KEY" }``
    another env's resolved value;
``{ replace = "if", condition = "factor.py312 and env.CI", then = ..., else = ... }``
    ``then`` or ``else`` (default ``""``) by a condition over ``factor.NAME``, ``env.NAME``,
    ``env_name``, string constants, ``==``, ``!=``, ``and``, ``or`` and ``not``;
``{ replace = "glob", pattern = "...", default = ... }``
    the sorted paths matching the pattern (relative to the project root).

In a list, an item with ``extend = true`` spreads its list result into the list (an empty string
adds nothing; another string is one item). Then the data is checked and converted for its kind:
commands are lists of argument lists (``"-"`` first ignores the exit code), lists are lists of
strings, and so on. A value of the wrong shape is a :class:`ValueError`, which the resolver turns
into a value error of that key.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orch.config.conditions import active_factors, filter_for_env
from orch.config.context import Context, stringify
from orch.config.registry import Scope, Setting
from orch.config.substitute import substitute
from orch.config.toml_typed import convert, describe, raw_table
from orch.config.typed import to_command
from orch.config.types import Command
from orch.errors import Location

if TYPE_CHECKING:
    import ast

    from orch.config.resolve import Resolver
    from orch.config.toxtoml import TomlSource

_MAX_DEPTH = 100
_SPACES = re.compile(r"\s+")


class TomlContext(Context):
    """The substitution context of a TOML file: ``{[TABLE]key}`` reads the document, not ini sections."""

    def reference(self, section: str | None, key: str) -> str | None:
        if section is None or section == self.resolver.core_name:
            return super().reference(section, key)
        source = _source(self.resolver)
        if source.dialect == "orch" and (section == "testenv" or section.startswith("testenv:")):
            return super().reference(section, key)  # orch's first schema kept tox.ini's section names
        if section.startswith("env."):  # another env's resolved value
            env = section[len("env.") :]
            if self.resolver.registry.canonical(Scope.ENV, key) is None:
                return None
            return stringify(self.resolver.env(env, key))
        try:
            raw = source.lookup([*section.split("."), key])
        except KeyError:
            return None
        return _text(raw)  # as written: tox does not substitute inside the referenced text


def _text(value: object) -> str:
    """tox's ``stringify`` of raw TOML data."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        return "\n".join(f"{k}={_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_text(item) for item in value)
    return str(value)


def _source(resolver: Resolver) -> TomlSource:
    from orch.config.toxtoml import TomlSource

    source = resolver.source
    assert isinstance(source, TomlSource)
    return source


class Unroll:
    """Replaces the strings and replacement tables of one value, for one section."""

    def __init__(self, resolver: Resolver, scope: Scope, name: str | None, *, substitute_strings: bool = True) -> None:
        self.resolver, self.scope, self.name = resolver, scope, name
        self.ctx = TomlContext(resolver, scope, name)
        self.substitute_strings = substitute_strings
        self._refs: list[str] = []

    def __call__(self, value: object, depth: int = 0) -> object:
        if depth > _MAX_DEPTH:
            raise ValueError("replacements nest more than 100 levels deep (a reference to itself?)")
        if isinstance(value, str):
            return substitute(value, self.ctx) if self.substitute_strings else value
        if isinstance(value, list):
            return self._list(value, depth + 1)
        if isinstance(value, dict):
            return self._table(value, depth + 1)
        return value

    def _list(self, value: list[object], depth: int) -> list[object]:
        result: list[object] = []
        for item in value:
            got = self(item, depth)
            spread = isinstance(item, dict) and bool(item.get("replace")) and bool(item.get("extend"))
            if not spread:
                result.append(got)
            elif isinstance(got, str):
                if got:  # an empty string (an `if` with no `else`) adds nothing
                    result.append(got)
            elif isinstance(got, (list, tuple)):
                result.extend(got)
            else:
                result.append(got)
        return result

    def _table(self, value: dict[str, object], depth: int) -> object:
        kind = value.get("replace")
        handler = {
            "posargs": self._posargs,
            "env": self._env,
            "ref": self._ref,
            "if": self._if,
            "glob": self._glob,
            "factors": self._factors,
            "command-line": self._command_line,
        }.get(kind if isinstance(kind, str) else "")
        if handler is None:
            return {key: self(item, depth) for key, item in value.items()}
        return handler(value, depth)

    def _posargs(self, value: dict[str, object], depth: int) -> object:
        given = self.resolver.posargs
        if given is not None:
            return list(given)
        default = value.get("default", [])
        if not isinstance(default, list):
            raise ValueError("a posargs replacement's default must be a list")
        return [self(item, depth) for item in default]

    def _env(self, value: dict[str, object], depth: int) -> object:
        name = value.get("name")
        if not isinstance(name, str):
            raise ValueError('an env replacement needs a string "name"')
        default = self(value.get("default", ""), depth)
        if not self.substitute_strings:  # set_env: read when the value is, seeing the keys next to it
            return f"{{env:{name}:{default}}}" if isinstance(default, str) else f"{{env:{name}}}"
        found = self.ctx.env_var(name)
        return found if found is not None else default

    def _ref(self, value: dict[str, object], depth: int) -> object:
        env, key = value.get("env"), value.get("key")
        if isinstance(env, str) and isinstance(key, str) and env and key:
            return _as_data(self.resolver.env(env, key))
        of = value.get("of")
        if not of:
            return value
        if not isinstance(of, list) or not all(isinstance(part, str) for part in of):
            raise ValueError('a ref replacement\'s "of" must be a list of strings')
        path = ".".join(of)
        if path in self._refs:
            raise ValueError(f"circular reference {' -> '.join([*self._refs, path])}")
        try:
            loaded = _source(self.resolver).lookup(of)
        except KeyError:
            raise ValueError(f"the reference {path} names no value in the file") from None
        self._refs.append(path)
        try:
            return self(loaded, depth)
        finally:
            self._refs.pop()

    def _if(self, value: dict[str, object], depth: int) -> object:
        condition = value.get("condition")
        if not condition or not isinstance(condition, str):
            raise ValueError("No condition was supplied in if replacement")
        if "then" not in value:
            raise ValueError("No 'then' value was supplied in if replacement")
        matched = _Condition(self, condition).holds()
        return self(value["then"] if matched else value.get("else", ""), depth)

    def _glob(self, value: dict[str, object], depth: int) -> object:
        pattern = self(value.get("pattern", ""), depth)
        if not isinstance(pattern, str) or not pattern:
            raise ValueError("No pattern was supplied in glob replacement")
        if not Path(pattern).is_absolute():
            pattern = str(Path(glob.escape(str(self.resolver.root))) / pattern)
        extend = bool(value.get("extend"))
        matches = sorted(glob.glob(pattern, recursive=True))
        if matches:
            return list(matches) if extend else " ".join(matches)
        default = value.get("default")
        if default is None:
            return [] if extend else ""
        return self(default, depth)

    def _factors(self, value: dict[str, object], depth: int) -> object:
        """orch's first schema: ``{ if = "py38,!lint", then = ... }``, a tox.ini factor condition."""
        condition = str(value["condition"]).strip()
        active = filter_for_env(f"{condition}: x", self.name if self.scope is Scope.ENV else None) == "x"
        return self(value["then"], depth) if active else []

    def _command_line(self, value: dict[str, object], depth: int) -> object:
        """orch's first schema: a command as one string, split like a tox.ini line."""
        return _as_data(to_command(substitute(str(value["line"]), self.ctx, quote_posargs=True)))


class _Condition:
    """tox's ``if`` conditions: a small expression language, evaluated without ``eval``. :mod:`ast` is
    imported when a condition is evaluated: most configs have none, and it costs every run 2-3 ms."""

    def __init__(self, unroll: Unroll, text: str) -> None:
        self.unroll, self.text = unroll, text
        name = unroll.name if unroll.scope is Scope.ENV else None
        self.env_name = name or ""
        self.factors = active_factors(name)  # the name's factors, the platform and the machine's ISA

    def holds(self) -> bool:
        import ast

        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError:
            raise ValueError(f"Invalid condition expression: {self.text}") from None
        return bool(self._eval(tree.body))

    def _eval(self, node: ast.expr) -> str | bool:
        import ast

        if isinstance(node, ast.BoolOp):
            values = (bool(self._eval(v)) for v in node.values)
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not bool(self._eval(node.operand))
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            left, right = self._eval(node.left), self._eval(node.comparators[0])
            return (left == right) if isinstance(node.ops[0], ast.Eq) else (left != right)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id == "env_name":
            return self.env_name
        namespace, key = self._lookup(node)
        if namespace == "env":
            return self.unroll.resolver.environ.get(key, "")
        if namespace == "factor":
            return key in self.factors
        raise ValueError(f"Unsupported expression in condition: {self.text}")

    @staticmethod
    def _lookup(node: ast.expr) -> tuple[str, str]:
        import ast

        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.value.id, node.attr
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            return node.value.id, node.slice.value
        return "", ""


def _as_data(value: object) -> object:
    """A resolved value in the shape a TOML key holds it (for ``ref`` to another env's key)."""
    if isinstance(value, Command):
        return [*(["-"] if value.ignore_exit else ["!"] if value.invert_exit else []), *value.args]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _as_data(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_as_data(item) for item in value]
    return value


def typed(resolver: Resolver, scope: Scope, name: str | None, setting: Setting, data: object) -> object:
    """The typed value of TOML data read for a section."""
    unroll = Unroll(resolver, scope, name)
    result = convert(setting.kind, unroll(data), generative=_source(resolver).dialect == "orch")
    if setting.key == "description" and isinstance(result, str):
        return _SPACES.sub(" ", result)  # tox shows a description on one line, each run of spaces as one
    return result


def raw_dict(resolver: Resolver, scope: Scope, name: str | None, data: object) -> dict[str, str]:
    """set_env / config_settings: replacement tables applied, strings left for lazy substitution.

    A ``file`` key of a set_env table names an env file (tox's ``file|PATH`` in a tox.ini): its
    ``KEY=VALUE`` lines fill in what the tables do not set themselves.
    """
    unrolled = Unroll(resolver, scope, name, substitute_strings=False)(data)
    tables = unrolled if isinstance(unrolled, list) else [unrolled]  # [{ replace = "ref", ... }, { K = "v" }]
    from_files: dict[str, str] = {}
    merged: dict[str, object] = {}
    for item in tables:
        if not isinstance(item, dict):
            raise ValueError(f"set_env items must be tables, not {describe(item)}")
        item = dict(item)
        path = item.pop("file", None) if scope is Scope.ENV else None
        if isinstance(path, str):
            location = resolver.location(scope, name, "set_env") or Location(resolver.source.path.name)
            from_files.update(resolver.env_file(substitute(path, TomlContext(resolver, scope, name)), location))
        merged.update(item)
    return {**from_files, **raw_table(merged, "set_env")}


__all__ = ["TomlContext", "Unroll", "convert", "raw_dict", "typed"]
