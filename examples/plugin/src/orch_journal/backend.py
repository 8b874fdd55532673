"""The ``scratch`` env type's backend: a :class:`orch.plugin.api.Backend`."""

from __future__ import annotations

from orch.plugin.api import EnvSetupError, PreparedEnv, SetupRequest


class ScratchBackend:
    """Makes an empty folder for the env and points ``SCRATCH`` at it; installs nothing."""

    def cannot_create(self, request: SetupRequest) -> str | None:
        return None

    def setup(self, request: SetupRequest) -> PreparedEnv:
        config = request.config
        if config.deps:
            raise EnvSetupError(f"{config.name}: scratch envs install nothing; remove deps")
        folder = config.env_dir / "scratch"
        created = not folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        # a value of the plugin's own command-line option reaches its backend through request.options
        journal = request.options.get("journal") or ""
        environ = {"SCRATCH": str(folder), "JOURNAL_FILE": str(journal)}
        return PreparedEnv((), None, environ, ("created scratch",) if created else ("reused",), 0)
