"""The env types orch knows, declared by name; their backends are imported only when an env is created.

An :class:`EnvType` names its backend as a ``"module:attr"`` string, so registering it costs nothing:
``orch list`` reads the registry without importing virtualenv, uv or py-rattler. Built-in and plugin
env types are added through the ``orch_register_env_types`` hook (see :mod:`orch.plugin.spec`).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

from orch.errors import OrchError


class EnvType(NamedTuple):
    """One kind of environment, e.g. ``virtualenv``.

    ``factors`` are the env-name factors that select it (``py312-conda`` is a conda env);
    ``backend`` is the ``"module:attr"`` of its implementation, imported lazily by
    :meth:`EnvTypeRegistry.load_backend`; ``needs_python`` is false for envs that run commands
    without a Python interpreter of their own (``system``, or an R or container executor).
    """

    name: str
    factors: tuple[str, ...]
    description: str
    backend: str
    needs_python: bool = True


class EnvTypeRegistry:
    """The env types of one run. Passed explicitly; there is no global one.

    The first registration of a name wins; a later one is kept in :attr:`ignored` so orch can warn.
    Built-ins register first (see :mod:`orch.plugin.manager`), so they win a clash.
    """

    def __init__(self) -> None:
        self._types: dict[str, EnvType] = {}
        self._ignored: list[EnvType] = []

    def add(self, env_type: EnvType) -> None:
        """Register an env type; ignored (and recorded) if the name is taken."""
        check_path(env_type.backend, f"env type {env_type.name!r}", "backend")
        if env_type.name in self._types:
            self._ignored.append(env_type)
            return
        self._types[env_type.name] = env_type

    def get(self, name: str) -> EnvType:
        """The env type called ``name``; raises :class:`KeyError`."""
        return self._types[name]

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order (built-ins first)."""
        return tuple(self._types)

    def __contains__(self, name: object) -> bool:
        return name in self._types

    @property
    def ignored(self) -> tuple[EnvType, ...]:
        """Registrations that lost a name clash, in the order they were made."""
        return tuple(self._ignored)

    def type_factors(self) -> dict[str, str]:
        """Env-name factor -> env type name. A factor claimed twice belongs to the first claimant."""
        result: dict[str, str] = {}
        for env_type in self._types.values():
            for factor in env_type.factors:
                result.setdefault(factor, env_type.name)
        return result

    def warnings(self) -> list[str]:
        """One sentence per ignored registration or contested factor, for ``warning:`` lines."""
        lines = [
            f"env type {t.name!r} is registered twice; {t.backend} is ignored, {self._types[t.name].backend} is used"
            for t in self._ignored
        ]
        owners = self.type_factors()
        lines.extend(
            f"env-name factor {factor!r} of env type {t.name!r} is ignored: it selects env type {owners[factor]!r}"
            for t in self._types.values()
            for factor in t.factors
            if owners[factor] != t.name
        )
        return lines

    def load_backend(self, name: str) -> object:
        """Import the backend of env type ``name``; an :class:`OrchError` says why it cannot be."""
        if name not in self._types:
            known = ", ".join(self._types) or "none"
            raise OrchError(f"env type {name!r} is unknown (known: {known})")
        return load_declared(self._types[name].backend, f"env type {name!r}")


def check_path(path: str, what: str, field: str) -> None:
    """Raise :class:`OrchError` unless ``path`` has the form ``"module:attr"``."""
    module, sep, attr = path.partition(":")
    if not (sep and module and attr):
        raise OrchError(f"{what}: {field} {path!r} is not of the form 'module:attr'")


def load_declared(path: str, what: str) -> object:
    """Import the ``"module:attr"`` a registry entry declares; ``what`` names the entry in errors.

    Shared by the env type and builder registries.
    """
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == module_name or module_name.startswith(f"{missing}."):
            raise OrchError(
                f"{what} is declared but not implemented yet: there is no module {module_name} (from {path!r})"
            ) from exc
        raise OrchError(
            f"{what} cannot be loaded: {module_name} needs {missing!r}, which is not installed",
            hint=f"install the package providing {missing.partition('.')[0]!r} into the Python that runs orch",
        ) from exc
    except Exception as exc:
        raise OrchError(
            f"{what} cannot be loaded: importing {module_name} failed: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise OrchError(f"{what} is declared but not implemented yet: {module_name} has no {attr!r}") from None
