"""Isolated build envs: one virtual environment per (interpreter, build requirements), cached and reused.

An env lives in ``<cache_dir>/build-envs/<key16>/``, where the key is the sha256 of the interpreter
(path and version) and the sorted, normalised requirements. It is made with ``uv venv`` (no pip:
the build backend runs in it, nothing installs with it) and ``uv pip install``; the marker file
``.orch-finished`` is written last, under the lock ``<key16>.lock``, so an env whose setup was cut
short is made again. An env with its marker is checked before it is used, without starting a process
(:func:`damage`): its ``pyvenv.cfg``, its interpreter (present, executable, its link resolving) and the
files of each build requirement's distribution (top-level entries of its ``RECORD``, read once and
kept in the marker, so a check imports neither ``importlib.metadata`` nor ``packaging``). A damaged env
(files deleted behind orch's back, a base interpreter uninstalled) is made again, with a note, instead
of failing every later build.

Requirements the backend asks for later (``get_requires_for_build_*``) are checked against the
distributions already in the env, read from its site-packages without running it. A requirement
counts as met when it names no extras, URL or marker and an installed distribution of that name
has a matching version. When one is not met, the build uses a *derived* env keyed on the base
requirements plus all the extra ones, made like any other (and reused like any other). The base env
is never changed, so a key always means the same set of packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orch.builders.api import BuildError
from orch.config.typed import canonical_name
from orch.envs.api import EnvSetupError
from orch.envs.installer import Installer, installer_environ, uv_bin
from orch.envs.site import site_packages
from orch.files import write_atomic

if TYPE_CHECKING:
    import importlib.metadata

    from orch.envs.interpreter import Interpreter

FINISHED = ".orch-finished"
_LABEL = "build env"  # what the installer's error messages call it
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")  # a bare project name (PEP 508)


def normalise(requirements: Iterable[str]) -> list[str]:
    """Sorted, de-duplicated requirements in packaging's spelling, names normalised (PEP 503)."""
    texts = list(requirements)
    if all(_NAME.fullmatch(text) for text in texts):  # bare names ("hatchling"): no packaging import
        return sorted({canonical_name(text) for text in texts})
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    result: set[str] = set()
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            raise BuildError(f"invalid build requirement {text!r}: {exc}") from None
        requirement.name = canonicalize_name(requirement.name)
        result.add(str(requirement))
    return sorted(result)


def env_key(python: Interpreter, requirements: Iterable[str]) -> str:
    """The sha256 (hex) naming the env of ``python`` with ``requirements``."""
    data = {"python": python.path, "version": list(python.version), "requirements": normalise(requirements)}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def env_python(env_dir: Path) -> Path:
    """The interpreter of the virtual environment in ``env_dir``."""
    if sys.platform == "win32":
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


def unmet(requirements: Iterable[str], env_dir: Path) -> list[str]:
    """The requirements the env in ``env_dir`` does not meet, judged from its installed metadata."""
    import importlib.metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    site_dirs = [str(d) for d in site_packages(env_dir)]
    installed: dict[str, str] = {}
    for dist in importlib.metadata.distributions(path=site_dirs):
        name = dist.metadata["Name"]
        if name:
            installed.setdefault(canonicalize_name(name), dist.version)
    missing = []
    for text in normalise(requirements):
        requirement = Requirement(text)
        version = installed.get(canonicalize_name(requirement.name))
        met = (
            version is not None
            and not (requirement.extras or requirement.url or requirement.marker)
            and requirement.specifier.contains(version, prereleases=True)
        )
        if not met:
            missing.append(text)
    return missing


