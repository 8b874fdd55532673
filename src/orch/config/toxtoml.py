"""Read tox 4's native TOML (``tox.toml``, ``[tool.tox]``) and orch's own (``orch.toml``, ``[tool.orch]``).

Both are one schema, tox's, which orch extends (see ``docs/reference/toml.md``):

* core settings at the top level; ``[env_run_base]`` holds every run env's settings (tox.ini's
  ``[testenv]``); ``[env.NAME]`` one env's (a key there replaces the base value whole);
  ``[env_base.NAME]`` with ``factors`` generates ``NAME-<factors>`` envs; ``[env_pkg_base]`` holds
  tox's package envs' settings, which orch reads for nothing;
* orch adds ``[packagedef.NAME]`` tables and its own keys (``env_type``, ``resources``, ...).

Values keep their TOML data (:attr:`RawValue.data`); :mod:`orch.config.toml_values` turns them
into typed values with tox's replacement tables. Their ``text`` is a plain rendering for the
places that only look (unknown-key warnings, ``orch config`` sources).

orch's own files also accept the spellings of orch's first TOML schema, each with a warning that
names the new one: ``[env_base]`` as the table of every env, ``[section.NAME]``, list items
``{ if = "py38", then = ... }`` and commands written as strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orch.config.conditions import split_condition
from orch.config.factors import ExpansionLimit, expand_names
from orch.config.raw import ENV_PREFIX, PACKAGEDEF_PREFIX, RawSection, RawValue, Source, read_config_text
from orch.config.toml import PYPROJECT, TOOL_KEY, Key, Layout, dotted, parse_toml
from orch.config.toml_envlist import env_base_names
from orch.errors import ConfigError, Location

TOX_KEY: Key = ("tool", "tox")
ORCH_KEY: Key = TOOL_KEY
ENV_BASE_PREFIX = "env_base"
"""The raw layer's name prefix of an ``[env_base.NAME]`` table (``env_base:NAME``)."""
PKG_BASE = "env_pkg_base"
_CORE_TABLES = frozenset({"labels"})  # core settings whose value is a table; other tables are for refs
_COMMAND_KEYS = frozenset({"commands", "commands_pre", "commands_post", "build_commands", "extra_setup_commands"})


class TomlSource(Source):
    """A TOML configuration: sections of TOML data, plus the whole document for ``ref`` lookups."""

    kind = "toml"
    structured = True

    def __init__(
        self,
        path: Path,
        sections: list[RawSection],
        *,
        document: Mapping[str, Any],
        root: Key,
        dialect: str,
        generated: Mapping[str, str],
        warnings: list[str],
    ) -> None:
        super().__init__(path, sections)
        self.document, self.root_key, self.dialect = document, root, dialect
        self.generated = dict(generated)  # env name -> the [env_base.NAME] it comes from
        self.warnings = warnings

    def lookup(self, keys: tuple[str, ...] | list[str]) -> object:
        """A raw value by its dotted path from the document's root; :class:`KeyError` when absent."""
        current: object = self.document
        for key in keys:
            if not isinstance(current, dict) or key not in current:
                raise KeyError(".".join(keys))
            current = current[key]
        return current

    def env_names(self, section: RawSection) -> list[str]:
        """tox reads ``[env.NAME]`` literally; orch's own files keep generative names."""
        if self.dialect != "orch":
            return [section.suffix]
        try:
            return expand_names(section.suffix)
        except ExpansionLimit as exc:
            raise ConfigError(f"{self.label(section.name)}: {exc}", section.location) from None
        except ValueError:
            message = f"{section.suffix!r} is not an env name: factors are letters, digits, '.' and '_', joined by '-'"
            raise ConfigError(f"{self.label(section.name)}: {message}", section.location) from None

    def env_chain(self, env: str, own: RawSection | None) -> list[RawSection]:
        """The tables an env's value is searched in: its own, its ``[env_base]``, ``[env_run_base]``."""
        chain = [] if own is None else [own]
        bases = self._bases(own)
        if bases is not None:  # base = ["meta"]: [env.meta] instead of [env_run_base], as tox reads it
            found = (self.sections.get(f"{ENV_PREFIX}:{name}") or self.sections.get(name) for name in bases)
            return chain + [section for section in found if section is not None]
        base = self.generated.get(env)
        if base is not None:
            chain.append(self.sections[f"{ENV_BASE_PREFIX}:{base}"])
        run_base = self.sections.get(ENV_PREFIX)
        if run_base is not None:
            chain.append(run_base)
        return chain

    @staticmethod
    def _bases(own: RawSection | None) -> list[str] | None:
        """The tables an env's ``base`` key names (``env_run_base``, ``meta`` for ``[env.meta]``)."""
        raw = None if own is None else own.values.get("base")
        if raw is None or not isinstance(raw.data, list):
            return None
        return [ENV_PREFIX if item == "env_run_base" else str(item).removeprefix("env.") for item in raw.data]

    def section_for_override(self, section: str) -> str:
        """tox's ``-x`` spellings for a TOML file (``env_run_base``, ``env.NAME``, ``tool.tox.env.NAME``,
        no section for the top level), and orch's (``testenv``, ``testenv:NAME``, ``tox``)."""
        for prefix in (dotted(self.root_key), *(dotted(key) for key in (TOX_KEY, ORCH_KEY))):
            if prefix and (section == prefix or section.startswith(prefix + ".")):
                section = section[len(prefix) + 1 :]
                break
        head, dot, tail = section.partition(".")
        if head == "env_run_base" and not dot:
            return ENV_PREFIX
        if head in ("env", "env_base") and dot:
            return f"{ENV_PREFIX if head == 'env' else ENV_BASE_PREFIX}:{tail.strip(chr(34))}"
        return super().section_for_override(section)

    def label(self, section: str) -> str:
        """A raw section's name the way this file spells it: ``[env.docs]``, ``[env_run_base]``."""
        head, sep, tail = section.partition(":")
        if section == self.core_name:
            return f"[{dotted(self.root_key)}]" if self.root_key else "top-level"
        prefix = dotted(self.root_key) + "." if self.root_key else ""
        if section == ENV_PREFIX:
            return f"[{prefix}env_run_base]"
        names = {ENV_PREFIX: "env", ENV_BASE_PREFIX: "env_base", PACKAGEDEF_PREFIX: "packagedef"}
        if sep and head in names:
            return f"[{prefix}{dotted((names[head], tail))}]"
        return f"[{prefix}{section}]"


