"""Load every plugin and let them fill the registries of one run.

Order: third-party plugins from the ``orch`` entry-point group, then ``extra`` objects (tests),
then orch's built-ins (:mod:`orch.plugin.builtin`). pluggy calls the last registered first and the
built-in hooks are ``tryfirst``, so the built-ins register first; the registries keep the first
registration of a name, so built-ins win a clash. There is no global registry: callers pass the
returned :class:`Plugins` along.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from orch.config.registry import SettingsRegistry
from orch.errors import OrchError
from orch.plugin import catalog
from orch.plugin.builder_types import BuilderRegistry
from orch.plugin.discover import EntryPoint
from orch.plugin.discover import entry_points as find_entry_points
from orch.plugin.env_types import EnvTypeRegistry

if TYPE_CHECKING:
    import pluggy

ENTRY_POINT_GROUP = "orch"
BUILTIN_NAME = "builtin"


class Plugins:
    """The loaded plugins and the registries they filled.

    With only the built-ins, the registries are filled from :mod:`orch.plugin.catalog` and the
    pluggy manager is made the first time someone asks for it.
    """

    def __init__(
        self,
        settings: SettingsRegistry,
        env_types: EnvTypeRegistry,
        builders: BuilderRegistry,
        manager: pluggy.PluginManager | None = None,
    ) -> None:
        self.settings, self.env_types, self.builders = settings, env_types, builders
        self._manager = manager
        self.options: Mapping[str, object] = {}  # the parsed command line, set by the CLI: hooks get it

    @property
    def manager(self) -> pluggy.PluginManager:
        if self._manager is None:
            self._manager = _new_manager()
            _register_builtin(self._manager, {})
        return self._manager

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Let plugins add CLI options (the built-ins add none: theirs are in :mod:`orch.cli.parser`)."""
        if self._manager is not None:
            self._manager.hook.orch_add_options(parser=parser)

    def lifecycle(self, hook: str, **kwargs: object) -> list[object]:
        """Call lifecycle hook ``hook`` (``orch_before_setup``...) with ``options`` added; the results
        of the implementations that returned something. Without a third-party plugin: nothing, and
        no pluggy (the built-ins implement no lifecycle hook)."""
        if self._manager is None:
            return []
        caller = getattr(self._manager.hook, hook)
        try:
            return list(caller(**kwargs, options=self.options))
        except OrchError:
            raise
        except Exception as exc:
            raise OrchError(f"plugin hook {hook} failed: {type(exc).__name__}: {exc}") from exc

    def warnings(self) -> list[str]:
        """Registrations that lost a clash (a plugin reusing a built-in name...), as sentences."""
        return [*self.env_types.warnings(), *self.builders.warnings()]


def load_plugins(*, entry_points: bool = True, extra: Sequence[object] = ()) -> Plugins:
    """Register the plugins of one run and let them fill fresh registries.

    Registered in this order: the ``orch`` entry points (unless ``entry_points`` is false), the
    ``extra`` objects (modules or instances; for tests), orch's built-ins. A plugin that cannot be
    imported or has an invalid hook is an :class:`OrchError` naming it.
    """
    found = [e for e in find_entry_points() if e.module != _BUILTIN_MODULE] if entry_points else []
    if not found and not extra:  # only the built-ins: the same registrations, no plugin machinery
        plugins = Plugins(SettingsRegistry(), EnvTypeRegistry(), BuilderRegistry())
        catalog.add_settings(plugins.settings)
        catalog.register_env_types(plugins.env_types)
        catalog.register_builders(plugins.builders)
        return plugins
    import pluggy

    manager = _new_manager()
    origins: dict[int, Callable[[], str]] = {}  # id(plugin) -> how an error names it (computed only then)
    for entry_point in found:  # orch's own entry point is left out: the built-ins are registered last
        origin = functools.partial(_describe, entry_point)
        try:
            plugin = entry_point.load()
        except Exception as exc:
            raise OrchError(
                f"{origin()} cannot be loaded: {type(exc).__name__}: {exc}",
                hint=f"reinstall or uninstall {entry_point.distribution}",
            ) from exc
        name = entry_point.name if entry_point.name != BUILTIN_NAME else f"{entry_point.value}:{BUILTIN_NAME}"
        _register(manager, plugin, name, origin, origins)
    for plugin in extra:
        _register(manager, plugin, None, functools.partial(repr, plugin), origins)
    _register_builtin(manager, origins)
    try:
        manager.check_pending()  # a hookimpl for a hook that does not exist (a typo) is an error
    except pluggy.PluginValidationError as exc:
        culprit = origins.get(id(exc.plugin), functools.partial(repr, exc.plugin))
        raise OrchError(f"{culprit()} is invalid: {exc}") from exc

    plugins = Plugins(SettingsRegistry(), EnvTypeRegistry(), BuilderRegistry(), manager)
    manager.hook.orch_add_settings(registry=plugins.settings)
    manager.hook.orch_register_env_types(registry=plugins.env_types)
    manager.hook.orch_register_builders(registry=plugins.builders)
    return plugins


_BUILTIN_MODULE = "orch.plugin.builtin"


def _new_manager() -> pluggy.PluginManager:
    import pluggy

    from orch.plugin import spec

    manager = pluggy.PluginManager(spec.PROJECT)
    manager.add_hookspecs(spec)
    return manager


def _register_builtin(manager: pluggy.PluginManager, origins: dict[int, Callable[[], str]]) -> None:
    from orch.plugin import builtin

    _register(manager, builtin, BUILTIN_NAME, lambda: "orch's built-in plugin", origins)


def _register(
    manager: pluggy.PluginManager,
    plugin: object,
    name: str | None,
    origin: Callable[[], str],
    origins: dict[int, Callable[[], str]],
) -> None:
    if manager.is_registered(plugin):
        return  # the same module behind two entry points, or a distribution found twice on sys.path
    if name is not None and manager.has_plugin(name):
        name = f"{name}#{len(manager.get_plugins())}"  # two distributions chose the same entry-point name
    import pluggy

    try:
        manager.register(plugin, name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise OrchError(f"{origin()} is invalid: {exc}") from exc
    origins[id(plugin)] = origin


def _describe(entry_point: EntryPoint) -> str:
    return f"plugin {entry_point.name!r} ({entry_point.value}) of {entry_point.distribution}"
