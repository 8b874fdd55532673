"""Calls several PEP 517 hooks of one backend in one process: ``python hook_runner.py REQUEST.json``.

:mod:`orch.builders.pep517` starts this file (as a script, not as part of orch) through
:mod:`orch.execute`, in the interpreter of an isolated build env and with the project as the working
directory, so the backend is imported once for e.g. ``get_requires_for_build_sdist`` and
``build_sdist`` instead of once per hook. It must run on any Python a build env may have (3.7 and
newer): the standard library only, no orch import.

The request is a JSON object: ``backend`` (``"module:object"``), ``backend_path`` (absolute folders
of an in-tree backend, searched first; the backend must come from one of them), ``hooks`` (a list of
``[name, [positional arguments]]``, called in order) and ``result`` (where the answer goes). The
answer is ``{"answers": [...], "problem": null}``, one answer per hook called. The run stops early:

* after a ``get_requires_for_build_*`` hook that asks for requirements: the caller checks that the
  build env has them before it asks for the next hook (in another process, maybe in another env);
* when the backend cannot be imported, lacks a required hook, or raises its ``UnsupportedOperation``:
  ``problem`` is ``{"kind": "unavailable" | "missing" | "unsupported", "hook", "message", "traceback"}``;
* when a hook raises anything else: its traceback goes to stderr and the exit code is 1.

The backend's output goes to stdout and stderr (orch appends both to the build log); the warnings it
raises (``UserWarning``, as ``pyproject_hooks`` reports them) are printed to stderr as
``warning: file:line: message``, never raised in orch.

An sdist and the wheel built from it can share one process (the backend imported once): ``then``
(``{"unpack": folder, "hooks": [...]}``) asks, once the hooks ended with ``build_sdist`` answered,
to unpack that sdist into ``folder`` and call ``then``'s hooks in the project folder inside it. The
answer then has ``unpacked`` (that project folder) and the answers of both lists; ``unpacked`` is
null, and ``then``'s hooks are not called, when the sdist cannot be unpacked safely, holds other than
one folder, or declares another build system (its ``pyproject.toml`` differs): the caller builds the
wheel itself. Before ``then``'s hooks the modules loaded from the first project folder are
forgotten and ``sys.path`` and ``os.environ`` are put back as they were before the first hooks, so
that the wheel is built from the sdist's files only. When a hook raises, ``result``
still gets the answers so far (and ``failed``, that hook), so the caller can tell which build failed.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it imports ``types``, see _forget_own_folder
if TYPE_CHECKING:
    from typing import Any

OPTIONAL: dict[str, list[str]] = {  # hooks a backend may leave out, and what they answer then
    "get_requires_for_build_sdist": [],
    "get_requires_for_build_wheel": [],
    "get_requires_for_build_editable": [],
}
REQUIRES_PREFIX = "get_requires_for_build_"


class Problem(Exception):
    """A hook that cannot be called, reported in the answer rather than as a crash."""

    def __init__(self, kind: str, hook: str, message: str, trace: str = "") -> None:
        super().__init__(message)
        self.kind, self.hook, self.message, self.trace = kind, hook, message, trace

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "hook": self.hook, "message": self.message, "traceback": self.trace}


def load_backend(spec: str, backend_path: list[str], hook: str) -> object:
    """The backend object named by ``spec``; from ``backend_path`` when that is given (PEP 517)."""
    import importlib
    import traceback

    module_name, _, attributes = spec.partition(":")
    if backend_path:
        sys.path[:0] = backend_path
    try:
        backend: object = importlib.import_module(module_name)
    except Exception:
        raise Problem("unavailable", hook, f"cannot import {module_name!r}", traceback.format_exc()) from None
    if backend_path:
        origin = os.path.realpath(str(getattr(backend, "__file__", "") or ""))
        roots = [os.path.realpath(folder) for folder in backend_path]
        if not any(origin.startswith(root + os.sep) for root in roots):
            message = f"{module_name!r} was not found in backend-path {backend_path!r} (found: {origin})"
            raise Problem("unavailable", hook, message)
    for name in filter(None, attributes.split(".")):
        backend = getattr(backend, name)
    return backend


def call(backend: object, name: str, args: list[object]) -> object:
    """Call hook ``name``; raise :class:`Problem` for a missing hook or an unsupported operation."""
    import traceback

    hook = getattr(backend, name, None)
    if hook is None:
        if name in OPTIONAL:
            return OPTIONAL[name]
        raise Problem("missing", name, f"the backend has no {name} hook")
    unsupported = getattr(backend, "UnsupportedOperation", None)
    try:
        answer: object = hook(*args)
    except Exception as exc:
        if isinstance(unsupported, type) and isinstance(exc, unsupported):
            raise Problem("unsupported", name, str(exc), traceback.format_exc()) from None
        raise
    if name.startswith(REQUIRES_PREFIX) and isinstance(answer, (list, tuple, set, frozenset)):
        return list(answer)  # JSON has lists only
    return answer


def report_warnings(caught: list[object]) -> None:
    for warning in caught:
        category = getattr(warning, "category", None)
        if isinstance(category, type) and issubclass(category, UserWarning):
            where = f"{getattr(warning, 'filename', '?')}:{getattr(warning, 'lineno', '?')}"
            sys.stderr.write(f"warning: {where}: {getattr(warning, 'message', '')}\n")


def run(request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """Call the request's hooks in order, then ``then``'s; fill ``answer`` (see the module's docstring)."""
    answers: list[object] = answer.setdefault("answers", [])
    answer.setdefault("problem", None)
    loaded: list[object] = []  # the backend, once imported
    path, environ = list(sys.path), dict(os.environ)  # as the wheel's hooks must find them: see restore()
    if not call_hooks(request, request["hooks"], answer, loaded):
        return answer
    then = request.get("then")
    if not then:
        return answer
    answer["unpacked"] = None
    last = request["hooks"][-1]
    if last[0] != "build_sdist" or not isinstance(answers[-1], str):
        return answer
    source = os.getcwd()
    project = unpacked_like(os.path.join(str(last[1][0]), answers[-1]), then["unpack"], source)
    if project is None:
        return answer  # the caller unpacks it and reports what is wrong
    forget_modules_from(source)
    restore(path, environ)
    os.chdir(project)
    answer["unpacked"] = project
    call_hooks(request, then["hooks"], answer, loaded)
    return answer


def call_hooks(request: dict[str, Any], hooks: list[Any], answer: dict[str, Any], loaded: list[object]) -> bool:
    """Call ``hooks`` in order, appending to ``answer["answers"]``; whether the caller may go on (no
    problem, no requirements to check)."""
    import warnings

    answers: list[object] = answer["answers"]
    for name, args in hooks:
        answer["failed"] = name  # what main reports when the hook raises
        with warnings.catch_warnings(record=True) as caught:
            try:
                if not loaded:
                    loaded.append(load_backend(request["backend"], request.get("backend_path") or [], name))
                result = call(loaded[0], name, args)
            except Problem as problem:
                answer["problem"] = problem.as_dict()
                return False
            finally:
                report_warnings(list(caught))
        del answer["failed"]
        answers.append(result)
        if name.startswith(REQUIRES_PREFIX) and result:
            return False  # the caller checks the build env meets these before the next hook
    return True


def untar(sdist: str, into: str) -> None:
    """Unpack the .tar.gz ``sdist`` into ``into``, refusing members that would land outside it."""
    import tarfile

    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # 3.12, and security releases of 3.8-3.11
            archive.extractall(into, filter="data")
            return
        for member in archive.getmembers():  # pragma: no cover - older patch releases
            if member.name.startswith(("/", "..")) or "/../" in member.name or member.issym() or member.islnk():
                raise ValueError(f"{os.path.basename(sdist)}: unsafe member {member.name!r}")
        archive.extractall(into)  # members checked above


def unpacked_like(sdist: str, into: str, source: str) -> str | None:
    """The project folder of ``sdist`` unpacked into ``into``, when it is the only folder there and its
    ``pyproject.toml`` is the one of ``source``; else None."""
    try:
        if sdist.endswith(".zip"):
            return None
        untar(sdist, into)
        folders = [entry.path for entry in os.scandir(into) if entry.is_dir()]
        if len(folders) != 1 or read_bytes(os.path.join(folders[0], "pyproject.toml")) != read_bytes(
            os.path.join(source, "pyproject.toml")
        ):
            return None
    except Exception:  # the caller unpacks it again and says what is wrong
        return None
    return folders[0]


def read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        return None


def restore(path: list[str], environ: dict[str, str]) -> None:
    """``sys.path`` and ``os.environ`` as they were before the sdist's hooks: a build hook that put the
    source tree on ``sys.path`` (or set a variable) must not let the wheel's build find what the sdist
    left out, as a fresh process building from the sdist would not."""
    sys.path[:] = path
    for name in set(os.environ) - set(environ):
        del os.environ[name]
    os.environ.update(environ)


def forget_modules_from(folder: str) -> None:
    """Drop the modules loaded from ``folder`` (a ``setup.py``'s or a version file's imports)."""
    inside = os.path.join(os.path.realpath(folder), "")
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and os.path.realpath(path).startswith(inside):
            del sys.modules[name]


def main(argv: list[str]) -> int:
    import json

    with open(argv[0], encoding="utf-8") as stream:
        request = json.load(stream)
    answer: dict[str, Any] = {}
    try:
        run(request, answer)
    finally:  # a hook that raised ends the process after this, its traceback on stderr
        with open(request["result"], "w", encoding="utf-8") as stream:
            json.dump(answer, stream)
    return 0


def _forget_own_folder() -> None:
    """Take this file's folder (orch's ``builders`` package) off ``sys.path``: its modules must not shadow
    the backend's imports (``types``, ``wheel``...)."""
    here = os.path.normcase(os.path.realpath(os.path.dirname(os.path.abspath(__file__))))
    sys.path[:] = [p for p in sys.path if os.path.normcase(os.path.realpath(p or os.curdir)) != here]


if __name__ == "__main__":
    _forget_own_folder()  # before any import beyond os and sys
    sys.exit(main(sys.argv[1:]))