def read_tox_toml(path: Path) -> TomlSource:
    """A ``tox.toml`` (the whole document) or a ``pyproject.toml`` (its ``[tool.tox]`` table)."""
    return _read(path, TOX_KEY if path.name == PYPROJECT else (), "tox")


def read_orch_toml(path: Path) -> TomlSource:
    """An ``orch.toml`` (the whole document) or a ``pyproject.toml`` (its ``[tool.orch]`` table)."""
    return _read(path, ORCH_KEY if path.name == PYPROJECT else (), "orch")


def _read(path: Path, root: Key, dialect: str) -> TomlSource:
    return _parse(read_config_text(path), path, root, dialect)


def _parse(text: str, path: Path, root: Key, dialect: str) -> TomlSource:
    document = parse_toml(text, path.name)
    layout = Layout.scan(text)
    data: object = document
    for depth, key in enumerate(root, 1):
        data = data.get(key) if isinstance(data, dict) else None
        if data is None:
            raise ConfigError(f"{path.name}: no [{dotted(root)}] table")
        if not isinstance(data, dict):
            raise ConfigError(f"{dotted(root[:depth])} must be a table", Location(path.name, layout.line(root[:depth])))
    assert isinstance(data, dict)
    reader = _Reader(path.name, layout, root, dialect)
    sections = reader.sections(data)
    for name, table in reader.aliases.items():  # {[flake8]key} still finds [section.flake8]
        document.setdefault(name, table)
    return TomlSource(
        path,
        sections,
        document=document,
        root=root,
        dialect=dialect,
        generated=reader.generated,
        warnings=reader.warnings,
    )


