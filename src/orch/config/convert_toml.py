"""``orch convert``: write a tox.ini's configuration in tox 4's TOML schema (``orch.toml`` or ``[tool.orch]``).

The result is the schema tox reads from a ``tox.toml`` plus orch's additions (``docs/reference/toml.md``):

* ``[tox]`` keys at the top level, ``env_list`` and ``labels`` as lists of explicit names where the
  generative expressions expand (tox reads ``py{38,39}`` literally);
* ``[testenv]`` is ``[env_run_base]``; ``[testenv:NAME]`` is ``[env.NAME]``, a generative name
  one table per name it expands to (kept generative, which orch expands, when it gives more than
  :data:`MAX_TABLES` names); ``[packagedef:NAME]`` is ``[packagedef.NAME]``; other sections that a
  ``{[NAME]key}`` reference or a ``base`` key names are top-level ``[NAME]`` tables;
* commands are lists of arguments (``["-", ...]`` ignores the exit code); a bare ``{posargs}``
  argument is ``{ replace = "posargs", extend = true }``, ``{posargs:a b}`` has ``default = ["a", "b"]``;
* a factor-conditional line (``py38,!lint-x: mock``) is ``{ replace = "if", condition = "factor.py38
  or not factor.lint and factor.x", then = [...], extend = true }``;
* lists are arrays, ``set_env`` a table, bools and whole numbers TOML's own where the key takes them;
* a line that is only a reference to the same key of another env table (``{[testenv]deps}``) is
  ``{ replace = "ref", of = ["env_run_base", "deps"], extend = true }``; a reference to any other
  section's text is inlined where tox would split or filter it (commands, conditional lines,
  nested substitutions), else kept as ``{[NAME]key}``.

A ``pyproject.toml`` keeps every byte outside ``[tool.orch]``: the new table is appended as text,
and an existing one (with ``force``) is cut out line by line. Before anything is written, the text
is parsed back and must give the data built; the file is then replaced in one step (a temporary
file in the same folder and :func:`os.replace`).
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Array, InlineTable, Table

from orch.config.convert import to_command, to_list
from orch.config.factors import Condition, expand_env_list, expand_names, split_condition
from orch.config.ini import IniSource
from orch.config.registry import Kind, Scope, SettingsRegistry, UnknownSetting
from orch.config.source import ENV_PREFIX, PACKAGEDEF_PREFIX, RawSection
from orch.config.toml import PYPROJECT, TOOL_KEY, Key, Layout, parse_toml
from orch.errors import ConfigError, UsageError

MAX_TABLES = 64
"""A generative ``[testenv:...]`` name giving more env names than this stays one generative table."""
_CORE_NAME = "tox"
_RESERVED = ("env", "env_base", "env_run_base", "env_pkg_base", "packagedef")
_REFERENCE = re.compile(r"\{\[(?P<section>[^\]]+)\](?P<key>[-\w]+)\}")
_WHOLE = re.compile(r"^\{\[(?P<section>[^\]]+)\](?P<key>[-\w]+)\}$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"-?[1-9][0-9]{0,17}|0")
_BRACES = re.compile(r"\\[\\{}\[\]:]|\[\]|[{}]")
_ENV = re.compile(r"\{env:(?P<name>[\w.-]+)(?::(?P<default>[^{}]*))?\}")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_COMMENT = "# Converted from {name} by `orch convert`; the layout is described in docs/reference/toml.md."
_MAX_INLINE = 20
_LIST_KINDS = (Kind.LIST, Kind.NAMES, Kind.LINES, Kind.DEPS, Kind.COMMANDS)

Document = dict[str, Any]


def convert_file(source: Path, target: Path, *, force: bool = False) -> Path:
    """Write the config of the ini file ``source`` to ``target`` and return ``target``.

    ``target`` is relative to the folder of ``source`` unless absolute. A ``pyproject.toml`` gets a
    ``[tool.orch]`` table (any other name: the whole file is the config). An existing
    ``[tool.orch]`` or non-pyproject target is replaced only with ``force``.
    """
    if source.suffix == ".toml":
        raise UsageError(f"{source} is already TOML; orch convert reads a tox.ini")
    if not target.is_absolute():
        target = source.parent / target
    if target.suffix != ".toml":
        raise UsageError(f"{target}: the target must be a .toml file (pyproject.toml or orch.toml)")
    if target.is_dir():
        raise UsageError(f"{target} is a folder; name the file to write (pyproject.toml or orch.toml)")
    ini = IniSource.from_file(source)
    document = convert_document(ini)
    if target.name == PYPROJECT:
        text = _pyproject_text(target, render(document, root=TOOL_KEY), force=force)
    else:
        if target.exists() and not force:
            raise UsageError(f"{target} exists", hint="pass --force to replace it")
        body = render(document, root=())
        text = _COMMENT.format(name=source.name) + "\n" + (f"\n{body}" if body else "")
    _check_round_trip(text, target, ini, document)
    _write(target, text)
    return target


def _registry() -> SettingsRegistry:
    from orch.plugin import catalog

    registry = SettingsRegistry()
    catalog.add_settings(registry)
    return registry


# ------------------------------------------------------------------------------- ini -> data
def convert_document(ini: IniSource, registry: SettingsRegistry | None = None) -> Document:
    """The ini's configuration as the data of a TOML document in tox's schema."""
    return _Converter(ini, registry or _registry()).document()


class _Converter:
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
        if envs:
            doc["env"] = envs
        pdefs = {s.suffix: self.section(s, Scope.PACKAGEDEF, None) for s in ini.packagedef_sections()}
        if pdefs:
            doc["packagedef"] = pdefs
        for section in self._referenced():
            if section.name in doc:
                raise ConfigError(f"[{section.name}] has no place in TOML next to the core key {section.name!r}")
            doc[section.name] = {key: _plain(self._read(section, key)) for key in section.values}
        return doc

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
                names = {match.group("section") for match in _REFERENCE.finditer(text)}
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

    def _kind(self, scope: Scope, key: str) -> Kind | None:
        try:
            return self.registry.get(scope, key).kind
        except UnknownSetting:
            return None

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
            value = _Value(self, scope, canonical, self._kind(scope, key), filtering=scope is not Scope.PACKAGEDEF)
            try:
                result[canonical] = value.convert(text)
            except _Unconvertible:
                result[canonical] = _plain(text)
        for key, value in self._merged.items():
            result.setdefault(key, value)
        return result

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
        from orch.config.factors import filter_for_env

        if not text.strip():
            return False
        return all(not filter_for_env(text, name) for name in names)

    # ----------------------------------------------------------------------------- references
    def inline(self, text: str, depth: int = 0) -> str:
        """Replace references to other sections' text that TOML would read differently by that text."""
        if depth > _MAX_INLINE or "{[" not in text:
            return text
        lines = []
        for line in text.split("\n"):
            whole = _WHOLE.match(line.strip())
            if whole is not None:
                found = self._raw_reference(whole.group("section"), whole.group("key"))
                if found is not None and self._inlinable(whole.group("section"), whole.group("key")):
                    lines.append(self.inline(found, depth + 1))
                    continue
            lines.append(_REFERENCE.sub(lambda m: self._inline_part(m, depth), line))
        return "\n".join(lines)

    def _inline_part(self, match: re.Match[str], depth: int) -> str:
        found = self._raw_reference(match.group("section"), match.group("key"))
        if found is None or "\n" in found.strip() or not self._inlinable(match.group("section"), match.group("key")):
            return _rename_reference(match.group(0))
        if split_condition(found.strip())[0] is not None:
            return _rename_reference(match.group(0))
        return self.inline(found.strip().replace("\\\n", ""), depth + 1)

    def _inlinable(self, section: str, key: str) -> bool:
        return self.ini.sections.get(section) is not None

    def _raw_reference(self, section: str, key: str) -> str | None:
        raw = self.ini.sections.get(section)
        if raw is None:
            return None
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

    def env_ref(self, section: str, key: str, kind: Kind | None) -> dict[str, Any] | None:
        """``{[testenv]deps}`` alone on a line of the same key: a ``ref`` table, when the path exists."""
        head, sep, env = section.partition(":")
        if head != ENV_PREFIX or kind not in (*_LIST_KINDS, Kind.DICT):
            return None
        try:
            canonical = self.registry.get(Scope.ENV, key).key
        except UnknownSetting:
            return None
        raw = self.ini.sections.get(section)
        if raw is None or not any(name in raw.values for name in self.registry.get(Scope.ENV, key).names):
            return None
        if not sep:
            path = ["env_run_base", canonical]
        elif self.env_tables.get(env) is raw:
            path = ["env", env, canonical]
        else:
            return None
        if self._filtered_away(self._raw_reference(section, key) or "", [env] if sep else []) and sep:
            return None
        return {"replace": "ref", "of": path, "extend": True}


