"""PEP 517 builds shared by the wheel, sdist and editable builders.

:mod:`orch.builders.declared` reads the project's ``[build-system]``; the hooks of one
build (``get_requires_for_build_wheel``, then ``build_wheel``) run in one process of orch's own
(:mod:`orch.builders.hook_runner`), in the interpreter of a cached isolated build env
(:mod:`orch.builders.isolation`), started through :func:`orch.execute.execute` with its output
appended to the build log: the backend is imported once per build, not once per hook. When the
backend asks for requirements the env does not have, the build hook runs in a second process, in an
env that has them. A backend's warnings go to the log too, not to orch's terminal.
:meth:`Pep517.metadata` still calls its hook through ``pyproject_hooks``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.builders.declared import Declared, backend_name, check_project, declared_backend
from orch.builders.isolation import BuildEnvs
from orch.envs.installer import installer_environ
from orch.execute import Outcome, Request, Status, execute

if TYPE_CHECKING:
    from build import ConfigSettingsType as ConfigSettings
    from build import ProjectBuilder

__all__ = ["ONE_PROCESS", "Declared", "Pep517", "check_project", "declared_backend", "sdist_artifact", "wheel_artifact"]

Distribution = Literal["wheel", "sdist", "editable"]
HOOK_RUNNER = Path(__file__).with_name("hook_runner.py")  # run as a script by a build env's interpreter
ONE_PROCESS = "hooks in one process:"  # begins the build log's line naming the hooks of one hook runner
# Backends that read their project's files and keep no state between hooks, so the wheel of an sdist can
# be built in the process that built the sdist; setuptools runs setup.py, whose imports would be reused.
SHARED_PROCESS_BACKENDS = frozenset({"hatchling.build", "flit_core.buildapi", "pdm.backend", "poetry.core.masonry.api"})
_WHAT = {"wheel": "the wheel", "sdist": "the sdist", "editable": "the editable wheel"}
_PASSED = ("SOURCE_DATE_EPOCH",)  # besides what installers get: reproducible builds


def wheel_artifact(path: Path, kind: str = "wheel") -> Artifact:
    """The artifact of a built wheel, named and versioned from its file name."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        name, version, _, tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename as exc:
        raise BuildError(f"{path.name} cannot be installed: {exc}") from None
    pure = all(t.interpreter.startswith("py") and t.abi == "none" and t.platform == "any" for t in tags)
    return Artifact(path, kind, str(name), str(version), pure)