def render(value: object) -> str:
    """A plain text rendering of TOML data (lists one item per line, tables ``KEY=VALUE`` lines)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(render(item) for item in value)
    if isinstance(value, dict):
        return "\n".join(f"{key}={render(item)}" for key, item in value.items())
    return str(value)


class _Reader:
    """Turns the schema's root table into raw sections, with lines from the layout."""

    def __init__(self, file: str, layout: Layout, root: Key, dialect: str) -> None:
        self.file, self.layout, self.root, self.dialect = file, layout, root, dialect
        self.generated: dict[str, str] = {}
        self.warnings: list[str] = []
        self.aliases: dict[str, Any] = {}  # [section.NAME] tables of orch's first schema, by NAME

    def location(self, key: Key) -> Location:
        return Location(self.file, self.layout.line(self.root + key))

    def error(self, key: Key, message: str) -> ConfigError:
        return ConfigError(f"{dotted(self.root + key)}: {message}", self.location(key))

    def deprecated(self, key: Key, old: str, new: str) -> None:
        warning = f"{self.location(key)}: {old} is deprecated; write {new} (tox's schema)"
        if warning not in self.warnings:
            self.warnings.append(warning)

    def sections(self, data: Mapping[str, Any]) -> list[RawSection]:
        core = RawSection("tox", self.location(()) if self.root else Location(self.file, 1))
        found: list[RawSection] = []
        for name, value in data.items():
            key = (name,)
            if name == "env_run_base":
                found.append(self.section(ENV_PREFIX, key, value))
            elif name == PKG_BASE:
                found.append(self.section(PKG_BASE, key, value))
            elif name == "env":
                for env, table in self.tables(key, value).items():
                    found.append(self.section(f"{ENV_PREFIX}:{env}", (*key, env), table))
            elif name == "env_base":
                found.extend(self.env_base(key, value))
            elif name == "packagedef":
                for pdef, table in self.tables(key, value).items():
                    found.append(self.section(f"{PACKAGEDEF_PREFIX}:{pdef}", (*key, pdef), table))
            elif name == "section" and self.dialect == "orch" and isinstance(value, dict):
                self.deprecated(key, "[section.NAME]", "a top-level [NAME] table")
                self.aliases.update(value)
            elif isinstance(value, dict) and name not in _CORE_TABLES:
                continue  # a table other values refer to ({[NAME]key}, replace = "ref")
            else:
                if not core.values and not self.root:  # the core starts at its first key
                    core.location = self.location(key)
                core.values[name] = self.value(key, value)
        sections = [core] if core.values else []
        sections.extend(sorted(found, key=lambda s: s.location.line or 0))  # in file order, like an ini
        return sections

    def tables(self, key: Key, value: object) -> dict[str, Any]:
        if not isinstance(value, dict) or not all(isinstance(item, dict) for item in value.values()):
            raise self.error(key, "must be a table of tables, one per name")
        return value

    def section(self, name: str, key: Key, value: object) -> RawSection:
        if not isinstance(value, dict):
            raise self.error(key, "must be a table of settings")
        section = RawSection(name, self.location(key))
        for item, item_value in value.items():
            section.values[item] = self.value((*key, item), item_value)
        return section

    def env_base(self, key: Key, value: object) -> list[RawSection]:
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        legacy = any(not isinstance(item, dict) or "factors" not in item for item in value.values())
        if legacy and self.dialect == "orch":  # orch's first schema: [env_base] was every env's table
            self.deprecated(key, "[env_base] as the table of every env", "[env_run_base]")
            return [self.section(ENV_PREFIX, key, value)]
        sections = []
        for base, table in value.items():
            if not isinstance(table, dict):
                raise self.error((*key, base), "must be a table")
            if "factors" not in table:
                raise self.error((*key, base), f"requires a 'factors' key; use [env.{base}] for single environments")
            try:
                names = env_base_names(base, table["factors"])
            except ValueError as exc:
                raise self.error((*key, base, "factors"), str(exc)) from None
            for env in names:
                self.generated.setdefault(env, base)
            settings = {k: v for k, v in table.items() if k != "factors"}
            sections.append(self.section(f"{ENV_BASE_PREFIX}:{base}", (*key, base), settings))
        return sections

    def value(self, key: Key, value: object) -> RawValue:
        if self.dialect == "orch":
            value = self._upgrade(key, value)
        return RawValue(render(value), self.location(key), value)

    def _upgrade(self, key: Key, value: object) -> object:
        """orch's first TOML spellings in today's schema (with a warning for each)."""
        commands = key[-1] in _COMMAND_KEYS
        if commands and isinstance(value, str):
            return [self._command(key, line) for line in value.splitlines() if line.strip()]
        if not isinstance(value, list):
            return value
        result: list[object] = []
        for item in value:
            if isinstance(item, dict) and set(item) == {"if", "then"}:
                self.deprecated(key, "a list item { if = ..., then = ... }", '{ replace = "if", ... }')
                then = item["then"]
                if commands:
                    then = [self._command(key, line) for line in (then if isinstance(then, list) else [then])]
                result.append({"replace": "factors", "condition": item["if"], "then": then, "extend": True})
            elif isinstance(item, str) and self._conditional(item) is not None:
                condition, content = self._conditional(item) or ("", "")
                self.deprecated(key, f"a factor condition in a string ({item!r})", '{ replace = "if", ... }')
                then = self._command(key, content) if commands else content
                result.append({"replace": "factors", "condition": condition, "then": [then], "extend": True})
            elif isinstance(item, str) and commands:
                result.append(self._command(key, item))
            else:
                result.append(item)
        return result

    @staticmethod
    def _conditional(item: str) -> tuple[str, str] | None:
        """``"py38: mock"``: orch's first schema kept tox.ini's factor conditions inside strings."""
        condition, content = split_condition(item)
        return None if condition is None else (str(condition), content)

    def _command(self, key: Key, line: object) -> object:
        if not isinstance(line, str):
            return line
        self.deprecated(key, "a command written as one string", "a list of arguments")
        return {"replace": "command-line", "line": line}
