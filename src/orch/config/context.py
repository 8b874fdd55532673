"""What a value's computation may ask: :class:`Lookup` for computed defaults, :class:`Context` for substitutions.

Both read through the :class:`~orch.config.resolve.Resolver` of the loaded file, so a reference is
resolved (and cached) like any other value, and a cycle is caught by the resolver's guard.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from orch.config.conditions import filter_for_env
from orch.config.implicit import env_type_factor, version_of
from orch.config.raw import ENV_PREFIX
from orch.config.registry import Scope, UnknownSetting
from orch.config.substitute import substitute
from orch.config.types import Command
from orch.errors import ConfigError

if TYPE_CHECKING:
    from orch.config.registry import PackageRules
    from orch.config.resolve import Resolver

MAX_REFERENCE_DEPTH = 100
"""How deep ``{[section]key}`` texts expand inside each other, tox's ``MAX_REPLACE_DEPTH``."""
_DIR_ALIASES = {"toxinidir": "tox_root", "tox_root": "tox_root", "toxworkdir": "work_dir", "envname": "env_name"}


def stringify(value: object) -> str:
    """A typed value as text, for ``{key}`` references."""
    if isinstance(value, (bool, Command)):  # Command first: it is a tuple too
        return str(value)
    if isinstance(value, Mapping):
        return "\n".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return "\n".join(stringify(item) for item in value)
    return str(value)


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


# how many set_env values are expanded one inside the other ({env:A} -> {env:B}), in each thread
_SET_ENV_DEPTH: ContextVar[int] = ContextVar("set_env_depth", default=0)


class Context:
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
            depth = _SET_ENV_DEPTH.get()  # each lookup has a context of its own: count per thread
            if depth >= MAX_REFERENCE_DEPTH:
                raise ConfigError(
                    f"set_env: {{env:{name}}} is reached through more than {MAX_REFERENCE_DEPTH} set_env values "
                    "referring one to the next"
                )
            token = _SET_ENV_DEPTH.set(depth + 1)
            try:
                value = self.resolver.set_env_var(str(self.name), name)
            finally:
                _SET_ENV_DEPTH.reset(token)
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