def sdist_artifact(path: Path) -> Artifact:
    """The artifact of a built sdist, named and versioned from its file name."""
    from packaging.utils import InvalidSdistFilename, parse_sdist_filename

    try:
        name, version = parse_sdist_filename(path.name)
    except InvalidSdistFilename as exc:
        raise BuildError(f"{path.name} cannot be installed: {exc}") from None
    return Artifact(path, "sdist", str(name), str(version))


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
        self.write(f"$ {shlex.join(cmd)}\n")
        outcome = execute(Request(argv=tuple(cmd), cwd=Path(cwd or os.getcwd()), env=env, log=self.log))
        if not outcome.ok:
            raise BackendFailed(outcome)
        self._move_warnings(cmd)

    def write(self, text: str) -> None:
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
            self.write(f"warning: {warning.get('filename')}:{warning.get('lineno')}: {warning.get('message')}\n")
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
        return self._build(distribution, source_dir, out_dir, config_settings, what=what)[0]

    def sdist_and_wheel(
        self, source_dir: Path, unpack_dir: Path, out_dir: Path, config_settings: Mapping[str, str] | None = None
    ) -> tuple[Path, Path | None]:
        """The sdist of ``source_dir``, and the wheel built from it unpacked into ``unpack_dir``, both in
        ``out_dir`` and in one backend process when the backend is one of :data:`SHARED_PROCESS_BACKENDS`
        (else, or when the hook runner did not unpack the sdist, the wheel is None: the caller builds it)."""
        return self._build("sdist", source_dir, out_dir, config_settings, then=unpack_dir)

    def _build(
        self,
        distribution: Distribution,
        source_dir: Path,
        out_dir: Path,
        config_settings: Mapping[str, str] | None,
        *,
        what: str | None = None,
        then: Path | None = None,
    ) -> tuple[Path, Path | None]:
        """The built file, and the wheel built from it when ``then`` (the folder to unpack the sdist into)
        is given and the backend shares its process."""
        what = what or _WHAT[distribution]
        doing = f"building {what}"
        settings = dict(config_settings) if config_settings else None
        request, log, environ, note = self.request, self.request.log, self.request.environ, self.request.note
        declared = declared_backend(source_dir, what)
        python = self.envs.env_for(request.build_python, declared.requires, log=log, environ=environ, note=note)
        out_dir.mkdir(parents=True, exist_ok=True)
        hooks = _hooks(distribution, out_dir, settings)
        chained = None
        if then is not None and declared.backend in SHARED_PROCESS_BACKENDS and not declared.backend_path:
            chained = Chained(then, _hooks("wheel", out_dir, settings), f"building {_WHAT['wheel']} from the sdist")
            note(f"building {what} and {_WHAT['wheel']} from it with {declared.backend}")
        else:
            note(f"building {what} with {declared.backend}")
        answer = self._call_hooks(python, source_dir, declared, hooks, doing, distribution, chained)
        answers = answer["answers"]
        if len(answers) < len(hooks):  # the backend asked for requirements: build in an env that has them
            answers = self._with_extra(answers[0], source_dir, declared, hooks[1:], doing, distribution)
            return out_dir / str(answers[-1]), None
        built, unpacked = out_dir / str(answers[len(hooks) - 1]), answer.get("unpacked")
        if chained is None or not unpacked:
            if chained is not None:
                self._append(f"{built.name} was not unpacked in the backend's process: the wheel gets its own")
            return built, None
        wheel_answers = answers[len(hooks) :]
        if len(wheel_answers) < len(chained.hooks):  # requirements for the wheel: as above, in the sdist's folder
            wheel_answers = self._with_extra(
                wheel_answers[0], Path(unpacked), declared, chained.hooks[1:], chained.doing, "wheel"
            )
        return built, out_dir / str(wheel_answers[-1])

    def _with_extra(
        self,
        extra: Sequence[object],
        source_dir: Path,
        declared: Declared,
        hooks: list[tuple[str, list[Any]]],
        doing: str,
        distribution: Distribution,
    ) -> list[Any]:
        """The answers of ``hooks``, called in a build env that also has the ``extra`` requirements the
        backend asked for."""
        request = self.request
        python = self.envs.with_extra(
            request.build_python,
            declared.requires,
            [str(requirement) for requirement in extra],
            log=request.log,
            environ=request.environ,
            note=request.note,
        )
        return list(self._call_hooks(python, source_dir, declared, hooks, doing, distribution)["answers"])

    def _call_hooks(
        self,
        python: Path,
        source_dir: Path,
        declared: Declared,
        hooks: list[tuple[str, list[Any]]],
        doing: str,
        distribution: Distribution,
        chained: Chained | None = None,
    ) -> dict[str, Any]:
        """The hook runner's answer to ``hooks`` (and ``chained``'s, see :mod:`orch.builders.hook_runner`),
        called in order in one process (fewer when it stopped at requirements the env must be checked
        for first)."""
        runner, log = self._runner(python), self.request.log
        with tempfile.TemporaryDirectory(prefix="orch-hooks-") as control:
            order, result = Path(control) / "request.json", Path(control) / "result.json"
            body: dict[str, Any] = {"backend": declared.backend, "backend_path": declared.backend_path, "hooks": hooks}
            if chained is not None:
                body["then"] = {"unpack": str(chained.unpack_dir), "hooks": chained.hooks}
            order.write_text(json.dumps({**body, "result": str(result)}), encoding="utf-8")
            names = [name for name, _ in [*hooks, *(chained.hooks if chained is not None else [])]]
            runner.write(f"{ONE_PROCESS} {', '.join(names)}\n")
            try:
                runner([str(python), str(HOOK_RUNNER), str(order)], cwd=str(source_dir))
                answer = json.loads(result.read_text(encoding="utf-8"))
            except BackendFailed as exc:
                if chained is not None and _failed_in(result, chained):
                    doing, distribution = chained.doing, "wheel"
                raise BuildError(self._message(declared.backend, exc, doing, distribution), log) from None
            except (OSError, ValueError) as exc:  # no answer although the process succeeded
                raise BuildError(f"{doing} failed: the hook runner gave no answer ({exc}), see {log}", log) from None
        problem = answer.get("problem")
        if problem:
            if chained is not None and problem.get("hook") in {name for name, _ in chained.hooks}:
                doing, distribution = chained.doing, "wheel"
            raise BuildError(self._message(declared.backend, _hook_problem(problem), doing, distribution), log)
        return dict(answer)

    def metadata(self, source_dir: Path, scratch: Path) -> tuple[str, str]:
        """(name, version) of the project, from the backend's metadata (written below ``scratch``)."""
        builder = self._builder(source_dir, "wheel", None, "the metadata")
        with self._errors(builder, "getting the metadata", "wheel"):
            folder = Path(builder.metadata_path(scratch))
        from email.parser import HeaderParser

        headers = HeaderParser().parsestr((folder / "METADATA").read_text(encoding="utf-8"))
        return str(headers["Name"]), str(headers["Version"])

    def _builder(
        self, source_dir: Path, distribution: Distribution, settings: ConfigSettings | None, what: str
    ) -> ProjectBuilder:
        """A ProjectBuilder whose python has the build-system requirements and the backend's extra ones."""
        from build import ProjectBuilder

        request = self.request
        requires = declared_backend(source_dir, what).requires
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
        from build import BuildBackendException, BuildException

        try:
            yield
        except (BuildBackendException, BuildException) as exc:
            cause = exc.exception if isinstance(exc, BuildBackendException) else exc
            raise BuildError(
                self._message(backend_name(builder), cause, doing, distribution), self.request.log
            ) from None

    def _message(self, backend: str, cause: BaseException, doing: str, distribution: str) -> str:
        import pyproject_hooks

        log = self.request.log
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