def _rename_reference(text: str) -> str:
    """``{[testenv]x}`` -> ``{[env_run_base]x}``, ``{[testenv:a]x}`` -> ``{[env.a]x}`` (tox.toml's spelling)."""
    match = _WHOLE.match(text)
    if match is None:
        return text
    head, sep, env = match.group("section").partition(":")
    if head != ENV_PREFIX:
        return text
    return f"{{[{'env.' + env if sep else 'env_run_base'}]{match.group('key')}}}"


def _plain(text: str) -> str | list[str]:
    """Text kept as the ini has it: a string, or an array of its lines."""
    return text if "\n" not in text else text.split("\n")


_Item = tuple[str | None, object]  # (condition in tox's expression language or None, content)


class _Value:
    """One ini value as TOML data for a key of ``kind`` (None: a key no setting reads)."""

    def __init__(self, owner: _Converter, scope: Scope, key: str, kind: Kind | None, *, filtering: bool) -> None:
        self.owner, self.scope, self.key, self.kind, self.filtering = owner, scope, key, kind, filtering

    def convert(self, text: str) -> object:
        kind = self.kind
        if kind is None:
            return _plain(text)
        items = self.items(text, None, 0)
        if kind is Kind.COMMANDS:
            return self.listed(items, self.command)
        if kind in (Kind.DEPS, Kind.LINES):
            return self.listed(items, lambda content: [content.strip()] if content.strip() else [])
        if kind in (Kind.LIST, Kind.NAMES):
            single = sum(1 for _, content in items if not isinstance(content, str) or content.strip()) <= 1
            single = single and "\n" not in text.strip()
            return self.listed(items, lambda content: _split_list(content, single=single))
        if kind is Kind.DICT:
            return self.table(items)
        if kind is Kind.ENV_LIST:
            return self.listed(items, _env_names)
        if kind is Kind.LABELS:
            if any(condition is not None or not isinstance(content, str) for condition, content in items):
                return _plain(text)
            labels: dict[str, object] = {}
            for _, content in items:
                if not str(content).strip():
                    continue
                label, sep, envs = str(content).partition("=")
                if not sep:
                    return _plain(text)
                labels[label.strip()] = _env_names(envs)
            return labels
        return self.scalar(items, kind)

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
            whole = _WHOLE.match(stripped)
            if whole is not None:
                ref = self.owner.env_ref(whole.group("section"), whole.group("key"), self.kind)
                if ref is not None and whole.group("key") in (self.key, *self._aliases()):
                    result.append((joined, ref))
                    continue
            inlined = self.owner.inline(stripped) if "{[" in stripped else stripped
            if "\n" in inlined and depth < _MAX_INLINE:
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
            values = [content] if not isinstance(content, str) else convert(content)
            if condition is None:
                result.extend(values)
            elif values:
                result.append({"replace": "if", "condition": condition, "then": values, "extend": True})
        return result

    def command(self, content: str) -> list[object]:
        if not content.strip():
            return []
        return [_command(content.strip().removesuffix("\\").strip() or content.strip())]

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
                raise _Unconvertible(stripped)
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


