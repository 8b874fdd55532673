"""The loaded configuration of one project: env names, typed env configs, packagedefs, build plan."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from orch.config.conditions import find_envs
from orch.config.packagedefs import matches
from orch.config.raw import ENV_PREFIX, Source
from orch.config.registry import Scope, SettingsRegistry
from orch.config.resolve import Resolver
from orch.errors import ConfigError, Location

if TYPE_CHECKING:
    from orch.config.model import CoreConfig, EnvConfig, PackageDef

# The model's classes are imported where they are built: making them costs about a millisecond,
# which `orch list` (names and descriptions only) need not pay.

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


class EnvNames(NamedTuple):
    """Every env the config defines, in tox's order, split into default and additional ones."""

    default: tuple[str, ...]
    additional: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.default + self.additional


class Config:
    """Facade over a :class:`Resolver`: builds the typed model on demand and caches it."""

    def __init__(
        self, source: Source, resolver: Resolver, registry: SettingsRegistry, builders: Collection[str]
    ) -> None:
        self.source, self.resolver, self.registry = source, resolver, registry
        self.builders = frozenset(builders)  # names of the registered package builders
        self._envs: dict[str, EnvConfig] = {}
        self._env_errors: dict[str, ConfigError] = {}  # envs whose config has a value that cannot be computed
        resolver.packages = self

    @property
    def path(self) -> Path:
        return self.source.path

    @property
    def root(self) -> Path:
        return self.source.root

    # ----------------------------------------------------------------------------------- core
    @cached_property
    def core(self) -> CoreConfig:
        from orch.config.model import CoreConfig

        return CoreConfig(**self._section(Scope.CORE, None, CoreConfig))

    def _section(self, scope: Scope, name: str | None, cls: type) -> dict[str, Any]:
        from orch.config.model import field_names

        known = field_names(cls)
        values: dict[str, Any] = {key: self.resolver.value(scope, name, key) for key in known}
        extra = {
            s.key: self.resolver.value(scope, name, s.key)
            for s in self.registry.of(scope).values()
            if s.key not in known
        }
        sources = {}
        for key in (*known, *extra):
            location = self.resolver.location(scope, name, key)
            if location is not None:
                sources[key] = location
        values.update(extra=extra, sources=sources)
        if name is not None:
            values["name"] = name
        return values

    # ----------------------------------------------------------------------------------- names
    @cached_property
    def names(self) -> EnvNames:
        """tox 4's order: env_list, then ``[testenv:...]`` section names, then envs that only factor
        conditions mention (with a factor no other env has), then label members."""
        env_list = self.resolver.core("env_list")
        assert isinstance(env_list, tuple)
        found: dict[str, None] = dict.fromkeys(env_list)
        known = {factor for env in env_list for factor in env.split("-")}
        for _, names in self.resolver.section_envs():
            known.update(factor for env in names for factor in env.split("-"))
            found.update(dict.fromkeys(names))
        found.update(dict.fromkeys(self.source.generated))  # a TOML file's [env_base.NAME] envs
        for section in () if self.source.structured else self.source.sections.values():
            if section.name in (self.source.core_name, ENV_PREFIX) or section.prefix == ENV_PREFIX:
                for value in section.values.values():
                    for env in find_envs(self.source.read(value)):
                        if set(env.split("-")) - known:
                            found.setdefault(env)
        labels = self.resolver.core("labels")
        assert isinstance(labels, dict)
        for members in labels.values():
            found.update(dict.fromkeys(members))
        default = env_list or ("py",)
        for name in (*default, *found):
            check_env_name(name)
        everything = [name for name in found if name and not name.startswith(".")]
        return EnvNames(tuple(default), tuple(name for name in everything if name not in default))

    def labels(self, env: str) -> tuple[str, ...]:
        """An env's own ``labels`` key, without building its whole config."""
        labels = self.resolver.env(env, "labels")
        assert isinstance(labels, tuple)
        return labels

    def labels_of(self, label: str) -> tuple[str, ...]:
        """Envs with a label: the core ``labels`` mapping plus each env's own ``labels`` key."""
        labels = self.resolver.core("labels")
        assert isinstance(labels, dict)
        members = dict.fromkeys(labels.get(label, ()))
        members.update(dict.fromkeys(name for name in self.names.all if label in self._labels_or_none(name)))
        return tuple(members)

    def _labels_or_none(self, env: str) -> tuple[str, ...]:
        """An env's labels; none when they cannot be computed (the env's error shows when it is used)."""
        try:
            return self.labels(env)
        except ConfigError:
            return ()

    # ------------------------------------------------------------------------------------ envs
    def env(self, name: str) -> EnvConfig:
        """The env's typed config. A value that cannot be computed raises its :class:`ConfigError`
        here, for this env only: other envs, and this env's other values (:meth:`env_value`), are
        not affected."""
        env = self._envs.get(name)
        if env is None:
            check_env_name(name)
            error = self._env_errors.get(name)
            if error is not None:
                raise error
            from orch.config.model import EnvConfig

            try:
                env = self._envs[name] = EnvConfig(**self._section(Scope.ENV, name, EnvConfig))
            except ConfigError as exc:
                self._env_errors[name] = exc
                raise
        return env

    def env_error(self, name: str) -> ConfigError | None:
        """Why the env's config cannot be built (its first value that cannot be computed), or None."""
        try:
            self.env(name)
        except ConfigError as exc:
            return exc
        return None

    def env_keys(self) -> tuple[str, ...]:
        """Every env key, ``name`` and the model's fields first, then the other registered keys."""
        from orch.config.model import EnvConfig, field_names

        known = field_names(EnvConfig)
        others = tuple(s.key for s in self.registry.of(Scope.ENV).values() if s.key not in known)
        return ("name", *known, *others)

    def env_value(self, name: str, key: str) -> object:
        """One value of an env, computed alone (a :class:`ConfigError` is about this value only)."""
        return name if key == "name" else self.resolver.env(name, key)

    def envs(self, names: Iterable[str]) -> list[EnvConfig]:
        return [self.env(name) for name in names]

    # ----------------------------------------------------------------------------- packagedefs
    @property
    def has_project(self) -> bool:
        """Whether the project has packaging metadata (without it, envs install no package)."""
        return any((self.root / name).is_file() for name in PROJECT_FILES)

    @cached_property
    def packagedefs(self) -> Mapping[str, PackageDef]:
        """The ``[packagedef:NAME]`` sections, in file order."""
        from orch.config.model import PackageDef

        result: dict[str, PackageDef] = {}
        for section in self.source.packagedef_sections():
            name = section.suffix
            values = self._section(Scope.PACKAGEDEF, name, PackageDef)
            if values["builder"] not in self.builders:
                location = self.resolver.location(Scope.PACKAGEDEF, name, "builder") or section.location
                raise ConfigError(
                    f"[packagedef:{name}] builder {values['builder']!r} is unknown "
                    f"(known: {', '.join(sorted(self.builders))})",
                    location,
                )
            result[name] = PackageDef(**values)
        return result

    def packagedef(self, name: str) -> PackageDef:
        """A declared packagedef, or the implicit one a builder name stands for."""
        if name in self.packagedefs:
            return self.packagedefs[name]
        return implicit_packagedef(name)

    def default_package(self, env: str) -> str:
        """``package`` when the file does not set it: tox's rules, then the matching packagedef."""
        resolver = self.resolver  # skip_install and use_develop are applied by the setting's post step
        if not self.has_project:
            return "skip"
        matched = self.match(env)
        if matched is not None:
            return self.packagedefs[matched].builder
        return "conda" if resolver.env(env, "env_type") == "conda" else "sdist"

    def default_packagedef(self, env: str) -> str:
        package = str(self.resolver.env(env, "package"))
        if package == "skip":
            return ""
        if package in self.packagedefs:
            return package
        explicit = self.resolver.location(Scope.ENV, env, "package") is not None or bool(
            self.resolver.env(env, "use_develop")
        )
        if not explicit:
            matched = self.match(env)
            if matched is not None:
                return matched
        if package not in self.builders:
            raise ConfigError(
                f"{env}: package {package!r} is neither a [packagedef:{package}] section nor a builder",
                self.resolver.location(Scope.ENV, env, "package"),
            )
        return package

    def match(self, env: str) -> str | None:
        """The packagedef name for an env that has none set explicitly, by ``match``; None if none."""
        matched = []
        for name, pdef in self.packagedefs.items():
            try:
                if pdef.match and matches(pdef.match, env):
                    matched.append(name)
            except ValueError as exc:
                raise ConfigError(f"[packagedef:{name}] {exc}", pdef.sources.get("match")) from None
        if len(matched) > 1:
            first, second = matched[:2]
            location = self.packagedefs[second].sources.get("match")
            raise ConfigError(f"{env}: matched by both [packagedef:{first}] and [packagedef:{second}]", location)
        return matched[0] if matched else None


def check_env_name(name: str) -> None:
    """An env name is one path component, as in tox: not empty, ``.`` or ``..``, no ``/``, ``\\`` or NUL.

    The name is the env's folder below work_dir; ``..`` would make it the project folder, ``""`` work_dir itself.
    """
    if name in ("", ".", "..") or any(char in name for char in "/\\\0"):
        raise ConfigError(f"environment name {name!r} is not a valid single path component")


def implicit_packagedef(builder: str) -> PackageDef:
    """The packagedef a bare builder name means: that builder with default options."""
    from orch.config.model import PackageDef

    where = Location("implicit")
    return PackageDef(
        name=builder,
        builder=builder,
        match=(),
        build_python="",
        config_settings={},
        per_python="auto",
        build_commands=(),
        package_glob="",
        description=f"the default {builder} package",
        implicit=True,
        sources={"builder": where},
    )