class Chained(NamedTuple):
    """The wheel hooks the hook runner calls after an sdist's, in that sdist unpacked into ``unpack_dir``."""

    unpack_dir: Path
    hooks: list[tuple[str, list[Any]]]
    doing: str  # "building the wheel from the sdist"


def _hooks(distribution: Distribution, out_dir: Path, settings: dict[str, str] | None) -> list[tuple[str, list[Any]]]:
    """The hooks that build ``distribution`` into ``out_dir``: its requirements first."""
    build_args: list[Any] = [os.path.abspath(out_dir), settings]
    if distribution != "sdist":
        build_args.append(None)  # metadata_directory: none prepared
    return [(f"get_requires_for_build_{distribution}", [settings]), (f"build_{distribution}", build_args)]


def _failed_in(result: Path, chained: Chained) -> bool:
    """Whether the hook that raised (the runner's partial answer names it) is one of ``chained``'s."""
    try:
        failed = json.loads(result.read_text(encoding="utf-8")).get("failed")
    except (OSError, ValueError, AttributeError):
        return False
    return failed in {name for name, _ in chained.hooks}


def _hook_problem(problem: Mapping[str, str]) -> Exception:
    """The ``pyproject_hooks`` exception for a problem the hook runner reported."""
    import pyproject_hooks

    kind, hook = problem.get("kind"), problem.get("hook", "")
    if kind == "missing":
        return pyproject_hooks.HookMissing(hook)
    if kind == "unsupported":
        return pyproject_hooks.UnsupportedOperation(problem.get("traceback", ""))
    message = problem.get("message", "")
    return pyproject_hooks.BackendUnavailable(message, problem.get("traceback") or message)  # to the log