class _Unconvertible(ValueError):
    """A value the TOML schema has no spelling for (a set_env ``file|`` line)."""


def _if(condition: str, then: list[object]) -> dict[str, object]:
    return {"replace": "if", "condition": condition, "then": then, "extend": True}


def _typed(text: str, kind: Kind) -> object:
    if kind is Kind.BOOL and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if kind in (Kind.INT, Kind.FLOAT) and _INTEGER.fullmatch(text):
        return int(text)
    return text


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


# ------------------------------------------------------------------------------- commands
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


def _args(line: str) -> tuple[list[object], bool, bool]:
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
        env = _ENV.fullmatch(original or "")
        if env is not None:  # empty: no argument, as the ini's split after substitution gives
            table: dict[str, object] = {"replace": "env", "name": env.group("name")}
            if env.group("default") is not None:
                table["default"] = env.group("default")
            args.append({**table, "extend": True})
            continue
        if original is not None and original.startswith("{posargs:"):
            default = original[len("{posargs:") : -1]
            args.append({"replace": "posargs", "default": _split(default), "extend": True})
            continue
        args.append(_PLACEHOLDER.sub(lambda m: saved[int(m.group(1))], arg))
    return args, command.ignore_exit, command.invert_exit


def _split(text: str) -> list[object]:
    """Arguments only (a leading ``-`` is an argument here): a posargs default."""
    if not text.strip():
        return []
    args, _, _ = _args("x " + text)
    return args[1:]


def _command(line: str) -> list[object]:
    args, ignore, invert = _args(line)
    return [*(["-"] if ignore else ["!"] if invert else []), *args]


# ------------------------------------------------------------------------------ data -> TOML
def render(document: Document, *, root: Key) -> str:
    """The TOML text of ``document`` under ``root`` (``("tool", "orch")`` or none)."""
    doc = tomlkit.document()
    top: Any = doc
    if root:
        outer = tomlkit.table(is_super_table=True)
        top = tomlkit.table()
        outer.add(root[1], top)
        doc.add(root[0], outer)
    tables = {key: value for key, value in document.items() if isinstance(value, dict) and key != "labels"}
    for key, value in document.items():
        if key not in tables:
            top.add(key, _item(value, top=True))
    for key, value in tables.items():
        if key in ("env", "packagedef"):
            parent = tomlkit.table(is_super_table=True)
            for name, settings in value.items():
                parent.add(name, _table(settings))
            top.add(key, parent)
        else:
            top.add(key, _table(value))
    return doc.as_string()


