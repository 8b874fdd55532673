"""The settings registry: every config key orch knows, with its type, default and one-line doc.

Loaders fill values through it, ``orch config`` prints in its order, and the configuration
reference in ``docs/reference/configuration.md`` is generated from it. Plugins add keys through
the ``orch_add_settings`` hook; built-in keys are registered the same way (see
:mod:`orch.plugin.builtin`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Callable, NamedTuple, Union

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Protocol

    class PackageRules(Protocol):
        """Package defaults need the packagedefs; :class:`orch.config.project.Config` provides them."""

        def default_package(self, env: str) -> str: ...

        def default_packagedef(self, env: str) -> str: ...

    class Lookup(Protocol):
        """What a computed default or a post-process may ask about the section it is computed for.
        The resolver gives one (:class:`orch.config.context.Lookup`); the registry needs only this shape,
        so it names neither the resolver nor the context (a Protocol for the type checker only)."""

        scope: Scope
        name: str | None

        @property
        def root(self) -> Path: ...

        def get(self, key: str) -> object: ...

        def core(self, key: str) -> object: ...

        def packages(self) -> PackageRules: ...

        def implied_env_type(self) -> str | None: ...

        def python_version(self) -> str: ...


class Scope(str, enum.Enum):
    """Which kind of section a key belongs to."""

    CORE = "core"  # [tox] / [orch]
    ENV = "env"  # [testenv] and [testenv:NAME]
    PACKAGEDEF = "packagedef"  # [packagedef:NAME]


class Kind(str, enum.Enum):
    """How the text of a value becomes a typed value (see :mod:`orch.config.typed`)."""

    STR = "string"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    LIST = "list"  # split on newlines, or on commas when the value has a single line
    NAMES = "names"  # like list, as sorted, normalised package names (extras)
    LINES = "lines"  # one item per line
    ENV_LIST = "env list"  # generative names, expanded
    COMMANDS = "commands"  # one command per line, split into argv with shell quoting rules
    DEPS = "requirements"  # one PEP 508 requirement or pip option (-r, -c, -e) per line
    DICT = "mapping"  # KEY=VALUE lines (set_env also reads `file|path`)
    LABELS = "labels"  # label = env list, one per line
    PATH = "path"


Default = Union[object, Callable[["Lookup"], object]]
# (lookup, typed value, whether the file set it) -> the final value; raises ValueError for bad input
PostProcess = Callable[["Lookup", object, bool], object]


class Setting(NamedTuple):
    """One config key.

    ``default`` is a value, or a callable computing it from the other values of the same section
    (for example ``env_dir`` from ``work_dir`` and the env name); ``default_doc`` then says in
    words what it computes, for the reference docs. ``post`` checks or adjusts the typed value
    (``package`` is ``skip`` whatever the file says when ``skip_install`` is true).
    """

    key: str
    kind: Kind
    default: Default
    doc: str
    scope: Scope = Scope.ENV
    aliases: tuple[str, ...] = ()
    default_doc: str | None = None
    substitute: bool = True
    post: PostProcess | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The key first, then the aliases: the order in which a section is searched."""
        return (self.key, *self.aliases)

    def describe_default(self) -> str:
        if self.default_doc is not None:
            return self.default_doc
        if callable(self.default):
            return "computed"
        return repr(self.default)


class UnknownSetting(KeyError):
    """A key nobody registered."""


class SettingsRegistry:
    """All known keys, per scope, with their aliases. Passed explicitly; there is no global one."""

    def __init__(self) -> None:
        self._settings: dict[Scope, dict[str, Setting]] = {scope: {} for scope in Scope}
        self._aliases: dict[Scope, dict[str, str]] = {scope: {} for scope in Scope}

    def add(self, setting: Setting) -> None:
        """Register a key. A later registration of the same key is ignored: built-ins win a clash."""
        if setting.key in self._settings[setting.scope]:
            return
        self._settings[setting.scope][setting.key] = setting
        for name in setting.names:
            self._aliases[setting.scope].setdefault(name, setting.key)

    def __iter__(self) -> Iterator[Setting]:
        for scope in Scope:
            yield from self._settings[scope].values()

    def of(self, scope: Scope) -> Mapping[str, Setting]:
        return self._settings[scope]

    def get(self, scope: Scope, name: str) -> Setting:
        """The setting for a key or alias; raises :class:`UnknownSetting`."""
        try:
            return self._settings[scope][self._aliases[scope][name]]
        except KeyError:
            raise UnknownSetting(name) from None

    def canonical(self, scope: Scope, name: str) -> str | None:
        return self._aliases[scope].get(name)

    def suggest(self, scope: Scope, name: str) -> str | None:
        """The closest known key, for a "did you mean" hint."""
        import difflib  # only for an unknown key

        close = difflib.get_close_matches(name, list(self._aliases[scope]), n=1, cutoff=0.75)
        return self._aliases[scope][close[0]] if close else None
