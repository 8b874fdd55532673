"""The ``system`` env type: no Python environment; commands run with the tools on ``PATH``.

Nothing is created and nothing is installed, so an env of this type must not set ``deps``.
"""

from __future__ import annotations

from orch.envs.api import EnvSetupError, PreparedEnv, SetupRequest


class SystemBackend:
    """Sets nothing up; refuses deps."""

    def cannot_create(self, request: SetupRequest) -> str | None:
        return None

    def setup(self, request: SetupRequest) -> PreparedEnv:
        config = request.config
        if config.deps:
            raise EnvSetupError(f"{config.name}: system envs install nothing; remove deps or use env_type = virtualenv")
        return PreparedEnv(bin_dirs=(), python=None, environ={}, actions=(), installer_runs=0)
