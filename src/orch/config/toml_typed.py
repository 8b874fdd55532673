"""Unrolled TOML data to the typed value of a key, by its :class:`~orch.config.registry.Kind`.

The shapes tox accepts: commands are lists of argument lists (``"-"`` first ignores the exit
code, ``"!"`` inverts it; an empty one, as a false ``if`` leaves it, is dropped), lists are lists
of strings, env lists take product and range tables, tables hold strings. A value of the wrong
shape is a :class:`ValueError` with a sentence, which the resolver reports as an error of that key.
"""

from __future__ import annotations

from orch.config.factors import expand_env_list
from orch.config.registry import Kind
from orch.config.toml_envlist import expand_env_items
from orch.config.typed import CONVERTERS, to_deps, to_names
from orch.config.types import Command


def describe(value: object) -> str:
    return {str: "a string", bool: "a bool", int: "a number", float: "a number", list: "a list", dict: "a table"}.get(
        type(value), type(value).__name__
    )


def _strings(value: object, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f"must be {what}, not {describe(value)}")
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"must be {what}; found {describe(item)} in it")
    return list(value)


def _command(value: object) -> Command | None:
    if not isinstance(value, list):
        raise ValueError(f"each command must be a list of arguments, not {describe(value)}")
    args = []
    for arg in value:
        if isinstance(arg, bool) or not isinstance(arg, (str, int, float)):
            raise ValueError(f"a command's arguments must be strings; found {describe(arg)}")
        args.append(str(arg))
    if not args:
        return None  # an empty command, as a false `if` leaves it, is dropped
    if args[0] == "-":
        return Command(tuple(args[1:]), ignore_exit=True)
    if args[0] == "!":
        return Command(tuple(args[1:]), invert_exit=True)
    return Command(tuple(args))


def convert(kind: Kind, value: object, *, generative: bool) -> object:
    """Unrolled data as the typed value of a key of ``kind``."""
    if kind is Kind.COMMANDS:
        if isinstance(value, str):
            return CONVERTERS[kind](value)
        if not isinstance(value, list):
            raise ValueError(f"must be a list of commands (lists of arguments), not {describe(value)}")
        # an `if` that did not hold leaves a gap ("" or []): dropped, as tox does
        return tuple(command for item in value if item and (command := _command(item)) is not None)
    if kind is Kind.DEPS:
        return to_deps("\n".join(_strings(value, "a list of requirements")))
    if kind is Kind.ENV_LIST:
        if isinstance(value, str):
            value = [value]
        names = expand_env_items(value)
        if generative:  # orch's own files: "py{38,39}" expands, as in a tox.ini
            names = [env for name in names for env in expand_env_list(name)]
        return tuple(dict.fromkeys(names))  # each name once, as tox keeps them
    if kind is Kind.LABELS:
        if not isinstance(value, dict):
            raise ValueError(f"must be a table of label = [envs], not {describe(value)}")
        return {str(label): convert(Kind.ENV_LIST, envs, generative=generative) for label, envs in value.items()}
    if kind is Kind.NAMES:
        return to_names("\n".join(_strings(value, "a list of strings")))
    if kind in (Kind.LIST, Kind.LINES):
        if isinstance(value, str):
            return CONVERTERS[kind](value)
        return tuple(_strings(value, "a list of strings"))
    if kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return CONVERTERS[kind](value)
        raise ValueError(f"must be a bool, not {describe(value)}")
    if kind in (Kind.INT, Kind.FLOAT):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"must be a number, not {describe(value)}")
        return CONVERTERS[kind](str(value))
    if kind is Kind.PATH:
        if not isinstance(value, str):
            raise ValueError(f"must be a path string, not {describe(value)}")
        return CONVERTERS[kind](value)
    if isinstance(value, bool):  # skip_missing_interpreters = true
        return "true" if value else "false"
    if not isinstance(value, (str, int, float)):
        raise ValueError(f"must be a string, not {describe(value)}")
    return str(value).replace("\r\n", " ").replace("\n", " ")  # tox reads a multi-line string as one line


def raw_table(value: object, what: str) -> dict[str, str]:
    """A table of strings, its values not yet substituted (set_env, config_settings)."""
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a table of strings, not {describe(value)}")
    result: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, dict) and "value" in item and "marker" in item:
            item = item["value"]
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ValueError(f"{what}.{key} must be a string, not {describe(item)}")
        result[str(key)] = str(item)
    return result
