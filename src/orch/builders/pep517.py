"""PEP 517 builds shared by the wheel, sdist and editable builders.

``build``'s :class:`~build.ProjectBuilder` calls the backend's hooks; each hook runs in the
interpreter of a cached isolated build env (:mod:`orch.builders.isolation`) through
:func:`orch.execute.execute`, its output appended to the build log. A backend's warnings go to the
log too, not to orch's terminal.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from email.parser import HeaderParser
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyproject_hooks
from build import BuildBackendException, BuildException, ProjectBuilder
from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.builders.isolation import BuildEnvs
from orch.envs.installer import installer_environ
from orch.execute import Outcome, Request, Status, execute

if TYPE_CHECKING:
    from build import ConfigSettingsType as ConfigSettings

Distribution = Literal["wheel", "sdist", "editable"]
_WHAT = {"wheel": "the wheel", "sdist": "the sdist", "editable": "the editable wheel"}
_PASSED = ("SOURCE_DATE_EPOCH",)  # besides what installers get: reproducible builds


def check_project(root: Path) -> None:
    """Raise :class:`BuildError` unless ``root`` holds a ``pyproject.toml`` or ``setup.py``."""
    if not (root / "pyproject.toml").is_file() and not (root / "setup.py").is_file():
        raise BuildError(f"no pyproject.toml or setup.py in {root}: nothing to build")


def wheel_artifact(path: Path, kind: str = "wheel") -> Artifact:
    """The artifact of a built wheel, named and versioned from its file name."""
    try:
        name, version, _, tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename as exc:
        raise BuildError(f"{path.name} cannot be installed: {exc}") from None
    pure = all(t.interpreter.startswith("py") and t.abi == "none" and t.platform == "any" for t in tags)
    return Artifact(path, kind, str(name), str(version), pure)


def sdist_artifact(path: Path) -> Artifact:
    """The artifact of a built sdist, named and versioned from its file name."""
    try:
        name, version = parse_sdist_filename(path.name)
    except InvalidSdistFilename as exc:
        raise BuildError(f"{path.name} cannot be installed: {exc}") from None
    return Artifact(path, "sdist", str(name), str(version))


def backend_name(builder: ProjectBuilder) -> str:
    """The ``build-backend`` of the project (``build`` keeps it private; a generic name if that changes)."""
    name = getattr(builder, "_backend", None)
    return name if isinstance(name, str) else "the build backend"


class BackendFailed(subprocess.CalledProcessError):
    """A hook process that did not succeed; ``pyproject_hooks`` and ``build`` expect this error type."""

    def __init__(self, outcome: Outcome) -> None:
        code = outcome.exit_code if outcome.exit_code is not None else 127
        super().__init__(code, list(outcome.request.argv), output=outcome.tail)
        self.outcome = outcome

    @property
    def problem(self) -> str:
        """``exit 1``, ``timeout``, ``not found``."""
        if self.outcome.status is Status.EXITED:
            return f"exit {self.outcome.exit_code}"
        return str(self.outcome.status.value)


class Runner:
    """A ``pyproject_hooks`` subprocess runner on :func:`orch.execute.execute`, output to ``log``."""

    def __init__(self, environ: Mapping[str, str], log: Path) -> None:
        self.environ = environ
        self.log = log

    def __call__(
        self, cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        env = {**self.environ, **(extra_environ or {})}
        self._write(f"$ {shlex.join(cmd)}\n")
        outcome = execute(Request(argv=tuple(cmd), cwd=Path(cwd or os.getcwd()), env=env, log=self.log))
        if not outcome.ok:
            raise BackendFailed(outcome)
        self._move_warnings(cmd)

    def _write(self, text: str) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as stream:
            stream.write(text)

    def _move_warnings(self, cmd: Sequence[str]) -> None:
        """Log the backend's warnings and drop them from the hook's answer, so that ``pyproject_hooks``
        does not raise them in orch (where they would reach the terminal, or fail a strict test)."""
        if len(cmd) != 4:  # [python, _in_process.py, hook, control dir]
            return
        output = Path(cmd[3]) / "output.json"
        try:
            data = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or not data.get("warnings"):
            return
        for warning in data.pop("warnings"):
            self._write(f"warning: {warning.get('filename')}:{warning.get('lineno')}: {warning.get('message')}\n")
        output.write_text(json.dumps(data), encoding="utf-8")


class Pep517:
    """Builds with the backend a source tree declares, in an isolated env of ``request.build_python``."""

    def __init__(self, request: BuildRequest) -> None:
        self.request = request
        self.envs = BuildEnvs(request.cache_dir)

    def build(
        self,
        distribution: Distribution,
        source_dir: Path,
        out_dir: Path,
        config_settings: Mapping[str, str] | None = None,
        *,
        what: str | None = None,
    ) -> Path:
        """Build ``distribution`` of ``source_dir`` into ``out_dir``; the built file.

        ``what`` names the build in error messages (default: "the wheel", "the sdist"...).
        """
        what = what or _WHAT[distribution]
        settings: ConfigSettings | None = dict(config_settings) if config_settings else None
        builder = self._builder(source_dir, distribution, settings, what)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.request.note(f"building {what} with {backend_name(builder)}")
        with self._errors(builder, f"building {what}", distribution):
            return Path(builder.build(distribution, out_dir, settings))

    def metadata(self, source_dir: Path, scratch: Path) -> tuple[str, str]:
        """(name, version) of the project, from the backend's metadata (written below ``scratch``)."""
        builder = self._builder(source_dir, "wheel", None, "the metadata")
        with self._errors(builder, "getting the metadata", "wheel"):
            folder = Path(builder.metadata_path(scratch))
        headers = HeaderParser().parsestr((folder / "METADATA").read_text(encoding="utf-8"))
        return str(headers["Name"]), str(headers["Version"])

    def _builder(
        self, source_dir: Path, distribution: Distribution, settings: ConfigSettings | None, what: str
    ) -> ProjectBuilder:
        """A ProjectBuilder whose python has the build-system requirements and the backend's extra ones."""
        check_project(source_dir)
        request = self.request
        try:
            probe = ProjectBuilder(source_dir, runner=self._runner(None))
        except BuildException as exc:
            raise BuildError(f"cannot build {what} of {source_dir}: {exc}") from None
        requires = sorted(probe.build_system_requires)
        log, environ, note = request.log, request.environ, request.note
        python = self.envs.env_for(request.build_python, requires, log=log, environ=environ, note=note)
        builder = ProjectBuilder(source_dir, python_executable=str(python), runner=self._runner(python))
        with self._errors(builder, f"building {what}", distribution):  # setup.py runs here already
            extra = sorted(builder.get_requires_for_build(distribution, settings))
        if extra:
            derived = self.envs.with_extra(request.build_python, requires, extra, log=log, environ=environ, note=note)
            if derived != python:
                builder = ProjectBuilder(source_dir, python_executable=str(derived), runner=self._runner(derived))
        return builder

    def _runner(self, python: Path | None) -> Runner:
        bin_dir = python.parent if python is not None else None
        environ = installer_environ(self.request.environ, set_env={}, bin_dir=bin_dir, virtual_env=None)
        environ.update({k: self.request.environ[k] for k in _PASSED if k in self.request.environ})
        return Runner(environ, self.request.log)

    @contextmanager
    def _errors(self, builder: ProjectBuilder, doing: str, distribution: Distribution) -> Iterator[None]:
        """Turn ``build``'s and ``pyproject_hooks``' exceptions into one-line :class:`BuildError` messages."""
        try:
            yield
        except (BuildBackendException, BuildException) as exc:
            raise BuildError(self._message(builder, exc, doing, distribution), self.request.log) from None

    def _message(
        self, builder: ProjectBuilder, exc: BuildBackendException | BuildException, doing: str, distribution: str
    ) -> str:
        log = self.request.log
        backend = backend_name(builder)
        cause = exc.exception if isinstance(exc, BuildBackendException) else exc
        if isinstance(cause, pyproject_hooks.HookMissing) and distribution == "editable":
            return f"{backend} cannot build editable installs (PEP 660): use package = wheel or a newer backend"
        if isinstance(cause, pyproject_hooks.HookMissing):
            return f"{backend} has no {cause.hook_name} hook: {doing} failed"
        if isinstance(cause, BackendFailed):
            return f"{doing} failed ({cause.problem}), see {log}"
        if isinstance(cause, pyproject_hooks.BackendUnavailable):
            self._append(cause.traceback)
            return f"build backend {backend!r} is not available, see {log}"
        if isinstance(cause, pyproject_hooks.UnsupportedOperation):
            self._append(cause.traceback)
            return f"{backend} does not support {doing}, see {log}"
        return f"{doing} failed: {cause}"

    def _append(self, text: str) -> None:
        if text:
            with self.request.log.open("a", encoding="utf-8") as stream:
                stream.write(text if text.endswith("\n") else text + "\n")
