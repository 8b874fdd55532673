"""Hypothesis strategies for tox.toml files in tox 4's native schema.

``tox_toml()`` draws a whole file: top-level ``env_list`` (names, ``{ product = [...] }`` with lists and
ranges), ``[env_run_base]``, ``[env.NAME]`` (quoted names too), ``[env_base.NAME]`` with ``factors``,
commands as argv lists, and the ``replace`` tables (``posargs``, ``env``, ``ref``, ``if``), plus
ini-style ``{env_name}``/``{tox_root}``/``{env:X:d}``/``{[env_run_base]deps}`` inside strings.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

PYTHONS = ["py39", "py310", "3.12", "3.13", "py3"]
PLAIN = ["a", "b", "lint", "docs", "cov", "linux"]
STRINGS = [
    "{env_name}",
    "{envname}",
    "{tox_root}",
    "{toxinidir}{/}src",
    "{env:FUZZ_UNSET:dflt}",
    "{env:FUZZ_UNSET}",
    "{env:LANG}",
    "{envtmpdir}",
    "{posargs}",
    "plain",
    "a b",
]
WORDS = ["pytest", "requests>=2", "six", "coverage", "attrs<24"]


def _str(value: str) -> str:
    return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's


def dump_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _str(value)
    if isinstance(value, list):
        return "[" + ", ".join(dump_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {dump_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else _str(name)


def dump(doc: dict[str, Any]) -> str:
    """A TOML document whose top-level tables become ``[a.b]`` headers, everything else inline."""
    lines = [f"{_key(k)} = {dump_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for name, table in doc.items():
        if not isinstance(table, dict):
            continue
        nested = all(isinstance(v, dict) and "replace" not in v for v in table.values()) and name in ("env", "env_base")
        for sub, body in table.items() if nested else [(None, table)]:
            header = name if sub is None else f"{name}.{_key(sub)}"
            lines += ["", f"[{header}]"]
            lines += [f"{_key(k)} = {dump_value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


@st.composite
def factor_group(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 3)) == 0:
        start = draw(st.integers(9, 12))
        group: dict[str, Any] = {"prefix": draw(st.sampled_from(["py3", "3."])), "start": start}
        if draw(st.integers(0, 3)):
            group["stop"] = draw(st.integers(start, 13))
        return group
    return draw(st.lists(st.sampled_from(PYTHONS + PLAIN), min_size=1, max_size=3, unique=True))


@st.composite
def env_name(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(PYTHONS + PLAIN), min_size=1, max_size=2, unique=True))
    return "-".join(parts)


@st.composite
def condition(draw: st.DrawFn) -> str:
    one = st.sampled_from([f"factor.{f}" for f in ["a", "b", "lint", "py39", "linux"]])
    form = draw(st.sampled_from(["one", "not", "and", "or"]))
    if form == "one":
        return draw(one)
    if form == "not":
        return f"not {draw(one)}"
    return f"{draw(one)} {form} {draw(one)}"


@st.composite
def list_items(draw: st.DrawFn, words: list[str], envs: list[str]) -> list[Any]:
    items: list[Any] = draw(st.lists(st.sampled_from(words), max_size=3))
    extra = draw(st.integers(0, 6))
    if extra == 1:
        items.append({"replace": "ref", "of": ["env_run_base", "deps"], "extend": True})
    elif extra == 2:
        cond = {"replace": "if", "condition": draw(condition()), "then": [draw(st.sampled_from(words))]}
        if draw(st.booleans()):
            cond["else"] = [draw(st.sampled_from(words))]
        items.append({**cond, "extend": True})
    elif extra == 3 and envs:
        items.append({"replace": "ref", "env": draw(st.sampled_from(envs)), "key": "deps", "extend": True})
    elif extra == 4:
        items.append("{[env_run_base]deps}")
    return items


@st.composite
def argv(draw: st.DrawFn) -> list[Any]:
    args: list[Any] = [draw(st.sampled_from(["pytest", "python", "echo", "-", "ruff"]))]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            posargs: dict[str, Any] = {"replace": "posargs", "extend": True}
            if draw(st.booleans()):
                posargs["default"] = draw(st.lists(st.sampled_from(["-q", "tests", "{env_name}"]), max_size=2))
            args.append(posargs)
        elif kind == 1:
            env: dict[str, Any] = {"replace": "env", "name": draw(st.sampled_from(["FUZZ_UNSET", "LANG"]))}
            if draw(st.booleans()):
                env["default"] = draw(st.sampled_from(["d", "{env_name}", ""]))
            args.append(env)
        elif kind == 2:
            args.append({"replace": "if", "condition": draw(condition()), "then": "yes", "else": "no"})
        else:
            args.append(draw(st.sampled_from(["-q", "src", *STRINGS])))
    return args


@st.composite
def env_table(draw: st.DrawFn, envs: list[str]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    keys = draw(
        st.lists(
            st.sampled_from(
                [
                    "deps",
                    "commands",
                    "commands_pre",
                    "set_env",
                    "pass_env",
                    "description",
                    "skip_install",
                    "extras",
                    "labels",
                    "depends",
                    "allowlist_externals",
                    "change_dir",
                    "base_python",
                    "ignore_outcome",
                    "setenv",
                    "basepython",
                ]
            ),
            max_size=6,
            unique=True,
        )
    )
    for key in keys:
        if key == "deps":
            value: Any = draw(list_items(WORDS, envs))
        elif key in ("commands", "commands_pre"):
            value = draw(st.lists(argv(), max_size=3))
            if draw(st.integers(0, 5)) == 0:
                value.append({"replace": "ref", "of": ["env_run_base", "commands"], "extend": True})
        elif key in ("set_env", "setenv"):
            value = {
                k: draw(st.sampled_from([*STRINGS[:8], "1"]))
                for k in draw(st.lists(st.sampled_from(["A", "B", "FOO_BAR"]), max_size=3, unique=True))
            }
            if value and draw(st.integers(0, 3)) == 0:
                value[next(iter(value))] = {"replace": "env", "name": "FUZZ_UNSET", "default": "x"}
        elif key == "pass_env":
            value = draw(st.lists(st.sampled_from(["FOO", "BAR_*", "CI"]), max_size=3))
        elif key == "description":
            value = " ".join(draw(st.lists(st.sampled_from(["run", "tests", *STRINGS[:7]]), min_size=1, max_size=3)))
            if draw(st.integers(0, 5)) == 0:
                value = {"replace": "if", "condition": draw(condition()), "then": value, "else": "other"}
        elif key in ("skip_install", "ignore_outcome"):
            value = draw(st.booleans())
        elif key == "extras":
            value = draw(st.lists(st.sampled_from(["test", "docs"]), max_size=2))
        elif key == "labels":
            value = draw(st.lists(st.sampled_from(["l1", "ci"]), max_size=2))
        elif key == "depends":
            value = draw(st.lists(st.sampled_from([*envs, "lint"]), max_size=2))
        elif key == "allowlist_externals":
            value = draw(st.lists(st.sampled_from(["bash", "/bin/sh", "make"]), max_size=2))
        elif key == "change_dir":
            value = draw(st.sampled_from(["docs", "{tox_root}{/}sub", "{toxinidir}"]))
        else:  # base_python, basepython
            value = draw(st.sampled_from(["python3.12", "py311", ["python3.13", "python3"]]))
        table[key] = value
    return table


@st.composite
def tox_toml(draw: st.DrawFn) -> str:
    doc: dict[str, Any] = {}
    items: list[Any] = draw(st.lists(env_name(), max_size=3, unique=True))
    if draw(st.booleans()):
        items.append({"product": draw(st.lists(factor_group(), min_size=1, max_size=2))})
    names = [i for i in items if isinstance(i, str)]
    if items or draw(st.booleans()):
        doc[draw(st.sampled_from(["env_list", "env_list", "envlist"]))] = items
    if draw(st.integers(0, 3)):
        doc["env_run_base"] = draw(env_table(names))
    if draw(st.integers(0, 3)) == 0:
        base = draw(env_table(names))
        doc["env_base"] = {draw(st.sampled_from(["min", "lint"])): {"factors": [draw(factor_group())], **base}}
    envs = draw(st.lists(st.one_of(env_name(), st.sampled_from(["docs", "py3.12-a", "type"])), max_size=3))
    if envs:
        doc["env"] = {name: draw(env_table(names)) for name in dict.fromkeys(envs)}
    return dump(doc)
