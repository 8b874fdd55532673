"""The package builders orch knows, declared by name; their implementations are imported only to build.

A :class:`BuilderType` names its implementation as a ``"module:attr"`` string, so registering it costs
nothing: ``orch list`` never imports build or uv. Built-in and plugin builders are added through the
``orch_register_builders`` hook (see :mod:`orch.plugin.spec`).
"""

from __future__ import annotations

from typing import NamedTuple

from orch.plugin.declared import DeclaredRegistry


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


class BuilderRegistry(DeclaredRegistry[BuilderType]):
    """The builders of one run. Passed explicitly; there is no global one."""

    kind = "builder"
    path_field = "implementation"

    def load_implementation(self, name: str) -> object:
        """Import the implementation of builder ``name``; an :class:`OrchError` says why it cannot be."""
        return self.load(name)
