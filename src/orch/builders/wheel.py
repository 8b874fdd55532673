"""The ``wheel`` builder: a PEP 517 wheel built directly from the source tree."""

from __future__ import annotations

from orch.builders.api import Artifact, BuildRequest


class WheelBuilder:
    """Builds a wheel of ``request.root`` into ``request.out_dir``."""

    def build(self, request: BuildRequest) -> Artifact:
        # the PEP 517 machinery loads when a build runs, not on a cache hit
        from orch.builders.pep517 import Pep517, wheel_artifact

        settings = request.packagedef.config_settings
        path = Pep517(request).build("wheel", request.root, request.out_dir, settings)
        return wheel_artifact(path)
