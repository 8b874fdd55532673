"""tox-uv's ``uv-venv-lock-runner``: the env's packages come from ``uv.lock`` through ``uv sync``.

orch creates the virtual environment as for any env, then runs, in the project folder::

    uv sync --locked [--extra E]... [--no-default-groups] [--group G]... [--only-group G]...
            [--no-install-project | --no-editable --reinstall-package NAME] [uv_sync_flags...]
            --python <env python>

with ``UV_PROJECT_ENVIRONMENT`` set to the env, as tox-uv does. ``deps`` are not installed (the lock
decides everything; tox-uv ignores them too). ``--locked`` (left out with ``uv_sync_locked = false``)
makes a ``uv.lock`` that no longer matches ``pyproject.toml`` an error instead of a silent re-lock.
The project is installed by uv sync, editable unless ``package`` is ``wheel`` or ``sdist``
(``--no-editable``), not at all with ``package = skip``/``skip_install``; orch's own package stage
is not used for such an env.

The env's record holds the arguments and the sha256 of ``uv.lock`` and ``pyproject.toml``: a change
to either sets the env up again; otherwise a warm run starts no uv. A non-editable project is synced
on every run (its sources may have changed), as tox-uv does.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orch.config.settings import LOCK_RUNNER
from orch.envs.api import EnvSetupError
from orch.envs.installer import InstallError, run_logged, uv_bin
from orch.execute.masking import last_lines

if TYPE_CHECKING:
    from orch.config.model import EnvConfig

LOCK_FILE = "uv.lock"
PROJECT_FILE = "pyproject.toml"
MISSING = "missing"


def uses_lock(config: EnvConfig) -> bool:
    """Whether the env is set up by ``uv sync`` (``runner = uv-venv-lock-runner``)."""
    return config.extra.get("runner") == LOCK_RUNNER


def _names(config: EnvConfig, key: str) -> tuple[str, ...]:
    value = config.extra.get(key, ())
    return tuple(str(v) for v in value) if isinstance(value, (tuple, list)) else ()


def editable(config: EnvConfig) -> bool:
    """Whether uv sync installs the project editable (its default) rather than as a wheel."""
    return not ("package" in config.sources and config.package in ("wheel", "sdist"))


def sync_args(config: EnvConfig, root: Path) -> list[str]:
    """The arguments after ``uv sync``, without ``--python`` (the env's, added by :func:`sync`)."""
    args = ["--locked"] if config.extra.get("uv_sync_locked", True) else []
    for extra in config.extras:
        args += ["--extra", extra]
    if config.extra.get("no_default_groups"):
        args.append("--no-default-groups")
    for group in config.dependency_groups:
        args += ["--group", group]
    for group in _names(config, "only_groups"):
        args += ["--only-group", group]
    if config.package == "skip":
        args.append("--no-install-project")
    elif not editable(config):
        args += ["--no-editable", "--reinstall-package", project_name(root, config.name)]
    return [*args, *_names(config, "uv_sync_flags")]


def project_name(root: Path, env_name: str) -> str:
    """``[project] name`` of ``root/pyproject.toml``; an :class:`EnvSetupError` without one."""
    from orch.config.toml import tomllib  # here, not at the top: a run that reads no pyproject skips it (3 ms)

    try:
        data = tomllib.loads((root / PROJECT_FILE).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        data = {}
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not name:
        raise EnvSetupError(f"{env_name}: {LOCK_RUNNER} with package = wheel needs [project] name in {PROJECT_FILE}")
    return name


def file_digests(root: Path) -> dict[str, str]:
    """sha256 of ``uv.lock`` and ``pyproject.toml`` (``missing`` when absent), for the env's record."""
    import hashlib  # only a lock runner env needs it: OpenSSL's start is 3 ms of every run

    result = {}
    for name in (LOCK_FILE, PROJECT_FILE):
        try:
            result[name] = hashlib.sha256((root / name).read_bytes()).hexdigest()[:16]  # enough to see a change
        except OSError:
            result[name] = MISSING
    return result


def record_options(config: EnvConfig, root: Path) -> dict[str, str]:
    """What of the lock runner goes into the env's record (:mod:`orch.envs.fingerprint` options)."""
    digests = file_digests(root)
    return {
        "runner": LOCK_RUNNER,
        "uv sync": shlex.join(sync_args(config, root)),
        LOCK_FILE: digests[LOCK_FILE],
        PROJECT_FILE: digests[PROJECT_FILE],
    }


def sync(config: EnvConfig, root: Path, *, env: Mapping[str, str], log: Path) -> None:
    """Run uv sync into the env; :class:`InstallError` (one line, the output's tail kept) on failure."""

    if not (root / LOCK_FILE).is_file():
        raise EnvSetupError(f"{config.name}: {LOCK_RUNNER} needs {root / LOCK_FILE} (make it with `uv lock`)")
    argv = [uv_bin(config.name), "sync", *sync_args(config, root), "--python", str(config.env_python)]
    environ = {**env, "UV_PROJECT_ENVIRONMENT": str(config.env_dir)}
    environ.pop("VIRTUAL_ENV", None)  # uv warns when it names another env than the project's
    outcome = run_logged(argv, root, environ, log)
    if outcome.ok:
        return
    tail = last_lines(outcome.text)
    hint = next((line for line in tail if "lockfile needs to be updated" in line), "")
    why = "; uv.lock does not match pyproject.toml, run `uv lock`" if hint else ""
    raise InstallError(f"{config.name}: uv sync failed ({outcome.problem}){why}, see {log}", log, tail)
