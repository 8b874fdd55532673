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
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, Protocol

from orch.config.convert import CONVERTERS, to_list
from orch.config.factors import expand_names, filter_for_env
from orch.config.implicit import env_type_factor, version_of
from orch.config.registry import Kind, Scope, Setting, SettingsRegistry, UnknownSetting
from orch.config.source import ENV_PREFIX, PACKAGEDEF_PREFIX, RawSection, RawValue, Source
from orch.config.substitute import substitute
from orch.config.types import Command
from orch.errors import ConfigError, Location

_WHOLE_REFERENCE = re.compile(r"^\{\[(?P<section>[^\]]+)\](?P<key>[-\w]+)\}$")
MAX_REFERENCE_DEPTH = 100
"""How deep ``{[section]key}`` texts expand inside each other, tox's ``MAX_REPLACE_DEPTH``."""
_EXPORT = re.compile(r"^export[ \t]+")  # a shell's ``export`` in front of a set_env file's line
_DIR_ALIASES = {"toxinidir": "tox_root", "tox_root": "tox_root", "toxworkdir": "work_dir", "envname": "env_name"}


class Override(NamedTuple):
    """``-x SECTION.KEY=VALUE`` (replace) or ``-x SECTION.KEY+=VALUE`` (append a line)."""

    section: str
    key: str
    value: str
    append: bool = False

    @classmethod
    def parse(cls, text: str) -> Override:
        target, sep, value = text.partition("=")
        if not sep:
            raise ConfigError(f"override {text!r} is not of the form SECTION.KEY=VALUE or SECTION.KEY+=VALUE")
        append = target.endswith("+")
        section, _, key = target.rstrip("+").rpartition(".")  # no section: the core (a TOML file's top level)
        if not key:
            raise ConfigError(f"override {text!r} is not of the form SECTION.KEY=VALUE or SECTION.KEY+=VALUE")
        return cls(section.strip(), key.strip().lower(), value, append)


def apply_overrides(source: Source, overrides: Sequence[Override]) -> None:
    """Change the raw sections in place, as if the file said so."""
    where = Location("-x override")
    for item in overrides:
        if not item.section and not source.structured:  # only a TOML file has a top level without a name
            raise ConfigError(
                f"override {item.key}=... names no section; write SECTION.KEY=VALUE (testenv.{item.key}=...)"
            )
        name = source.section_for_override(item.section)
        section = source.sections.setdefault(name, RawSection(name, where))
        old = section.values.get(item.key)
        if old is None and item.append and section.prefix == ENV_PREFIX and ENV_PREFIX in source.sections:
            old = source.sections[ENV_PREFIX].values.get(item.key)  # append to the inherited value
        if item.append and old is not None and isinstance(old.data, list):  # a TOML list gets one more item
            section.values[item.key] = RawValue(f"{old.text}\n{item.value}", where, [*old.data, item.value])
            continue
        text = f"{source.read(old)}\n{item.value}" if item.append and old is not None else item.value
        section.values[item.key] = RawValue(text, where)


def stringify(value: object) -> str:
    """A typed value as text, for ``{key}`` references."""
    if isinstance(value, (bool, Command)):  # Command first: it is a tuple too
        return str(value)
    if isinstance(value, Mapping):
        return "\n".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return "\n".join(stringify(item) for item in value)
    return str(value)


if TYPE_CHECKING:
    from orch.config.toxtoml import TomlSource

if TYPE_CHECKING:
    # Protocols exist for the type checker only: defining one at run time costs start-up time.
    class PackageRules(Protocol):
        """Package defaults need the packagedefs; :class:`orch.config.project.Config` provides them."""

        def default_package(self, env: str) -> str: ...

        def default_packagedef(self, env: str) -> str: ...


