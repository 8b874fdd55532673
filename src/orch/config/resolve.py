"""Lazy resolution of config values: raw text -> factor filter -> substitution -> typed value.

A value of env ``E`` for key ``K`` is read from the first section that has ``K`` (or an alias of
it) with text left after dropping the lines of other factors: ``[testenv:E]`` (the first section
whose generative name includes ``E``), then ``[testenv]``. Without one, the registry's default
applies. Values are computed on first use and cached, so ``orch list`` reads descriptions only.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from orch.config.conditions import filter_for_env
from orch.config.context import Context, Lookup
from orch.config.env_file import read_env_file
from orch.config.factors import expand_names
from orch.config.overrides import Override, apply_overrides
from orch.config.raw import ENV_PREFIX, PACKAGEDEF_PREFIX, RawSection, RawValue, Source
from orch.config.registry import Kind, Scope, Setting, SettingsRegistry
from orch.config.substitute import substitute
from orch.config.typed import CONVERTERS, to_list
from orch.config.types import Command
from orch.errors import ConfigError, Location

_WHOLE_REFERENCE = r"^\{\[(?P<section>[^\]]+)\](?P<key>[-\w]+)\}$"  # compiled by re at its first use


if TYPE_CHECKING:
    from orch.config.registry import PackageRules
    from orch.config.toxtoml import TomlSource


class Resolver:
    """Resolves values of one loaded source. Not thread-safe: resolve before fanning out."""

    def __init__(
        self,
        source: Source,
        registry: SettingsRegistry,
        *,
        type_factors: Mapping[str, str],
        overrides: Sequence[Override] = (),
        environ: Mapping[str, str] | None = None,
        posargs: Sequence[str] | None = None,
        is_tty: Callable[[], bool] | None = None,
    ) -> None:
        apply_overrides(source, overrides)
        self.source, self.registry, self.type_factors = source, registry, type_factors
        self.root = source.root
        self.environ = os.environ if environ is None else environ
        self.posargs = None if posargs is None else tuple(posargs)
        self._is_tty = is_tty or (lambda: sys.stdout.isatty())
        self._cache: dict[tuple[Scope, str | None, str], object] = {}
        self.packages: PackageRules | None = None
        self._set_env_raw: dict[str, dict[str, str]] = {}
        self._raw_cache: dict[tuple[Scope, str | None, str], tuple[str, Location] | None] = {}
        self._data: dict[tuple[Scope, str | None, str], RawValue] = {}  # TOML values found by _find_raw
        self._active: list[tuple[str, ...]] = []
        self._env_sections: dict[str, RawSection] = {}
        self._section_envs: list[tuple[RawSection, list[str]]] = []
        for section in source.env_sections():
            names = self._toml().env_names(section) if source.structured else expand_names(section.suffix)
            self._section_envs.append((section, names))
            for name in names:
                self._env_sections.setdefault(name, section)

    # ----------------------------------------------------------------------------------- names
    @property
    def core_name(self) -> str:
        return self.source.core_name

    def section_envs(self) -> list[tuple[RawSection, list[str]]]:
        """Each ``[testenv:...]`` section with the env names its generative name expands to."""
        return self._section_envs

    def env_section(self, env: str) -> RawSection | None:
        return self._env_sections.get(env)

    # ---------------------------------------------------------------------------------- values
    def core(self, key: str) -> object:
        return self.value(Scope.CORE, None, key)

    def env(self, name: str, key: str) -> object:
        return self.value(Scope.ENV, name, key)

    def packagedef(self, name: str, key: str) -> object:
        return self.value(Scope.PACKAGEDEF, name, key)

    def value(self, scope: Scope, name: str | None, key: str) -> object:
        cache_key = (scope, name, key)
        try:
            return self._cache[cache_key]
        except KeyError:
            pass
        setting = self.registry.get(scope, key)
        with self._guard(("value", scope.value, str(name), setting.key), self.location(scope, name, key)):
            result = self._compute(scope, name, setting)
        self._cache[cache_key] = result
        return result

    def location(self, scope: Scope, name: str | None, key: str) -> Location | None:
        found = self._raw(scope, name, self.registry.get(scope, key))
        return None if found is None else found[1]

    def sections_for(self, scope: Scope, name: str | None) -> list[RawSection]:
        """The sections searched for a value, most specific first."""
        sections = self.source.sections
        if scope is Scope.CORE:
            core = sections.get(self.core_name)
            return [core] if core is not None else []
        if scope is Scope.PACKAGEDEF:
            own = sections.get(f"{PACKAGEDEF_PREFIX}:{name}")
            return [own] if own is not None else []
        own = self._env_sections.get(str(name))
        if self.source.structured:
            return self._toml().env_chain(str(name), own)
        if own is None:
            base = sections.get(ENV_PREFIX)
            return [base] if base is not None else []
        return self._base_chain(own)

    def _base_chain(self, own: RawSection) -> list[RawSection]:
        """An env section, then the sections its ``base`` key names (each as ``NAME`` or
        ``testenv:NAME``), or ``[testenv]`` when it has no ``base`` (tox 4's rule)."""
        base = own.values.get("base")
        names = to_list(self.source.read(base)) if base is not None else (ENV_PREFIX,)
        chain = [own]
        for item in names:
            for candidate in (item, f"{ENV_PREFIX}:{item}"):
                found = self.source.sections.get(candidate)
                if found is not None and found not in chain:
                    chain.append(found)
        return chain

    def _raw(self, scope: Scope, name: str | None, setting: Setting) -> tuple[str, Location] | None:
        cache_key = (scope, name, setting.key)
        try:
            return self._raw_cache[cache_key]
        except KeyError:
            found = self._raw_cache[cache_key] = self._find_raw(scope, name, setting)
            return found

    def _find_raw(self, scope: Scope, name: str | None, setting: Setting) -> tuple[str, Location] | None:
        if self.source.structured:  # TOML: the first table that has the key, its data kept for _compute
            for section in self.sections_for(scope, name):
                for key in setting.names:
                    raw = section.values.get(key)
                    if raw is not None:
                        self._data[(scope, name, setting.key)] = raw
                        return raw.text, raw.location
            return None
        filter_name = name if scope is Scope.ENV else None
        filtering = scope is not Scope.PACKAGEDEF  # orch's own sections: a "py38: x" line is no condition
        for section in self.sections_for(scope, name):
            for key in setting.names:
                raw = section.values.get(key)
                if raw is None:
                    continue
                text = self.source.read(raw)
                filtered = filter_for_env(text, filter_name) if filtering else text.strip()
                if not filtered and text.strip():
                    break  # every line belongs to other factors: fall back to the next section
                return filtered.replace("\\\n", ""), raw.location
        return None

    def _compute(self, scope: Scope, name: str | None, setting: Setting) -> object:
        found = self._raw(scope, name, setting)
        if found is None:
            default = setting.default
            try:
                result = default(Lookup(self, scope, name)) if callable(default) else default
            except ValueError as exc:
                sections = self.sections_for(scope, name)
                where = sections[0].location if sections else Location(str(self.source.path.name))
                raise ConfigError(f"{self._where(scope, name)} {setting.key}: {exc}", where) from exc
        else:
            text, location = found
            result = self._convert(scope, name, setting, text, location)
        if isinstance(result, Path) and not result.is_absolute():
            result = self.root / result
        if (nul := _with_nul(result)) is not None:
            at = found[1] if found else None
            raise ConfigError(f"{self._where(scope, name)} {setting.key}: {_nul_message(nul)}", at)
        if setting.post is not None:
            try:
                result = setting.post(Lookup(self, scope, name), result, found is not None)
            except ValueError as exc:
                raise ConfigError(f"{self._where(scope, name)} {exc}", found[1] if found else None) from None
        return result

    def _convert(self, scope: Scope, name: str | None, setting: Setting, text: str, location: Location) -> object:
        raw = self._data.get((scope, name, setting.key))
        if raw is not None and raw.data is not None:
            return self._convert_data(scope, name, setting, raw)
        try:
            if setting.kind is Kind.DICT:
                return self._dict(scope, name, text, location)
            if setting.kind is Kind.COMMANDS:
                text = "\n".join(self._command_line(line, self.context(scope, name)) for line in text.splitlines())
            elif setting.substitute:
                text = substitute(text, self.context(scope, name))
            return CONVERTERS[setting.kind](text)
        except ConfigError as exc:
            if exc.location is not None:
                raise
            raise ConfigError(f"{self._where(scope, name)} {setting.key}: {exc.bare}", location) from exc
        except ValueError as exc:
            raise ConfigError(f"{self._where(scope, name)} {setting.key}: {exc}", location) from exc

    def _convert_data(self, scope: Scope, name: str | None, setting: Setting, raw: RawValue) -> object:
        """A TOML value: replacement tables, substitutions, then a check of its shape."""
        from orch.config import toml_values  # only TOML projects load it

        try:
            if setting.kind is Kind.DICT:
                table = toml_values.raw_dict(self, scope, name, raw.data)
                if scope is Scope.ENV:
                    self._set_env_raw[str(name)] = table
                return {key: self._dict_value(scope, name, table, key, raw.location) for key in table}
            return toml_values.typed(self, scope, name, setting, raw.data)
        except ConfigError as exc:
            if exc.location is not None:
                raise
            raise ConfigError(f"{self._where(scope, name)} {setting.key}: {exc.bare}", raw.location) from exc
        except ValueError as exc:
            raise ConfigError(f"{self._where(scope, name)} {setting.key}: {exc}", raw.location) from exc

    def _toml(self) -> TomlSource:
        from orch.config.toxtoml import TomlSource

        assert isinstance(self.source, TomlSource)
        return self.source

    @staticmethod
    def _command_line(line: str, ctx: Context) -> str:
        """One command line, substituted. A line that is only a reference such as
        ``{[testenv]commands}`` may become several commands; a multi-line value inside a line
        (``echo {[tox]env_list}``) stays on that line, as in tox."""
        text = substitute(line, ctx, quote_posargs=True)
        return text if re.match(_WHOLE_REFERENCE, line.strip()) else " ".join(text.splitlines())

    def _where(self, scope: Scope, name: str | None) -> str:
        if self.source.structured:
            own = self.sections_for(scope, name)
            if scope is Scope.ENV:
                return self._toml().label(f"{ENV_PREFIX}:{name}")
            return self._toml().label(own[0].name) if own else self._toml().label(self.core_name)
        if scope is Scope.CORE:
            return f"[{self.core_name}]"
        prefix = ENV_PREFIX if scope is Scope.ENV else PACKAGEDEF_PREFIX
        return f"[{prefix}:{name}]"

    # ------------------------------------------------------------------------------- set_env
    def _dict(self, scope: Scope, name: str | None, text: str, location: Location) -> dict[str, str]:
        """KEY=VALUE lines. For an env's set_env each value is substituted on its own and only when
        needed, so ``PATH={env:PATH}:x`` reads the caller's PATH rather than itself."""
        raw = self._raw_dict(scope, name, text, location)
        if scope is Scope.ENV:
            self._set_env_raw[str(name)] = raw
        return {key: self._dict_value(scope, name, raw, key, location) for key in raw}

    def _raw_dict(self, scope: Scope, name: str | None, text: str, location: Location) -> dict[str, str]:
        ctx = self.context(scope, name)
        raw: dict[str, str] = {}
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            reference = re.match(_WHOLE_REFERENCE, stripped)
            if reference is not None:  # {[testenv]setenv}: the other section's lines, unsubstituted
                section, key = reference.group("section"), reference.group("key")
                included = ctx.raw_reference(section, key)
                if included is None:
                    raise ConfigError(f"{self._where(scope, name)} set_env: no key {key!r} in [{section}]", location)
                with self._guard(("include", section, key, str(name)), location):
                    raw.update(self._raw_dict(scope, name, included, location))
                continue
            if stripped.startswith("file|"):
                raw.update(self.env_file(substitute(stripped[5:], ctx), location))
                continue
            key, sep, value = stripped.partition("=")
            if not sep:
                raise ConfigError(
                    f"{self._where(scope, name)} set_env: expected KEY=VALUE, found {stripped!r}", location
                )
            raw[key.strip()] = value.strip()
        return raw

    def _dict_value(self, scope: Scope, name: str | None, raw: Mapping[str, str], key: str, where: Location) -> str:
        cache_key = (scope, name, f"set_env:{key}")
        if cache_key in self._cache:
            return str(self._cache[cache_key])
        with self._guard(("set_env", str(name), key), where):
            value = substitute(raw[key], self.context(scope, name))
        if "\0" in key + value:
            raise ConfigError(f"{self._where(scope, name)} set_env: {_nul_message(f'{key}={value}')}", where)
        self._cache[cache_key] = value
        return value

    def set_env_var(self, env: str, key: str) -> str | None:
        """One set_env value of an env, substituted; None when set_env does not set it, or while
        that very value is being computed (then ``{env:KEY}`` means the caller's variable)."""
        raw = self._set_env_raw.get(env)
        if raw is None:
            found = self._raw(Scope.ENV, env, self.registry.get(Scope.ENV, "set_env"))
            if found is None:
                return None
            with self._guard(("value", Scope.ENV.value, env, "set_env", "raw"), found[1]):
                data = self._data.get((Scope.ENV, env, "set_env"))
                if data is not None and data.data is not None:
                    from orch.config import toml_values

                    try:
                        raw = toml_values.raw_dict(self, Scope.ENV, env, data.data)
                    except ValueError as exc:
                        raise ConfigError(f"{self._where(Scope.ENV, env)} set_env: {exc}", found[1]) from None
                else:
                    raw = self._raw_dict(Scope.ENV, env, found[0], found[1])
                self._set_env_raw[env] = raw
        frame = ("set_env", env, key)
        if key not in raw:
            return None
        if frame in self._active:
            if self._active[-1] == frame:
                return None  # PATH={env:PATH}:x reads the caller's PATH
            cycle = [f[2] for f in self._active[self._active.index(frame) :] if f[0] == "set_env"]
            raise ConfigError(f"cyclic reference between set_env values: {' -> '.join([*cycle, key])}")
        location = self.location(Scope.ENV, env, "set_env") or Location(str(self.source.path))
        return self._dict_value(Scope.ENV, env, raw, key, location)

    def env_file(self, path_text: str, location: Location) -> dict[str, str]:
        """A ``file|PATH`` of set_env (see :func:`orch.config.env_file.read_env_file`)."""
        return read_env_file(self.root / path_text.strip(), location)

    # -------------------------------------------------------------------------- substitution
    def context(self, scope: Scope, name: str | None) -> Context:
        if self.source.structured:
            from orch.config.toml_values import TomlContext

            return TomlContext(self, scope, name)
        return Context(self, scope, name)

    def _guard(self, frame: tuple[str, ...], location: Location | None, *, reentry: bool = True) -> _Guard:
        return _Guard(self, frame, location, reentry)


def _with_nul(value: object) -> str | None:
    """The first text of a converted value that holds a NUL byte (a whole command for a command), or None."""
    if isinstance(value, (str, Path)):
        return str(value) if "\0" in str(value) else None
    if isinstance(value, Command):
        return str(value) if any("\0" in arg for arg in value.args) else None
    if isinstance(value, Mapping):
        value = [f"{key}={item}" for key, item in value.items()]
    if isinstance(value, (tuple, list, set, frozenset)):
        return next((found for item in value if (found := _with_nul(item)) is not None), None)
    return None


def _nul_message(text: str) -> str:
    return f"a NUL byte in {text!r}: no path, variable or process argument can hold one"


class _Guard:
    """Detects a value that needs itself (``a = {b}``, ``b = {a}``)."""

    def __init__(self, resolver: Resolver, frame: tuple[str, ...], location: Location | None, raise_: bool) -> None:
        self.resolver, self.frame, self.location, self.raise_ = resolver, frame, location, raise_
        self.fresh = False

    def __enter__(self) -> bool:
        active = self.resolver._active
        if self.frame in active:
            if not self.raise_:
                return False
            cycle = [*active[active.index(self.frame) :], self.frame]
            chain = " -> ".join(".".join(f for f in frame[1:] if f != "None") for frame in cycle)
            raise ConfigError(f"cyclic reference: {chain}", self.location)
        active.append(self.frame)
        self.fresh = True
        return True

    def __exit__(self, *exc: object) -> None:
        if self.fresh:
            self.resolver._active.pop()
