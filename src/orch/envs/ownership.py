"""Which folders orch may delete: only env folders it provably created, never through a link.

When orch creates an env folder, the first thing it puts in it is the marker ``.orch-created``
(:func:`claim`), before the interpreter, the logs or the record. Recreating an env empties its
folder only when the folder holds that marker (:func:`owned`); any other folder that is not empty
(a user's folder named by ``env_dir``, the project itself...) is refused with a one-line error and
left as it is. Emptying never follows a symbolic link: a link inside the env is removed as a link,
and an env folder that is itself a link, or a file, is refused.

Where an env may live (:func:`check_place`): strictly inside ``work_dir``, neither the project
folder nor a folder holding it, unless the user set ``env_dir`` on purpose (the marker rule still
applies there).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from orch.envs import fingerprint
from orch.envs.api import EnvSetupError, SetupRequest
from orch.errors import ConfigError

MARKER = ".orch-created"
_MARKER_TEXT = "orch created this folder for an env; orch may delete what it holds when it recreates the env.\n"
_ENV_SHAPES = ("pyvenv.cfg", "conda-meta")  # what a virtualenv or a conda env has at its top
_RECORD_ONLY = {fingerprint.FILE_NAME, "log", "tmp"}  # a current env's folder: orch's record and folders


def _regular_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _is_junction(path: str) -> bool:
    isjunction = getattr(os.path, "isjunction", None)  # Python 3.12+; junctions exist only on Windows
    return bool(isjunction(path)) if isjunction is not None else False


def _real(path: Path) -> Path:
    """``path`` absolute and normalised, its parent's links resolved but not a link at ``path`` itself."""
    path = Path(os.path.normpath(os.path.abspath(path)))
    return path.parent.resolve() / path.name if path.name else path.resolve()


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies strictly below ``folder`` (both already made real)."""
    return path != folder and folder in path.parents


def owned(env_dir: Path, work_dir: Path | None = None) -> bool:
    """Whether orch created ``env_dir``: a real folder (not a link) holding orch's marker.

    An env created by an orch older than the marker counts too when it lies inside ``work_dir`` and
    holds a valid record (``.orch-env.json``) next to the env's own top file (``pyvenv.cfg``,
    ``conda-meta``): that orch wrote the record last, after emptying the folder and creating the env
    in it, so the folder was all orch's. So does the folder of a ``current`` env (no marker: it
    creates no env), holding only its record and orch's log and tmp folders. Outside ``work_dir``
    a record proves nothing: an older orch may have emptied a user's folder that the user has
    filled again since.
    """
    if env_dir.is_symlink() or _is_junction(str(env_dir)) or not env_dir.is_dir():
        return False
    if _regular_file(env_dir / MARKER):
        return True
    if work_dir is None or not _inside(_real(env_dir), _real(work_dir)):
        return False
    if fingerprint.read(env_dir) is None:
        return False
    return any(os.path.lexists(env_dir / n) for n in _ENV_SHAPES) or set(os.listdir(env_dir)) <= _RECORD_ONLY


def check(request: SetupRequest) -> None:
    """Refuse the env folder of ``request`` when it is in the wrong place, a link or a file."""
    config = request.config
    explicit = "env_dir" in config.sources  # set on purpose: any place goes, still no foreign deletes
    check_place(config.name, config.env_dir, root=request.root, work_dir=request.work_dir, explicit=explicit)
    check_shape(config.name, config.env_dir)


def check_place(name: str, env_dir: Path, *, root: Path, work_dir: Path | None, explicit: bool) -> None:
    """Refuse an ``env_dir`` that is the project folder, holds it, or lies outside ``work_dir``.

    ``explicit``: the user set ``env_dir``; any place is accepted then (and :func:`make_room` still
    deletes nothing orch did not create).
    """
    if explicit:
        return
    place, project = _real(env_dir), _real(root)
    if place == project or _inside(project, place):
        raise EnvSetupError(
            f"{name}: env folder {env_dir} is the project folder or holds it; orch will not put an env "
            "there (rename the env, or set env_dir to a folder of its own)"
        )
    if work_dir is not None and not _inside(place, _real(work_dir)):
        raise EnvSetupError(
            f"{name}: env folder {env_dir} is outside work_dir {work_dir}; orch will not put an env "
            "there unless env_dir is set to it"
        )


def check_shape(name: str, env_dir: Path) -> None:
    """Refuse an env folder that is a link or a file: orch did not make it and will not replace it."""
    if env_dir.is_symlink() or _is_junction(str(env_dir)):
        raise EnvSetupError(
            f"{name}: {env_dir} is a symbolic link; orch does not create or delete envs through links: "
            "remove the link (its target is kept) or set env_dir to the real folder"
        )
    if os.path.lexists(env_dir) and not env_dir.is_dir():
        raise EnvSetupError(f"{name}: {env_dir} is a file where the env folder should be; move it away and run again")


def claim(env_dir: Path) -> None:
    """Create ``env_dir`` (when missing) and mark it as orch's, before anything else goes in."""
    env_dir.mkdir(parents=True, exist_ok=True)
    marker = env_dir / MARKER
    if not _regular_file(marker):
        marker.write_text(_MARKER_TEXT, encoding="utf-8")


