"""The contract between the package stage and a builder (sdist, wheel, editable, external...).

A builder is a class named by a :class:`~orch.plugin.builder_types.BuilderType` (``"module:attr"``),
built with no arguments. It turns the project into one installable artifact in ``out_dir``; the
artifact cache (:mod:`orch.builders.cache`) decides whether it needs to run at all, and the
package stage installs the result into the envs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from orch.errors import OrchError

if TYPE_CHECKING:
    from orch.config.model import PackageDef
    from orch.envs.interpreter import Interpreter


_NO_OPTIONS: Mapping[str, object] = MappingProxyType({})


class BuildRequest(NamedTuple):
    """Everything a builder needs for one build."""

    packagedef: PackageDef
    root: Path  # the project folder (where pyproject.toml / setup.py live)
    out_dir: Path  # an empty folder; put the artifact here
    build_python: Interpreter  # the interpreter that runs the build backend
    cache_dir: Path  # orch's cache folder (build envs live below it)
    log: Path  # append the backend's and installers' output here
    note: Callable[[str], None]  # one-line progress ("building wheel with hatchling")
    environ: Mapping[str, str]  # the caller's environment (certificates, proxies for installers)
    exclude: tuple[Path, ...] = ()  # folders inside root that are never sources (orch's work dir)
    source_hash: str = ""  # the source fingerprint the artifact is built from (unique build numbers)
    # The parsed command line (``options["docker_host"]`` for ``--docker-host``): a plugin's own options
    # reach its backend or builder here. Empty when orch is used as a library.
    options: Mapping[str, object] = _NO_OPTIONS


class Artifact(NamedTuple):
    """One built thing an env installs."""

    path: Path  # the file (a .whl, .tar.gz, .conda...) inside out_dir
    kind: str  # "wheel", "sdist", "editable", "conda", "external"
    name: str  # the distribution name, normalised (PEP 503)
    version: str
    pure: bool | None = None  # a py3-none-any style wheel; None when unknown or not a wheel


class BuildError(OrchError):
    """A build failed: the envs needing the package fail with this one-line message."""

    exit_code = 1  # a failed setup or build, not a usage or config error

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


@runtime_checkable
class Builder(Protocol):
    """A package builder."""

    def build(self, request: BuildRequest) -> Artifact:
        """Build the artifact into ``request.out_dir``; raise :class:`BuildError` on failure."""
