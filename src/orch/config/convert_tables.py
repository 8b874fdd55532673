"""``orch convert``: a tox.ini's sections as the tables of tox's TOML schema (:class:`TableConverter`).

* ``[tox]`` keys at the top level, ``env_list`` and ``labels`` as lists of explicit names where the
  generative expressions expand (tox reads ``py{38,39}`` literally);
* ``[testenv]`` is ``[env_run_base]``; ``[testenv:NAME]`` is ``[env.NAME]``, a generative name
  one table per name it expands to (kept generative, which orch expands, when it gives more than
  :data:`MAX_TABLES` names); ``[packagedef:NAME]`` is ``[packagedef.NAME]``; other sections that a
  ``{[NAME]key}`` reference or a ``base`` key names are top-level ``[NAME]`` tables;
* a reference to another section's text is inlined where tox would split or filter it (commands,
  conditional lines, nested substitutions), else kept as ``{[NAME]key}``.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from orch.config.conditions import split_condition
from orch.config.convert_envs import Texts, condition_envs, move_fallbacks, needs_fallback
from orch.config.convert_setenv import for_env
from orch.config.convert_tox import ini_spellings, rename_reference, rename_reserved, set_env_refs, tox_kind
from orch.config.convert_values import (
    LIST_KINDS,
    MAX_INLINE,
    REFERENCE,
    WHOLE,
    Unconvertible,
    ValueConverter,
    plain,
)
from orch.config.factors import expand_env_list, expand_names
from orch.config.ini import IniSource
from orch.config.raw import ENV_PREFIX, PACKAGEDEF_PREFIX, RawSection
from orch.config.registry import Kind, Scope, SettingsRegistry, UnknownSetting
from orch.config.typed import to_list
from orch.errors import ConfigError

MAX_TABLES = 64
"""A generative ``[testenv:...]`` name giving more env names than this stays one generative table."""
_CORE_NAME = "tox"
_CONTEXT_FREE = re.compile(r"\{(?:\[|posargs|/\}|:\}|tox_root\}|toxinidir\}|tty:)")
"""Substitutions whose value is the same in every env (others keep a generative env's reference)."""
_RESERVED = ("env", "env_base", "env_run_base", "env_pkg_base", "packagedef")

Document = dict[str, Any]


# ------------------------------------------------------------------------------- ini -> data
def _registry() -> SettingsRegistry:
    from orch.config.settings import BUILTIN_SETTINGS

    registry = SettingsRegistry()
    for setting in BUILTIN_SETTINGS:
        registry.add(setting)
    return registry


def convert_document(ini: IniSource, registry: SettingsRegistry | None = None) -> Document:
    """The ini's configuration as the data of a TOML document in tox's schema."""
    return TableConverter(ini, registry or _registry()).document()


class TableConverter:
    def __init__(self, ini: IniSource, registry: SettingsRegistry) -> None:
        self.ini, self.registry = ini, registry
        self.env_tables: dict[str, RawSection] = {}  # explicit [env.NAME] -> its ini section
        self.generative: dict[str, list[str]] = {}  # [testenv:GEN] kept generative -> its names
        for section in ini.env_sections():
            names = expand_names(section.suffix)
            if len(names) > MAX_TABLES or not names:
                self.generative[section.suffix] = names
                continue
            for name in names:
                self.env_tables.setdefault(name, section)

    # ------------------------------------------------------------------------------- sections
    def document(self) -> Document:
        ini = self.ini
        doc: Document = {}
        core = ini.sections.get(ini.core_name)
        if core is not None:
            for key, value in self.section(core, Scope.CORE, None).items():
                if key in _RESERVED or (isinstance(value, dict) and key != "labels"):
                    raise ConfigError(
                        f"[{ini.core_name}] key {key!r} has no place in TOML, where the top-level {key!r} is a table",
                        core.values[next(k for k in core.values if self._canonical(Scope.CORE, k) == key)].location,
                    )
                doc[key] = value
        base = ini.sections.get(ENV_PREFIX)
        if base is not None:
            doc["env_run_base"] = self.section(base, Scope.ENV, None)
        envs: dict[str, Any] = {}
        for section in ini.env_sections():
            if section.suffix in self.generative:
                envs[section.suffix] = self.section(section, Scope.ENV, self.generative[section.suffix])
                continue
            for name in expand_names(section.suffix):
                if self.env_tables.get(name) is section and name not in envs:
                    envs[name] = self.section(section, Scope.ENV, [name])
        self._own_commands(envs, doc.get("env_run_base", {}))
        self._add_envs(doc, envs)
        pdefs = {s.suffix: self.section(s, Scope.PACKAGEDEF, None) for s in ini.packagedef_sections()}
        if pdefs:
            doc["packagedef"] = pdefs
        others = {s.name: {key: plain(self._read(s, key)) for key in s.values} for s in self._referenced()}
        for name, table in rename_reserved(doc, others).items():
            if name in doc:
                raise ConfigError(f"[{name}] has no place in TOML next to the core key {name!r}")
            doc[name] = table
        set_env_refs(doc)
        return doc

    def _add_envs(self, doc: Document, envs: dict[str, Any]) -> None:
        """The ``[env.NAME]`` tables: the sections', then the names only factor conditions spell,
        then the tables that get a ``[testenv]`` key all of whose lines are conditional."""
        listed = [name for name in doc.get("env_list", ()) if isinstance(name, str)]
        in_generative = {name for names in self.generative.values() for name in names}
        for name in condition_envs(self.ini, [*listed, *self.env_tables, *in_generative]):
            if name not in envs and name not in in_generative:
                envs[name] = {}
        if envs:
            doc["env"] = envs
        base = self.ini.sections.get(ENV_PREFIX)
        if base is None:
            return
        texts: Texts = {}
        for key in base.values:
            try:
                setting = self.registry.get(Scope.ENV, key)
            except UnknownSetting:
                continue
            text = self._read(base, key)
            if setting.key not in texts and needs_fallback(text, setting):
                texts[setting.key] = (text, setting.names)
        if texts:
            labels = doc.get("labels")
            members = (
                [m for ms in labels.values() for m in ms if isinstance(m, str)] if isinstance(labels, dict) else []
            )
            names = list(dict.fromkeys([*(listed or ["py"]), *envs, *members]))
            move_fallbacks(doc, texts, names, self.generative)

    def _is_other(self, section: RawSection) -> bool:
        return section.name not in (self.ini.core_name, ENV_PREFIX) and section.prefix not in (
            ENV_PREFIX,
            PACKAGEDEF_PREFIX,
        )

    def _referenced(self) -> list[RawSection]:
        """The other sections that values refer to, directly or through each other, in file order."""
        ini = self.ini
        queue = [s for s in ini.sections.values() if not self._is_other(s)]
        wanted: set[str] = set()
        while queue:
            section = queue.pop()
            for key, raw in section.values.items():
                text = ini.read(raw)
                names = {match.group("section") for match in REFERENCE.finditer(text)}
                if key == "base":
                    names.update(to_list(text))
                for name in names - wanted:
                    other = ini.sections.get(name)
                    if other is not None and self._is_other(other):
                        wanted.add(name)
                        queue.append(other)
        return [s for s in ini.sections.values() if s.name in wanted]

    def _read(self, section: RawSection, key: str) -> str:
        text = self.ini.read(section.values[key])
        if self.ini.core_name != _CORE_NAME:  # an ini whose core is [orch]: in TOML the core is called [tox]
            text = text.replace(f"{{[{self.ini.core_name}]", f"{{[{_CORE_NAME}]")
        return text

    def _canonical(self, scope: Scope, key: str) -> str:
        return self.registry.canonical(scope, key) or key

    def _kind(self, scope: Scope, key: str, text: str = "") -> Kind | None:
        try:
            kind: Kind | None = self.registry.get(scope, key).kind
        except UnknownSetting:
            kind = None
        return tox_kind(key, kind, text)

    def section(self, section: RawSection, scope: Scope, names: list[str] | None) -> dict[str, Any]:
        """One section's values; ``names``: the envs an env table is read for (None: any env)."""
        result: dict[str, Any] = {}
        self._merged: dict[str, Any] = {}
        for key in section.values:
            canonical = self._canonical(scope, key)
            if canonical in result:
                continue  # an alias spelled twice: the resolver reads the first
            text = self._read(section, key)
            if key == "base" and scope is Scope.ENV:
                result[key] = self._base(to_list(text), names)
                continue
            if names is not None and self._filtered_away(text, names):
                continue  # every line is for other factors: the ini falls back to [testenv], so does the TOML
            value = ValueConverter(
                self,
                scope,
                canonical,
                self._kind(scope, key, text),
                filtering=scope is not Scope.PACKAGEDEF,
                set_env=self._set_env(section, names) if scope is Scope.ENV else None,
            )
            try:
                result[canonical] = value.convert(text)
            except Unconvertible:
                result[canonical] = plain(text)
        for key, value in self._merged.items():
            result.setdefault(key, value)
        return ini_spellings(result, section.values, lambda key: self._canonical(scope, key))

    def _set_env(self, section: RawSection, names: list[str] | None) -> str | None:
        """The set_env text the envs of an env section read (their own, else ``[testenv]``'s);
        None when a ``base`` key makes it another section's."""
        spellings = self.registry.get(Scope.ENV, "set_env").names
        base = self.ini.sections.get(ENV_PREFIX)
        for candidate in (section, base):
            if candidate is None:
                continue
            if "base" in candidate.values:
                return None
            spelled = next((name for name in spellings if name in candidate.values), None)
            if spelled is not None:
                return for_env(self.inline(self._read(candidate, spelled)), names)
        return ""

    def _own_commands(self, envs: dict[str, Any], run_base: dict[str, Any]) -> None:
        """An env table whose section has its own set_env reads ``[testenv]``'s commands with it:
        where an ``{env:X}`` then gives other arguments, the table gets the commands spelled for it."""
        base = self.ini.sections.get(ENV_PREFIX)
        if base is None:
            return
        spellings = self.registry.get(Scope.ENV, "set_env").names
        for name, table in envs.items():
            section = self.env_tables.get(name)
            names = [name]
            if section is None:
                section = next((s for s in self.ini.env_sections() if s.suffix == name), None)
                names = self.generative.get(name, [])
            if section is None or not any(spelling in section.values for spelling in spellings):
                continue
            set_env = self._set_env(section, names)
            for key in base.values:
                canonical = self._canonical(Scope.ENV, key)
                if self._kind(Scope.ENV, key) is not Kind.COMMANDS or canonical in table or canonical not in run_base:
                    continue
                if any(self._canonical(Scope.ENV, own) == canonical for own in section.values):
                    continue
                converter = ValueConverter(self, Scope.ENV, canonical, Kind.COMMANDS, filtering=True, set_env=set_env)
                value = converter.convert(self._read(base, key))
                if value != run_base[canonical]:
                    table[canonical] = value

    def _base(self, names: tuple[str, ...], envs: list[str] | None) -> object:
        """``base``: env tables stay named (tox's spelling); other sections' values are merged in,
        since TOML's ``base`` names env tables only."""
        bases: list[str] = []
        merged: dict[str, Any] = {}
        for name in names:
            for candidate in (name, f"{ENV_PREFIX}:{name}"):
                section = self.ini.sections.get(candidate)
                if section is None:
                    continue
                if section.name == ENV_PREFIX:
                    bases.append("env_run_base")
                elif section.prefix == ENV_PREFIX:
                    bases.append(f"env.{section.suffix}")
                else:
                    for key, value in self.section(section, Scope.ENV, envs).items():
                        merged.setdefault(key, value)
        self._merged = merged
        return bases

    @staticmethod
    def _filtered_away(text: str, names: list[str]) -> bool:
        from orch.config.conditions import filter_for_env

        if not text.strip():
            return False
        return all(not filter_for_env(text, name) for name in names)

    # ----------------------------------------------------------------------------- references
    def inline(self, text: str, depth: int = 0) -> str:
        """Replace references to other sections' text that TOML would read differently by that text."""
        if depth > MAX_INLINE or "{[" not in text:
            return text
        lines = []
        for line in text.split("\n"):
            whole = WHOLE.match(line.strip())
            if whole is not None:
                found = self._raw_reference(whole.group("section"), whole.group("key"))
                if found is not None and self._inlinable(whole.group("section"), whole.group("key")):
                    lines.append(self.inline(found, depth + 1))
                    continue
            lines.append(REFERENCE.sub(lambda m: self._inline_part(m, depth), line))
        return "\n".join(lines)

    def _inline_part(self, match: re.Match[str], depth: int) -> str:
        found = self._raw_reference(match.group("section"), match.group("key"))
        if found is None or "\n" in found.strip() or not self._inlinable(match.group("section"), match.group("key")):
            return rename_reference(match.group(0))
        if split_condition(found.strip())[0] is not None:
            return rename_reference(match.group(0))
        return self.inline(found.strip().replace("\\\n", ""), depth + 1)

    def _inlinable(self, section: str, key: str) -> bool:
        return self.ini.sections.get(section) is not None or self._env_text(section, key) is not None

    def _env_text(self, section: str, key: str) -> str | None:
        """``[testenv:py]`` where only a generative ``[testenv:py{,-posix}]`` exists: the ini reads
        env ``py``'s value, which is its section's text filtered for ``py`` when that text does
        not depend on the env it is expanded in."""
        head, sep, env = section.partition(":")
        raw = self.env_tables.get(env) if head == ENV_PREFIX and sep else None
        if raw is None or self.ini.sections.get(section) is not None:
            return None
        try:
            names = self.registry.get(Scope.ENV, key).names
        except UnknownSetting:
            names = (key,)
        spelled = next((name for name in names if name in raw.values), None)
        if spelled is None:
            return None
        from orch.config.conditions import filter_for_env

        text = filter_for_env(self._read(raw, spelled), env)
        return text if all(_CONTEXT_FREE.match(text, m.start()) for m in re.finditer(r"\{", text)) else None

    def _raw_reference(self, section: str, key: str) -> str | None:
        raw = self.ini.sections.get(section)
        if raw is None:
            return self._env_text(section, key)
        if key not in raw.values:
            for scope in (Scope.ENV, Scope.CORE):
                try:
                    names = self.registry.get(scope, key).names
                except UnknownSetting:
                    continue
                found = next((n for n in names if n in raw.values), None)
                if found is not None:
                    return self._read(raw, found)
            return None
        return self._read(raw, key)

    def _known_envs(self) -> set[str]:
        core = self.ini.sections.get(self.ini.core_name)
        listed: set[str] = set()
        for key in ("env_list", "envlist"):
            if core is not None and key in core.values:
                with contextlib.suppress(ValueError):
                    listed.update(expand_env_list(self._read(core, key)))
        return {*self.env_tables, *listed, *(n for names in self.generative.values() for n in names)}

    def env_ref(self, section: str, key: str, kind: Kind | None) -> dict[str, Any] | None:
        """``{[testenv]deps}`` alone on a line of the same key: a ``ref`` table, when the path exists."""
        head, sep, env = section.partition(":")
        if head != ENV_PREFIX or kind not in (*LIST_KINDS, Kind.DICT):
            return None
        try:
            canonical = self.registry.get(Scope.ENV, key).key
        except UnknownSetting:
            return None
        raw = self.ini.sections.get(section)
        if raw is None and sep:  # [testenv:py] of a generative [testenv:py{,-posix}]: env py's table
            raw = self.env_tables.get(env)
        names = self.registry.get(Scope.ENV, key).names
        spelled = None if raw is None else next((name for name in names if name in raw.values), None)
        if spelled is None and sep and (raw is not None or env in self._known_envs()):
            if kind is Kind.DICT:  # tox's TOML reads no set_env of another env by name
                return self._run_base_set_env(raw, canonical)
            return {"replace": "ref", "env": env, "key": canonical, "extend": True}  # the ini reads env's own value
        if raw is None or spelled is None:
            return None
        if not sep:
            path = ["env_run_base", canonical]
        elif self.env_tables.get(env) is raw:
            path = ["env", env, canonical]
        else:
            return None
        if sep and self._filtered_away(self._read(raw, spelled), [env]):
            return None
        return {"replace": "ref", "of": path, "extend": True}

    def _run_base_set_env(self, raw: RawSection | None, key: str) -> dict[str, Any] | None:
        """An env's set_env that is ``[testenv]``'s: a ``ref`` to ``[env_run_base]``'s, when no line
        of it is conditional (which would be read for the referring env, not for the one named)."""
        base = self.ini.sections.get(ENV_PREFIX)
        names = self.registry.get(Scope.ENV, key).names
        spelled = next((n for n in names if n in base.values), None) if base is not None else None
        if base is None or spelled is None or (raw is not None and "base" in raw.values):
            return None
        if any(split_condition(line)[0] is not None for line in self._read(base, spelled).split("\n")):
            return None
        return {"replace": "ref", "of": ["env_run_base", key], "extend": True}