def _table(values: dict[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, _item(value, top=True))
    return table


def _item(value: object, *, top: bool = False) -> Any:
    if isinstance(value, dict):
        inline: InlineTable = tomlkit.inline_table()
        for key, item in value.items():
            inline.append(key, _item(item))
        return inline
    if isinstance(value, list):
        array: Array = tomlkit.array()
        array.extend(_item(item) for item in value)
        if top and (len(value) > 1 or any(isinstance(item, (dict, list)) for item in value)):
            array.multiline(True)
        return array
    if isinstance(value, str):
        literal = ("\\" in value or '"' in value) and "'" not in value and not _CONTROL.search(value)
        return tomlkit.string(value, literal=literal)
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


# --------------------------------------------------------------------------------- pyproject
def _pyproject_text(target: Path, block: str, *, force: bool) -> str:
    """The pyproject.toml with ``block`` appended, an existing ``[tool.orch]`` removed first."""
    if not target.exists():
        return block
    try:
        original = target.read_bytes().decode("utf-8")  # bytes: keep \r\n line ends as they are
    except OSError as exc:
        raise ConfigError(f"cannot read {target}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{target}: not UTF-8 text ({exc.reason})") from exc
    data = parse_toml(original, target.name)
    text = original
    if _tool_orch(data) is not None:
        if not force:
            raise UsageError(f"{target} already has a [tool.orch] table", hint="pass --force to replace it")
        text = _cut_tool_orch(original)
        if _tool_orch(parse_toml(text, target.name)) is not None:
            raise ConfigError(
                f"{target} sets tool.orch outside a [tool.orch] table header",
                hint="remove it by hand, then run orch convert again",
            )
    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith("\n"):
        text += newline
    if text.strip() and not text.endswith(newline * 2):
        text += newline
    result = text + block.replace("\n", newline)
    try:
        merged = parse_toml(result, target.name)
    except ConfigError as exc:
        raise ConfigError(f"cannot add [tool.orch] to {target}: {exc.bare}", hint="edit the file by hand") from None
    if _without_tool_orch(merged) != _without_tool_orch(data):
        raise ConfigError(f"cannot add [tool.orch] to {target} without changing its other tables")
    return result


def _tool_orch(data: dict[str, Any]) -> object:
    tool = data.get("tool")
    return tool.get("orch") if isinstance(tool, dict) else None


def _without_tool_orch(data: dict[str, Any]) -> dict[str, Any]:
    result = dict(data)
    tool = result.get("tool")
    if isinstance(tool, dict):
        tool = {key: value for key, value in tool.items() if key != "orch"}
        if tool:
            result["tool"] = tool
        else:
            del result["tool"]
    return result


def _cut_tool_orch(text: str) -> str:
    """The text without the ``[tool.orch...]`` tables. A table ends before the comments and blank
    lines that precede the next header, since those describe the next table."""
    layout = Layout.scan(text)
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()  # 1-based line numbers
    for index, (key, start) in enumerate(layout.headers):
        if key[: len(TOOL_KEY)] != TOOL_KEY:
            continue
        end = layout.headers[index + 1][1] - 1 if index + 1 < len(layout.headers) else len(lines)
        while end > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        drop.update(range(start, end + 1))
        if start == 1 or not lines[start - 2].strip():  # already separated: drop the blank lines after
            while end < len(lines) and not lines[end].strip():
                end += 1
                drop.add(end)
    return "".join(line for number, line in enumerate(lines, 1) if number not in drop)


# ----------------------------------------------------------------------------------- checks
def _check_round_trip(text: str, target: Path, ini: IniSource, document: Document) -> None:
    """Parse the text back: it must give the data built (else this module has a bug)."""
    data: Any = parse_toml(text, target.name)
    if target.name == PYPROJECT:
        data = data["tool"]["orch"]
    if data != document:
        differ = sorted(key for key in set(data) | set(document) if data.get(key) != document.get(key))
        raise ConfigError(
            f"converting {ini.path.name} would change [{differ[0] if differ else '?'}]; nothing was written",
            hint="this is a bug in orch convert; please report it",
        )


def _write(target: Path, text: str) -> None:
    """Replace ``target`` in one step, keeping its permissions (a new file gets the umask's)."""
    if target.is_symlink():
        target = target.resolve()  # replace the file the link points to, not the link
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        with os.fdopen(fd, "wb") as stream:
            stream.write(text.encode("utf-8"))
        if mode is not None:
            os.chmod(temp, mode)  # the umask may have narrowed it
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
