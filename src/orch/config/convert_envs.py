"""``orch convert``: the env tables a TOML file needs beyond the ini's ``[testenv:NAME]`` sections.

A tox.ini knows env names a TOML file cannot see, and falls back to defaults where TOML's ``if``
gives an empty value; so the converter adds ``[env.NAME]`` tables:

* :func:`condition_envs`: a name that only factor conditions spell (``cover: coverage``), with a
  factor no env of ``env_list`` or of a section has, is an env of the ini (``orch list -a``, after
  the section names); the TOML gets an ``[env.NAME]`` table for it, in the ini's order, which is
  the order ``orch list`` (and tox) give to TOML env tables before label members;
* :func:`move_fallbacks`: a ``[testenv]`` key whose every line is conditional (``basepython =
  py38: python3.8``) and whose default is not empty is left out of ``[env_run_base]`` and written
  to the table of each env one of whose lines matches, so that another env gets the default as it
  does from the ini, not an empty value. Not when a condition names a platform or ISA factor
  (which env matches then depends on the machine), when another value refers to the key of
  ``[env_run_base]``, or when a generative table holds envs that match and envs that do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orch.config.conditions import KNOWN_ARCHITECTURES, filter_for_env, find_envs, split_condition
from orch.config.ini import IniSource
from orch.config.raw import ENV_PREFIX
from orch.config.registry import Setting

PLATFORMS = frozenset(
    {
        "linux",
        "darwin",
        "win32",
        "cygwin",
        "msys",
        "aix",
        "freebsd",
        "openbsd",
        "netbsd",
        "sunos5",
        "emscripten",
        "wasi",
    }
)
"""``sys.platform`` values a factor condition may test; with :data:`KNOWN_ARCHITECTURES`, machine-dependent."""
_EMPTY: tuple[object, ...] = ("", (), None)


def condition_envs(ini: IniSource, known: Iterable[str]) -> list[str]:
    """The env names that only factor conditions of ``[tox]``, ``[testenv]`` and ``[testenv:...]``
    spell, with a factor no ``known`` env (env_list and sections) has, in the ini's order."""
    factors = {factor for name in known for factor in name.split("-")}
    found: dict[str, None] = {}
    for section in ini.sections.values():
        if section.name in (ini.core_name, ENV_PREFIX) or section.prefix == ENV_PREFIX:
            for value in section.values.values():
                for env in find_envs(ini.read(value)):
                    if env and not env.startswith(".") and set(env.split("-")) - factors:
                        found.setdefault(env)
    return list(found)


def needs_fallback(text: str, setting: Setting) -> bool:
    """Whether a ``[testenv]`` value has only conditional lines, none machine-dependent, for a key
    whose default is not empty (an env no line matches gets the default in the ini)."""
    if not callable(setting.default) and setting.default in _EMPTY:
        return False
    seen = False
    continued = False
    for line in text.split("\n"):
        if continued or not line.strip():
            continued = continued and line.rstrip().endswith("\\")
            continue
        condition, _ = split_condition(line)
        if condition is None:
            return False
        if any(name in PLATFORMS or name in KNOWN_ARCHITECTURES for group in condition.groups for name, _ in group):
            return False
        seen, continued = True, line.rstrip().endswith("\\")
    return seen


Texts = dict[str, tuple[str, tuple[str, ...]]]
"""A key of ``[env_run_base]`` -> its ini text and its spellings (the key, then its aliases)."""


def move_fallbacks(doc: dict[str, Any], texts: Texts, names: list[str], generative: dict[str, list[str]]) -> None:
    """Move each ``[env_run_base]`` key of ``texts`` to the env tables of ``names`` that match it
    (envs without their own table get one) and to the ``generative`` tables all of whose envs match."""
    base: dict[str, Any] = doc.get("env_run_base", {})
    envs: dict[str, Any] = doc.setdefault("env", {})
    in_generative = {name for members in generative.values() for name in members}
    for key, (text, spellings) in texts.items():
        if key not in base or any(_referenced(doc, spelling) for spelling in spellings):
            continue
        targets: list[str] = []
        for name in names:
            if name in in_generative or name in generative:
                continue
            if _inherits(envs, name, key) and _matches(text, [name]) is True:
                targets.append(name)
        mixed = False
        for table, members in generative.items():
            if _inherits(envs, table, key):
                found = _matches(text, members)
                mixed = mixed or found is None
                if found is True:
                    targets.append(table)
        if mixed:
            continue
        value = base.pop(key)
        for name in targets:
            envs.setdefault(name, {})[key] = value
    if not envs:
        del doc["env"]


def _matches(text: str, names: list[str]) -> bool | None:
    """Whether a line of ``text`` holds for every env of ``names`` (True), for none (False), or
    for some only (None)."""
    try:
        found = {bool(filter_for_env(text, name).strip()) for name in names}
    except ValueError:
        return None
    return None if len(found) != 1 else found.pop()


def _inherits(envs: dict[str, Any], name: str, key: str) -> bool:
    """Whether the env table ``name`` (or its absence) reads ``key`` from ``[env_run_base]``."""
    table = envs.get(name)
    if table is None:
        return True
    if key in table:
        return False
    bases = table.get("base")
    if not isinstance(bases, list):
        return True
    if "env_run_base" not in bases:
        return False
    for base in bases:
        other = envs.get(str(base).removeprefix("env.")) if str(base).startswith("env.") else None
        if other is not None and key in other:
            return False
    return True


def _referenced(doc: dict[str, Any], key: str) -> bool:
    """Whether some value refers to ``key`` of ``[env_run_base]`` (a ref table or a ``{[...]key}``)."""
    text = repr(doc)
    return f"'env_run_base', '{key}'" in text or f"[env_run_base]{key}" in text or f"[testenv]{key}" in text