def make_room(name: str, env_dir: Path, *, keep: Path | None = None, work_dir: Path | None = None) -> None:
    """Empty ``env_dir`` for a new env when orch created it, then claim it.

    ``keep`` (the setup log, which may live in ``env_dir/log``) survives with its top entry. A
    folder that is not empty and not orch's raises :class:`EnvSetupError`, as do a link and a file.
    """
    check_shape(name, env_dir)
    if env_dir.is_dir():
        if owned(env_dir, work_dir):
            fingerprint.remove(env_dir)  # first: a setup killed while emptying leaves no record
            _empty(name, env_dir, keep)
        elif any(env_dir.iterdir()):
            raise EnvSetupError(
                f"{name}: {env_dir} holds files orch did not create (it has no {MARKER}); orch keeps them: "
                "move them away or set env_dir to a new folder"
            )
    try:
        claim(env_dir)
    except OSError as exc:
        raise EnvSetupError(f"{name}: cannot create the env folder {env_dir}: {exc.strerror or exc}") from None


def _empty(name: str, env_dir: Path, keep: Path | None) -> None:
    """Remove what ``env_dir`` holds, but its marker and ``keep``'s top entry; links are removed, not followed."""
    kept = {MARKER}
    if keep is not None:
        with contextlib.suppress(ValueError, IndexError):
            kept.add(keep.relative_to(env_dir).parts[0])
    try:
        with os.scandir(env_dir) as entries:
            for entry in entries:
                if entry.name in kept:
                    continue
                if _is_junction(entry.path):
                    os.rmdir(entry.path)  # a Windows junction: remove the link, not what it points to
                elif entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)  # never follows the links below it (removes them as links)
                else:
                    os.unlink(entry.path)
    except OSError as exc:
        where = exc.filename or env_dir
        raise EnvSetupError(f"{name}: cannot empty the env folder {env_dir}: {exc.strerror or exc} ({where})") from None


def fresh_tmp(name: str, tmp_dir: Path, env_dir: Path) -> None:
    """Give ``{env_tmp_dir}`` to a run empty, emptying it only when orch created it.

    orch created it when it lies inside an env folder orch created (the default, ``{env_dir}/tmp``),
    or when it holds the marker (orch marks a tmp folder elsewhere when it creates it). A folder
    that is not orch's is used only when empty; otherwise, and for a link or a file,
    :class:`ConfigError` says so and nothing is deleted.
    """
    try:
        check_shape(name, tmp_dir)
    except EnvSetupError as exc:
        raise ConfigError(f"{exc} (env_tmp_dir)") from None
    try:
        in_env = _inside(_real(tmp_dir), _real(env_dir)) and owned(env_dir)  # orch's, as its env is
        if tmp_dir.is_dir():
            if in_env or _regular_file(tmp_dir / MARKER):
                _empty(name, tmp_dir, None)
            elif any(tmp_dir.iterdir()):
                raise ConfigError(
                    f"{name}: env_tmp_dir {tmp_dir} holds files orch did not create (it has no {MARKER}); "
                    "orch keeps them: move them away or set env_tmp_dir to a new folder"
                )
        if in_env:
            tmp_dir.mkdir(parents=True, exist_ok=True)  # no marker needed: the env's own proves it
        else:
            claim(tmp_dir)
    except EnvSetupError as exc:
        raise ConfigError(str(exc)) from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot prepare env_tmp_dir {tmp_dir}: {exc.strerror or exc}") from None


GITIGNORE = "# orch's work dir: envs, packages and run records, nothing to commit.\n*\n"


def make_work_dir(work_dir: Path) -> None:
    """Create the work dir if it is missing, with a ``.gitignore`` that hides it from git even in a
    project whose own ``.gitignore`` does not list it (as virtualenv does for an env). A folder that
    exists already is left as it is: it may be the user's."""
    if work_dir.is_dir():
        return
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
