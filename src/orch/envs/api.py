"""The contract between the session and an env backend (virtualenv, conda, current, system...).

A backend is a class named by an :class:`~orch.plugin.env_types.EnvType` (``"module:attr"``), built with no
arguments. The session asks it first whether it can serve an env at all (a *reason* when not, so
"skipped: ..." is a sentence), then to set the env up: create or reuse it and install its deps.
Running the commands is not the backend's business: it returns what the commands need (PATH
entries, variables), and the session runs them through :mod:`orch.execute`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from orch.errors import OrchError

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.envs.interpreter import Interpreter
    from orch.envs.resolutions import OnlineResolutions


_NO_OPTIONS: Mapping[str, object] = MappingProxyType({})


class SetupRequest(NamedTuple):
    """Everything a backend needs to set one env up."""

    config: EnvConfig
    interpreter: Interpreter | None  # found by discovery from base_python; None for envs without Python
    recreate: bool  # -r/--recreate or recreate = true: build anew even when the fingerprint matches
    root: Path  # the project folder (tox_root)
    log: Path  # append installer output here
    note: Callable[[str], None]  # one-line progress for the user ("recreate: deps changed (-mock)")
    # The Python an env type that installs its own (provides_python) must install: (3, 12) from py312;
    # without a version in base_python, that of the interpreter discovery found. The session fills it.
    python_version: tuple[int, int] | None = None
    # The core work_dir: an env folder orch picked itself must lie inside it (see orch.envs.ownership).
    work_dir: Path | None = None
    # The parsed command line (``options["docker_host"]`` for ``--docker-host``): a plugin's own options
    # reach its backend or builder here. Empty when orch is used as a library.
    options: Mapping[str, object] = _NO_OPTIONS
    # The run's online resolutions (orch.envs.resolutions): a later env installs offline what an earlier
    # one resolved online. None (orch used as a library): every install resolves online.
    resolutions: OnlineResolutions | None = None


class PreparedEnv(NamedTuple):
    """What running commands in the env needs, and what setting it up did."""

    bin_dirs: tuple[Path, ...]  # first on PATH, in this order
    python: Path | None  # the env's interpreter ({envpython}); None without Python
    environ: Mapping[str, str]  # variables the backend sets (VIRTUAL_ENV, CONDA_PREFIX...)
    actions: tuple[str, ...]  # e.g. ("created", "installed deps: pytest") or ("reused",); recorded per run
    installer_runs: int = 0  # how many installer processes setup started (0 when reused as is)


@runtime_checkable
class Backend(Protocol):
    """An env backend."""

    def cannot_create(self, request: SetupRequest) -> str | None:
        """Why this backend cannot serve the env (``None`` when it can)."""

    def setup(self, request: SetupRequest) -> PreparedEnv:
        """Create or reuse the env and install its deps; raise :class:`orch.errors.OrchError` subclasses
        (:class:`EnvSetupError`) with a one-line message on failure."""


class EnvSetupError(OrchError):
    """Setting an env up failed (an installer exited non-zero...): the env fails, the run goes on."""

    exit_code = 1  # a failed setup or build, not a usage or config error

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log
