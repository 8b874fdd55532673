"""Registries of things declared by name and a lazy ``"module:attr"`` path: env types, builders.

Registering costs nothing (``orch list`` imports no backend); the path is imported only when the
thing is used. The first registration of a name wins; a later one is kept in :attr:`ignored` so
orch can warn. Built-ins register first (see :mod:`orch.plugin.manager`), so they win a clash.
"""

from __future__ import annotations

from typing import ClassVar, Generic, Protocol, TypeVar

from orch.errors import OrchError


class _Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=_Named)


class DeclaredRegistry(Generic[T]):
    """Named entries of one kind, each naming an importable path in its ``path_field``."""

    kind: ClassVar[str]  # "env type", "builder": for messages
    path_field: ClassVar[str]  # the entry's "module:attr" field: "backend", "implementation"

    def __init__(self) -> None:
        self._entries: dict[str, T] = {}
        self._ignored: list[T] = []

    def _path(self, entry: T) -> str:
        return str(getattr(entry, self.path_field))

    def add(self, entry: T) -> None:
        """Register an entry; ignored (and recorded) if the name is taken."""
        check_path(self._path(entry), f"{self.kind} {entry.name!r}", self.path_field)
        if entry.name in self._entries:
            self._ignored.append(entry)
            return
        self._entries[entry.name] = entry

    def get(self, name: str) -> T:
        """The entry called ``name``; raises :class:`KeyError`."""
        return self._entries[name]

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order (built-ins first)."""
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    @property
    def ignored(self) -> tuple[T, ...]:
        """Registrations that lost a name clash, in the order they were made."""
        return tuple(self._ignored)

    def warnings(self) -> list[str]:
        """One sentence per ignored registration, for ``warning:`` lines."""
        return [
            f"{self.kind} {e.name!r} is registered twice; {self._path(e)} is ignored, "
            f"{self._path(self._entries[e.name])} is used"
            for e in self._ignored
        ]

    def load(self, name: str) -> object:
        """Import what entry ``name`` declares; an :class:`OrchError` says why it cannot be."""
        if name not in self._entries:
            known = ", ".join(self._entries) or "none"
            raise OrchError(f"{self.kind} {name!r} is unknown (known: {known})")
        return load_declared(self._path(self._entries[name]), f"{self.kind} {name!r}")


def check_path(path: str, what: str, field: str) -> None:
    """Raise :class:`OrchError` unless ``path`` has the form ``"module:attr"``."""
    module, sep, attr = path.partition(":")
    if not (sep and module and attr):
        raise OrchError(f"{what}: {field} {path!r} is not of the form 'module:attr'")


def load_declared(path: str, what: str) -> object:
    """Import the ``"module:attr"`` a registry entry declares; ``what`` names the entry in errors.

    Shared by the env type and builder registries.
    """
    import importlib  # when an entry is used, not at every start

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
