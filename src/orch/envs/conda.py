"""The ``conda`` env type: a conda prefix in ``env_dir``, created once by a conda engine and reused.

Setup, as for a virtualenv env (:mod:`orch.envs.virtualenv`), is locked and atomic: the record
``.orch-env.json`` is removed before the prefix changes and written last. What goes in:

* ``python X.Y.*``, the version of the env's Python factor (``py312`` -> ``python 3.12.*``), or of
  the interpreter ``base_python`` names when it names no version; no Python of that version needs
  to exist on the machine, the env brings its own (the record holds the version, not a path);
* the dependencies of ``conda_env`` (an environment.yml) and then ``conda_deps``, solved from the
  channels: the project's local channel (``<work_dir>/conda-channel``, where the ``conda``
  packagedef puts its packages) when it exists, ``conda_channels``, then the environment.yml's
  (the local channel is not part of the record: its appearing recreates nothing);
* ``deps`` (and the environment.yml's ``pip:`` list), installed afterwards with uv or pip into the
  prefix's Python, like in a virtualenv env.

The engine (:mod:`orch.envs.conda_engine`) is part of the record; so are the channels and the
environment.yml's hash (changes recreate). Conda specs are recorded among the deps as
``conda:SPEC``, so an added ``conda_deps`` line, like an added ``deps`` line, is installed into the
existing prefix without recreating it. Recreating empties the prefix only when orch created it
(:mod:`orch.envs.ownership`). The activation variables (``CONDA_PREFIX``...) are taken when
the prefix is created and kept in ``.orch-conda.json``: a reused env starts no process at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from orch.distribution import conda_extra_hint
from orch.envs import bytecode, constraints, fingerprint, ownership
from orch.envs.api import EnvSetupError, PreparedEnv, SetupRequest
from orch.envs.conda_engine import EngineError, select_engine
from orch.envs.installer import Installer, installer_environ, requirement_args

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.envs.conda_engine import CondaEngine

ACTIVATION = ".orch-conda.json"
CHANNEL_DIR = "conda-channel"  # below the work dir: the project's own conda packages
CONDA_PREFIX = "conda:"  # marks a conda spec among the recorded deps


class CondaPlan(NamedTuple):
    """What a conda env is made of, from its config."""

    channels: tuple[str, ...]  # the project's local channel (when it exists) first, then the configured ones
    configured: tuple[str, ...]  # conda_channels, then the environment.yml's: what the record keeps
    conda_specs: tuple[str, ...]  # python X.Y.*, the environment.yml's, conda_deps
    pip_deps: tuple[str, ...]  # the environment.yml's pip list, then deps
    env_file_hash: str


def project_channel(work_dir: Path) -> Path:
    """The local channel of the project's conda packages."""
    return work_dir / CHANNEL_DIR


