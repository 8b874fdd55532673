"""The ``skip`` builder: envs with ``package = skip`` install nothing, so it is never asked to build."""

from __future__ import annotations

from orch.builders.api import Artifact, BuildError, BuildRequest


class SkipBuilder:
    """Exists so the ``skip`` declaration resolves; building with it is an error."""

    def build(self, request: BuildRequest) -> Artifact:
        raise BuildError("skip builds nothing")
