"""The package builders orch knows, declared by name; their implementations are imported only to build.

A :class:`BuilderType` names its implementation as a ``"module:attr"`` string, so registering it costs
nothing: ``orch list`` never imports build or uv. Built-in and plugin builders are added through the
``orch_register_builders`` hook (see :mod:`orch.plugin.spec`).
"""

from __future__ import annotations

from typing import NamedTuple

from orch.envs.types import check_path, load_declared
from orch.errors import OrchError


class BuilderType(NamedTuple):
    """One way of turning the project into something an env installs, e.g. ``wheel``.

    ``implementation`` is the ``"module:attr"`` of the builder, imported lazily by
    :meth:`BuilderRegistry.load_implementation`; ``per_python_default`` is the default of a
    packagedef's ``per_python`` for this builder (``"auto"``: decided from the built package).
    """

    name: str
    description: str
    implementation: str
    per_python_default: str = "auto"


class BuilderRegistry:
    """The builders of one run. Passed explicitly; there is no global one.

    The first registration of a name wins; a later one is kept in :attr:`ignored` so orch can warn.
    Built-ins register first (see :mod:`orch.plugin.manager`), so they win a clash.
    """

    def __init__(self) -> None:
        self._builders: dict[str, BuilderType] = {}
        self._ignored: list[BuilderType] = []

    def add(self, builder: BuilderType) -> None:
        """Register a builder; ignored (and recorded) if the name is taken."""
        check_path(builder.implementation, f"builder {builder.name!r}", "implementation")
        if builder.name in self._builders:
            self._ignored.append(builder)
            return
        self._builders[builder.name] = builder

    def get(self, name: str) -> BuilderType:
        """The builder called ``name``; raises :class:`KeyError`."""
        return self._builders[name]

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order (built-ins first)."""
        return tuple(self._builders)

    def __contains__(self, name: object) -> bool:
        return name in self._builders

    @property
    def ignored(self) -> tuple[BuilderType, ...]:
        """Registrations that lost a name clash, in the order they were made."""
        return tuple(self._ignored)

    def warnings(self) -> list[str]:
        """One sentence per ignored registration, for ``warning:`` lines."""
        return [
            f"builder {b.name!r} is registered twice; {b.implementation} is ignored, "
            f"{self._builders[b.name].implementation} is used"
            for b in self._ignored
        ]

    def load_implementation(self, name: str) -> object:
        """Import the implementation of builder ``name``; an :class:`OrchError` says why it cannot be."""
        if name not in self._builders:
            known = ", ".join(self._builders) or "none"
            raise OrchError(f"builder {name!r} is unknown (known: {known})")
        return load_declared(self._builders[name].implementation, f"builder {name!r}")