def read_environment_yml(path: Path) -> tuple[list[str], list[str], list[str]]:
    """(channels, conda dependencies, pip dependencies) of an environment.yml."""
    try:
        import yaml
    except ImportError:
        raise EnvSetupError(f"reading {path} needs PyYAML ({conda_extra_hint('PyYAML')})") from None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EnvSetupError(f"cannot read conda_env {path}: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise EnvSetupError(f"conda_env {path}: not a mapping")
    channels = [str(c) for c in data.get("channels") or []]
    conda: list[str] = []
    pip: list[str] = []
    for item in data.get("dependencies") or []:
        if isinstance(item, dict):
            pip.extend(str(p) for p in item.get("pip") or [])
        else:
            conda.append(str(item))
    return channels, conda, pip


def plan(config: EnvConfig, python_version: tuple[int, int], root: Path) -> CondaPlan:
    """The channels, conda specs and pip deps of a conda env."""
    yml_channels: list[str] = []
    yml_conda: list[str] = []
    yml_pip: list[str] = []
    env_hash = ""
    if config.conda_env:
        path = root / config.conda_env
        yml_channels, yml_conda, yml_pip = read_environment_yml(path)
        env_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    configured = list(dict.fromkeys((*config.conda_channels, *yml_channels)))
    local = project_channel(config.env_dir.parent)
    channels = [local.as_uri()] if (local / "noarch" / "repodata.json").exists() else []
    major, minor = python_version
    specs = [f"python {major}.{minor}.*", *yml_conda, *config.conda_deps]
    if Installer(config.name, config.installer, config.install_command).needs_pip:
        specs.append("pip")
    return CondaPlan(
        (*channels, *configured),
        tuple(configured),
        tuple(specs),
        constraints.applied(config, (*yml_pip, *config.deps)),
        env_hash,
    )


class CondaBackend:
    """Creates, reuses or updates a conda prefix for an env."""

    def cannot_create(self, request: SetupRequest) -> str | None:
        if request.python_version is None:
            return "no Python version for the conda env"
        try:
            select_engine(request.config.conda_exe, os.environ)
        except EngineError as exc:
            return str(exc)
        return None

    def setup(self, request: SetupRequest) -> PreparedEnv:
        config = request.config
        version = request.python_version
        if version is None:
            raise EnvSetupError(f"{config.name}: no Python version for the conda env")
        try:
            engine = select_engine(config.conda_exe, os.environ)
        except EngineError as exc:
            raise EnvSetupError(f"{config.name}: {exc}") from None
        with fingerprint.locked(config.env_dir, config.name, request.note):
            try:
                return _setup(request, version, engine)
            except EngineError as exc:
                raise EnvSetupError(f"{config.name}: {exc}", exc.log) from None


def _setup(request: SetupRequest, python_version: tuple[int, int], engine: CondaEngine) -> PreparedEnv:
    config = request.config
    env_dir, python, log = config.env_dir, config.env_python, request.log
    wanted = plan(config, python_version, request.root)
    tag = bytecode.cache_tag("cpython", *python_version)
    installer = Installer(config.name, config.installer, config.install_command)
    recorded_deps = (*(CONDA_PREFIX + spec for spec in wanted.conda_specs), *wanted.pip_deps)
    new = fingerprint.snapshot(
        backend="conda",
        interpreter=f"{python_version[0]}.{python_version[1]}",
        installer=config.installer,
        install_command=config.install_command,
        deps=recorded_deps,
        root=request.root,
        options={"engine": engine.name, "channels": " ".join(wanted.configured), "conda_env": wanted.env_file_hash},
    )
    install_env = installer_environ(os.environ, set_env=config.set_env, bin_dir=config.env_bin_dir, virtual_env=None)
    engine_env = installer_environ(os.environ, set_env=config.set_env, bin_dir=None, virtual_env=None)

    def pip_install(deps: Sequence[str]) -> int:
        if not deps:
            return 0
        installer.install(python, requirement_args(deps, request.root), cwd=request.root, env=install_env, log=log)
        return 1

    ownership.check(request)
    decision = fingerprint.decide(
        request,
        fingerprint.read(env_dir),
        new,
        exists=(env_dir / "conda-meta").exists(),
        broken=lambda: None if python.exists() and _read_activation(env_dir) is not None else f"{python} is missing",
    )

    if decision.kind == "reuse":
        return _prepared(config, _read_activation(env_dir) or {}, ("reused",), 0)
    if decision.kind == "add":
        request.note(f"update: {decision.reason}")
        fingerprint.remove(env_dir)
        conda_added = [dep[len(CONDA_PREFIX) :] for dep in decision.added if dep.startswith(CONDA_PREFIX)]
        pip_added = [dep for dep in decision.added if not dep.startswith(CONDA_PREFIX)]
        runs = 0
        if conda_added:
            engine.install(env_dir, wanted.channels, conda_added, log=log, environ=engine_env)
            runs += 1
        constraints = [dep for dep in wanted.pip_deps if fingerprint.file_option(dep)[0] == "-c"]
        runs += pip_install([*constraints, *pip_added] if pip_added else [])
        bytecode.after_install(env_dir, tag, log)
        fingerprint.write(env_dir, new)
        added = ", ".join(dep.removeprefix(CONDA_PREFIX) for dep in decision.added)
        return _prepared(config, _read_activation(env_dir) or {}, (f"installed deps: {added}",), runs)

    if decision.reason:
        request.note(f"recreate: {decision.reason}")
    ownership.make_room(config.name, env_dir, keep=log, work_dir=request.work_dir)
    engine.create(env_dir, wanted.channels, wanted.conda_specs, log=log, environ=engine_env)
    activation = engine.activation(env_dir, log=log, environ=engine_env)
    _write_activation(env_dir, activation)
    specs = " ".join(wanted.conda_specs)
    actions = [f"recreated with {engine.name}: {decision.reason}" if decision.reason else f"created with {engine.name}"]
    actions.append(f"installed conda specs: {specs}")
    runs = 1 + pip_install(wanted.pip_deps)
    if wanted.pip_deps:
        actions.append(f"installed deps: {', '.join(wanted.pip_deps)}")
    bytecode.after_install(env_dir, tag, log)
    fingerprint.write(env_dir, new)
    return _prepared(config, activation, tuple(actions), runs)


def _prepared(config: EnvConfig, activation: Mapping[str, str], actions: tuple[str, ...], runs: int) -> PreparedEnv:
    """Activation's PATH entries become the env's bin dirs (the prefix's bin when it gives none)."""
    outside = set(os.environ.get("PATH", "").split(os.pathsep))
    entries = [Path(p) for p in activation.get("PATH", "").split(os.pathsep) if p and p not in outside]
    bin_dirs = tuple(dict.fromkeys(entries)) or (config.env_bin_dir,)
    environ = {k: v for k, v in activation.items() if k != "PATH"}
    environ.setdefault("CONDA_PREFIX", str(config.env_dir))
    return PreparedEnv(bin_dirs, config.env_python, environ, actions, runs)


def _write_activation(env_dir: Path, activation: Mapping[str, str]) -> None:
    (env_dir / ACTIVATION).write_text(json.dumps(dict(activation), indent=2, sort_keys=True), encoding="utf-8")


def _read_activation(env_dir: Path) -> dict[str, str] | None:
    try:
        data = json.loads((env_dir / ACTIVATION).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None


def install_package(
    env: EnvConfig,
    package: Path,
    *,
    work_dir: Path,
    root: Path,
    log: Path,
    environ: Mapping[str, str],
) -> None:
    """Install a conda package built by the ``conda`` packagedef into a conda env.

    The package goes into the project's local channel (``<work_dir>/conda-channel/<subdir>/``,
    ``subdir`` being the name of the folder the builder put it in), the channel is indexed, and the
    env's engine installs exactly that build (``name ==version build``) from the local channel
    first, then the env's channels. A file lock serialises envs sharing the channel.
    """
    from filelock import FileLock

    name, version, build = package.name.removesuffix(".conda").removesuffix(".tar.bz2").rsplit("-", 2)
    channel = project_channel(work_dir)
    target = channel / package.parent.name / package.name
    engine_env = installer_environ(environ, set_env=env.set_env, bin_dir=None, virtual_env=None)
    try:
        engine = select_engine(env.conda_exe, environ)
        channel.mkdir(parents=True, exist_ok=True)
        with FileLock(str(channel) + ".lock"):
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                shutil.copy2(package, target)
            engine.index(channel, log=log, environ=engine_env)
            channels = [channel.as_uri(), *_env_channels(env, root)]
            engine.install(env.env_dir, channels, [f"{name} =={version} {build}"], log=log, environ=engine_env)
    except EngineError as exc:
        raise EnvSetupError(f"{env.name}: {exc}", exc.log) from None


def _env_channels(env: EnvConfig, root: Path) -> list[str]:
    channels: list[str] = list(env.conda_channels)
    if env.conda_env:
        channels += [c for c in read_environment_yml(root / env.conda_env)[0] if c not in channels]
    return channels
