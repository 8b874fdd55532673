"""The env types orch knows, declared by name; their backends are imported only when an env is created.

An :class:`EnvType` names its backend as a ``"module:attr"`` string, so registering it costs nothing:
``orch list`` reads the registry without importing virtualenv, uv or py-rattler. Built-in and plugin
env types are added through the ``orch_register_env_types`` hook (see :mod:`orch.plugin.spec`).
"""

from __future__ import annotations

from typing import NamedTuple

from orch.plugin.declared import DeclaredRegistry


class EnvType(NamedTuple):
    """One kind of environment, e.g. ``virtualenv``.

    ``factors`` are the env-name factors that select it (``py312-conda`` is a conda env);
    ``backend`` is the ``"module:attr"`` of its implementation, imported lazily by
    :meth:`EnvTypeRegistry.load_backend`; ``needs_python`` is false for envs that run commands
    without a Python interpreter of their own (``system``, or an R or container executor).
    ``provides_python`` is true for envs that install their own Python (``conda``): orch then needs
    no interpreter on the machine, only the version ``base_python`` names (``py312``: 3.12), handed to
    the backend as :attr:`SetupRequest.python_version <orch.envs.api.SetupRequest>`; the interpreter
    shown and used afterwards (packages, bytecode) is the env's own.
    """

    name: str
    factors: tuple[str, ...]
    description: str
    backend: str
    needs_python: bool = True
    provides_python: bool = False


class EnvTypeRegistry(DeclaredRegistry[EnvType]):
    """The env types of one run. Passed explicitly; there is no global one."""

    kind = "env type"
    path_field = "backend"

    def type_factors(self) -> dict[str, str]:
        """Env-name factor -> env type name. A factor claimed twice belongs to the first claimant."""
        result: dict[str, str] = {}
        for env_type in self._entries.values():
            for factor in env_type.factors:
                result.setdefault(factor, env_type.name)
        return result

    def warnings(self) -> list[str]:
        """One sentence per ignored registration or contested factor, for ``warning:`` lines."""
        owners = self.type_factors()
        return [
            *super().warnings(),
            *(
                f"env-name factor {factor!r} of env type {t.name!r} is ignored: it selects env type {owners[factor]!r}"
                for t in self._entries.values()
                for factor in t.factors
                if owners[factor] != t.name
            ),
        ]

    def load_backend(self, name: str) -> object:
        """Import the backend of env type ``name``; an :class:`OrchError` says why it cannot be."""
        return self.load(name)
