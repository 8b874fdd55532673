"""Creating a virtual environment: which tool makes it (the *creator*), and running that tool.

* ``uv venv`` when the uv installer sets the env up (the default): about 15 ms, where importing
  virtualenv and its first ``cli_run`` take about 0.2 s. pip, when the env gets it (``seed_pip``),
  comes from virtualenv's embedded wheels installed by uv (:mod:`orch.envs.seed`), as before.
  ``system_site_packages`` is ``uv venv --system-site-packages``: the same ``pyvenv.cfg`` line.
* ``virtualenv`` (its Python API, imported only here and only when it creates an env) where uv cannot
  serve, for Python 3.9 and newer: the pip installer and an ``install_command`` (virtualenv's seeder
  copies pip in, as in tox), ``always_copy`` (``uv venv`` has no ``--copies``), an interpreter uv does
  not know (an implementation other than CPython, PyPy and GraalPy), and a Python for which
  virtualenv embeds no pip when the env gets pip. Its app-data folder lives in orch's cache
  (``$ORCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/orch``, else ``~/.cache/orch``), not the user's, and it
  never checks for updates.
* ``<python> -m venv`` for those cases on Python 3.7 and 3.8, which virtualenv 21 no longer serves
  well (it will not seed pip, and its ``--no-seed`` 3.7 env fails at startup): ``ensurepip``
  installs the pip wheel bundled with that Python.

The creator is part of the env's record (``creator`` in :mod:`orch.envs.fingerprint`), so an env
made by another creator is recreated once, with the reason ``creator changed (virtualenv -> uv venv)``.
Everything works offline.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orch.envs import seed
from orch.envs.api import EnvSetupError, SetupRequest
from orch.envs.installer import Installer, installer_environ, uv_bin
from orch.paths import cache_dir

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.envs.interpreter import Interpreter

VIRTUALENV_FROM = (3, 9)  # older targets are created with uv venv or the venv module
UV_IMPLEMENTATIONS = ("cpython", "pypy", "graalpy")  # what uv venv creates envs for

UV_VENV, VIRTUALENV, VENV = "uv venv", "virtualenv", "venv"


def creator(interpreter: Interpreter, installer: Installer, config: EnvConfig) -> str:
    """The tool that creates the env: :data:`UV_VENV` unless uv cannot serve it (see the module)."""
    pip_from_uv = not config.seed_pip or seed.requirements(interpreter.version, download=config.download) is not None
    if uv_seeds(installer, config) and interpreter.implementation in UV_IMPLEMENTATIONS and pip_from_uv:
        return UV_VENV
    return VIRTUALENV if interpreter.version[:2] >= VIRTUALENV_FROM else VENV


def uv_seeds(installer: Installer, config: EnvConfig) -> bool:
    """Whether uv sets the env up: the uv installer without an ``install_command``, and no copies."""
    return not installer.needs_pip and not config.always_copy


def create(request: SetupRequest, interpreter: Interpreter, creator: str, *, seed_pip: bool) -> None:
    """Create the env with ``creator``; ``seed_pip``: its own seeder puts pip in (virtualenv, venv)."""
    config = request.config
    env_dir = config.env_dir
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    if creator == VIRTUALENV:
        _create_with_virtualenv(config, interpreter, seed_pip=seed_pip)
        return
    from orch.execute import Request, execute

    if creator == UV_VENV:
        argv = [uv_bin(config.name), "venv", "--allow-existing", "--no-project", "--python", interpreter.path]
    else:
        argv = [interpreter.path, "-m", "venv", *(["--copies"] if config.always_copy else [])]
        if not seed_pip:
            argv.append("--without-pip")
    if config.system_site_packages:
        argv.append("--system-site-packages")
    argv.append(str(env_dir))
    env = installer_environ(os.environ, set_env={}, bin_dir=None, virtual_env=None)
    request.log.parent.mkdir(parents=True, exist_ok=True)
    outcome = execute(Request(argv=tuple(argv), cwd=request.root, env=env, log=request.log))
    if not outcome.ok:
        raise EnvSetupError(
            f"{config.name}: creating the env with {creator} failed ({outcome.problem}), see {request.log}",
            request.log,
        )


def _create_with_virtualenv(config: EnvConfig, interpreter: Interpreter, *, seed_pip: bool) -> None:
    from virtualenv import cli_run

    env_name = config.name
    args = [str(config.env_dir), "--python", interpreter.path, "--no-periodic-update", "--app-data", str(_app_data())]
    if not seed_pip:
        args.append("--no-seed")
    elif config.download:
        args.append("--download")
    if config.system_site_packages:
        args.append("--system-site-packages")
    if config.always_copy:
        args.append("--copies")
    try:
        cli_run(args, setup_logging=False)
    except (Exception, SystemExit) as exc:  # virtualenv exits on bad arguments and raises on failed probes
        raise EnvSetupError(f"{env_name}: creating the env with virtualenv failed: {exc}") from exc


def _app_data(environ: Mapping[str, str] = os.environ) -> Path:
    """virtualenv's app-data folder (seed wheels, interpreter facts) inside orch's cache."""
    return cache_dir(environ) / "virtualenv"