class BuildEnvs:
    """The build envs under ``<cache_dir>/build-envs``; safe to use from several threads and processes."""

    def __init__(self, cache_dir: Path) -> None:
        self.root = cache_dir / "build-envs"

    def env_for(
        self,
        python: Interpreter,
        requirements: Sequence[str],
        *,
        log: Path,
        environ: Mapping[str, str],
        note: Callable[[str], None] | None = None,
    ) -> Path:
        """The python of the env of ``python`` with ``requirements`` installed, made if needed.

        Raises :class:`BuildError` (pointing at ``log``) when the env cannot be made.
        """
        requirements = normalise(requirements)
        env_dir = self.root / env_key(python, requirements)[:16]
        if _kept_files(env_dir, requirements) is not None and damage(env_dir, python, requirements) is None:
            return env_python(env_dir)  # the marker is there, with the files to check: no lock, no metadata read
        from orch.builders.cache_files import file_lock

        self.root.mkdir(parents=True, exist_ok=True)
        with file_lock(Path(f"{env_dir}.lock")):
            # another thread or process may have made it meanwhile, or found it damaged and made it again
            problem = damage(env_dir, python, requirements) if _finished(env_dir) else "new"
            if problem is not None:
                if note is not None:
                    wanted = ", ".join(requirements) or "no requirements"
                    if problem == "new":
                        note(f"creating build env with {wanted}")
                    else:
                        note(f"build env {env_dir} is damaged ({problem}): creating it again with {wanted}")
                _create(env_dir, python, requirements, log=log, environ=environ)
            elif _kept_files(env_dir, requirements) is None:  # made by an older orch: checked from its metadata
                _keep_files(env_dir, python, requirements)
        return env_python(env_dir)

    def with_extra(
        self,
        python: Interpreter,
        requirements: Sequence[str],
        extra: Iterable[str],
        *,
        log: Path,
        environ: Mapping[str, str],
        note: Callable[[str], None] | None = None,
    ) -> Path:
        """The python of an env meeting ``requirements`` and ``extra``: the base env when it already
        meets ``extra``, else the derived env keyed on both."""
        base = self.env_for(python, requirements, log=log, environ=environ, note=note)
        extra = normalise(extra)
        if not unmet(extra, base.parent.parent):
            return base
        return self.env_for(python, [*requirements, *extra], log=log, environ=environ, note=note)


def _finished(env_dir: Path) -> bool:
    return (env_dir / FINISHED).is_file()


def damage(env_dir: Path, python: Interpreter, requirements: Sequence[str]) -> str | None:
    """What is wrong with the finished env in ``env_dir``, or ``None`` when it looks whole.

    Cheap: a few ``stat`` calls, no process. The top-level files of the required distributions are
    read from their metadata once, and kept in the env's marker; an env whose marker does not have
    them yet (made by an older orch) is checked from the metadata, and gets them.
    """
    if not (env_dir / "pyvenv.cfg").is_file():
        return "pyvenv.cfg is missing"
    interpreter = env_python(env_dir)
    if not interpreter.exists():  # follows the link: a dangling one counts as missing
        return f"{interpreter} is missing" + (" (a broken link)" if interpreter.is_symlink() else "")
    if not os.access(interpreter, os.X_OK):
        return f"{interpreter} is not executable"
    kept = _kept_files(env_dir, requirements)
    if kept is not None:
        return next((f"{name} lost {top}" for name, top, rel in kept if not os.path.lexists(env_dir / rel)), None)
    return _installed_files(env_dir, python, requirements)[0]