class Lookup:
    """What a computed default may ask about the section it is computed for."""

    def __init__(self, resolver: Resolver, scope: Scope, name: str | None) -> None:
        self._resolver, self.scope, self.name = resolver, scope, name

    @property
    def root(self) -> Path:
        return self._resolver.root

    def get(self, key: str) -> object:
        return self._resolver.value(self.scope, self.name, key)

    def core(self, key: str) -> object:
        return self._resolver.value(Scope.CORE, None, key)

    def packages(self) -> PackageRules:
        if self._resolver.packages is None:
            raise ConfigError("package settings need the project's packagedefs")
        return self._resolver.packages

    def implied_env_type(self) -> str | None:
        return env_type_factor(self.name, self._resolver.type_factors) if self.name else None

    def python_version(self) -> str:
        """``X.Y`` of the env's first base_python when its spec names one, else orch's own."""
        base = self.get("base_python")
        for spec in base if isinstance(base, tuple) else ():
            version = version_of(str(spec))
            if version is not None and len(version) == 2:
                return f"{version[0]}.{version[1]}"
        return f"{sys.version_info[0]}.{sys.version_info[1]}"


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
    def _command_line(line: str, ctx: _Context) -> str:
        """One command line, substituted. A line that is only a reference such as
        ``{[testenv]commands}`` may become several commands; a multi-line value inside a line
        (``echo {[tox]env_list}``) stays on that line, as in tox."""
        text = substitute(line, ctx, quote_posargs=True)
        return text if _WHOLE_REFERENCE.match(line.strip()) else " ".join(text.splitlines())

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
            reference = _WHOLE_REFERENCE.match(stripped)
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
        """A ``file|PATH`` of set_env, read like tox: ``KEY=VALUE`` lines, ``export KEY=VALUE`` too, ``#`` comments;
        values keep their quotes. A missing file fails the set_env value (tox: ``... does not exist for set_env``)."""
        path = (self.root / path_text.strip()).resolve()
        if not path.is_file():
            state = "is not a file" if path.exists() else "does not exist"
            raise ConfigError(f"set_env file {path} {state}", location)
        try:
            lines = path.read_text(encoding="utf-8-sig").split("\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"set_env file {path} cannot be read: {exc}", location) from None
        result = {}
        for number, line in enumerate(lines, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            key = _EXPORT.sub("", key.strip())
            if not sep or not key or "\x00" in line:  # the line is not echoed: it may hold part of a secret
                raise ConfigError(f"set_env file {path}:{number}: expected KEY=VALUE", location)
            result[key] = value.strip()
        return result

    # -------------------------------------------------------------------------- substitution
    def context(self, scope: Scope, name: str | None) -> _Context:
        if self.source.structured:
            from orch.config.toml_values import TomlContext

            return TomlContext(self, scope, name)
        return _Context(self, scope, name)

    def _guard(self, frame: tuple[str, ...], location: Location | None, *, reentry: bool = True) -> _Guard:
        return _Guard(self, frame, location, reentry)


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


class _Context:
    """The substitution context of one section (core, an env, a packagedef)."""

    def __init__(self, resolver: Resolver, scope: Scope, name: str | None) -> None:
        self.resolver, self.scope, self.name = resolver, scope, name
        self.depth = 0  # how many {[section]key} texts are being expanded one inside the other
        self.exhausted = False  # MAX_REFERENCE_DEPTH was reached: substitute keeps the remaining expressions as text

    def posargs(self) -> tuple[str, ...] | None:
        return self.resolver.posargs

    def is_tty(self) -> bool:
        return self.resolver._is_tty()

    def env_var(self, name: str) -> str | None:
        if self.scope is Scope.ENV:
            value = self.resolver.set_env_var(str(self.name), name)
            if value is not None:
                return value
        return self.resolver.environ.get(name)

    def reference(self, section: str | None, key: str) -> str | None:
        """A setting (no section) or another section's text, expanded in this context.

        Like tox, a section's text that refers to itself (``deps = {[testenv]deps}``) is no error: it is expanded
        :data:`MAX_REFERENCE_DEPTH` times, the innermost text stays as written and so does every expression left in
        the value after it.
        """
        resolver = self.resolver
        if section is None or section == resolver.core_name:
            found = self._setting(key, core_only=section is not None)
            if found is not None or section is None:
                return found
        text = self.raw_reference(section, key)
        if text is None or self.exhausted or ("{" not in text and "[]" not in text):
            return text
        if self.depth >= MAX_REFERENCE_DEPTH:
            self.exhausted = True
            return text
        self.depth += 1
        try:
            return substitute(text, self, keep_escapes=True)
        finally:
            self.depth -= 1

    def raw_reference(self, section: str, key: str) -> str | None:
        """Another section's value, comments and other factors' lines removed, not substituted."""
        resolver = self.resolver
        raw = resolver.source.sections.get(section)
        value = None if raw is None else raw.values.get(key)
        if raw is not None and value is None:
            for scope in (Scope.ENV, Scope.CORE):
                try:
                    names = resolver.registry.get(scope, key).names
                except UnknownSetting:
                    continue
                value = next((raw.values[n] for n in names if n in raw.values), None)
                if value is not None:
                    break
        if value is None:
            head, sep, env = section.partition(":")
            known = head == ENV_PREFIX and sep and env and resolver.registry.canonical(Scope.ENV, key) is not None
            if known and self._known_env(env):
                return stringify(resolver.env(env, key))  # the key is inherited: read env's own value
            return None
        filter_name = self.name if self.scope is Scope.ENV else None
        return filter_for_env(resolver.source.read(value), filter_name).replace("\\\n", "")

    def _known_env(self, env: str) -> bool:
        """Whether tox knows the env: this one, one with a section, or one of ``env_list``."""
        resolver = self.resolver
        if env == self.name or resolver.env_section(env) is not None:
            return True
        try:
            return env in resolver.value(Scope.CORE, None, "env_list")  # type: ignore[operator]
        except (ConfigError, UnknownSetting):
            return False

    def _setting(self, key: str, *, core_only: bool) -> str | None:
        resolver = self.resolver
        key = _DIR_ALIASES.get(key, key)
        if key == "tox_root":
            return str(resolver.root)
        if key == "env_name" and self.scope is Scope.ENV:
            return str(self.name)
        if key == "py_dot_ver" and self.scope is Scope.ENV:  # tox: the env's Python as X.Y
            return Lookup(resolver, Scope.ENV, self.name).python_version()
        scopes = [Scope.CORE] if core_only or self.scope is not Scope.ENV else [Scope.CORE, Scope.ENV]
        for scope in scopes:
            canonical = resolver.registry.canonical(scope, key)
            if canonical is None:
                continue
            value = resolver.value(scope, self.name if scope is not Scope.CORE else None, canonical)
            return stringify(value)
        return None


def iter_keys(section: RawSection) -> Iterator[tuple[str, RawValue]]:
    yield from section.values.items()