def _marker(env_dir: Path) -> dict[str, object]:
    try:
        marker = json.loads((env_dir / FINISHED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def _kept_files(env_dir: Path, requirements: Sequence[str]) -> list[list[str]] | None:
    """The ``[name, top, path]`` of the required distributions' top-level files, as the marker keeps them."""
    marker = _marker(env_dir)
    kept = marker.get("files") if marker.get("requirements") == list(requirements) else None
    if isinstance(kept, list) and all(isinstance(item, list) and len(item) == 3 for item in kept):
        return kept
    return None


def _keep_files(env_dir: Path, python: Interpreter, requirements: Sequence[str]) -> None:
    """Add the required distributions' top-level files to the marker of a whole env made by an older orch."""
    marker = _marker(env_dir)
    problem, files = _installed_files(env_dir, python, requirements)
    if marker and problem is None:
        write_atomic(env_dir / FINISHED, json.dumps({**marker, "files": files}, indent=2))


def _installed_files(
    env_dir: Path, python: Interpreter, requirements: Sequence[str]
) -> tuple[str | None, list[list[str]]]:
    """What is wrong with the required distributions of the env (from their metadata), and each one's
    top-level files as ``[name, top, path relative to env_dir]``. A requirement whose marker does not
    hold for ``python`` needs no distribution."""
    import importlib.metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    site_dirs = [str(d) for d in site_packages(env_dir)]
    installed: dict[str, importlib.metadata.Distribution] = {}
    for dist in importlib.metadata.distributions(path=site_dirs):
        name = dist.metadata["Name"]
        if name:
            installed.setdefault(canonicalize_name(name), dist)
    version = ".".join(map(str, python.version))
    marker_env = {"python_version": ".".join(map(str, python.version[:2])), "python_full_version": version}
    files: list[list[str]] = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None:
            try:
                if not requirement.marker.evaluate(marker_env):
                    continue
            except Exception:  # an unknown marker variable: cannot tell, so do not judge
                continue
        found = installed.get(canonicalize_name(requirement.name))
        if found is None:
            return f"{requirement.name} is not installed", []
        for top, root in _top_files(found):
            if not os.path.lexists(root):
                return f"{requirement.name} lost {top}", []
            files.append([requirement.name, top, os.path.relpath(root, env_dir)])
    return None, files


def _top_files(dist: importlib.metadata.Distribution) -> list[tuple[str, Path]]:
    """The top-level entries of the distribution's ``RECORD`` (its packages, modules, ``.pth``), and
    where they are."""
    tops: dict[str, importlib.metadata.PackagePath] = {}
    for file in dist.files or []:
        parts = file.parts
        if parts and parts[0] != "..":  # scripts are recorded as ../../bin/...: not checked
            tops.setdefault(parts[0], file)
    found = []
    for top, file in sorted(tops.items()):
        located = Path(str(file.locate()))
        found.append((top, located.parents[len(file.parts) - 2] if len(file.parts) > 1 else located))
    return found


def _create(
    env_dir: Path, python: Interpreter, requirements: list[str], *, log: Path, environ: Mapping[str, str]
) -> None:
    from orch.execute import Request, execute

    if env_dir.is_symlink() or env_dir.is_file():  # not made by orch: removed as a link or file, never followed
        env_dir.unlink()
    elif env_dir.exists():  # a setup cut short, or a damaged env: start over
        shutil.rmtree(env_dir, ignore_errors=True)
    env = installer_environ(environ, set_env={}, bin_dir=None, virtual_env=None)
    try:
        uv = uv_bin(_LABEL)
    except EnvSetupError as exc:
        raise BuildError(str(exc)) from None
    argv = (uv, "venv", "--no-project", "--python", python.path, str(env_dir))
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"$ {shlex.join(argv)}\n")
    outcome = execute(Request(argv=argv, cwd=env_dir.parent, env=env, log=log))
    if not outcome.ok:
        raise BuildError(f"creating the build env with uv venv failed ({outcome.problem}), see {log}", log)
    if requirements:
        try:
            Installer(_LABEL, "uv").install(
                env_python(env_dir), requirements, cwd=env_dir, env=env, log=log, what="build requirements"
            )
        except EnvSetupError as exc:
            raise BuildError(str(exc), log) from None
    marker: dict[str, object] = {"python": python.path, "version": list(python.version), "requirements": requirements}
    problem, files = _installed_files(env_dir, python, requirements)
    if problem is None:  # what the next checks look at (else they read the metadata, and say what is wrong)
        marker["files"] = files
    write_atomic(env_dir / FINISHED, json.dumps(marker, indent=2))
