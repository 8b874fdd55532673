"""The ``virtualenv`` env type: a Python virtual environment in ``env_dir``, created once and reused.

How an env is created is :mod:`orch.envs.create`'s business: ``uv venv`` when uv sets the env up
(the default), virtualenv's Python API or ``python -m venv`` where uv cannot serve (the pip
installer, an ``install_command``, ``always_copy``...). pip is there by default, as in tox
(``seed_pip``, tox-uv's ``uv_seed``): for the uv installer, a ``.pth`` file links the one shared
copy of virtualenv's embedded wheels (:mod:`orch.envs.seed_image`), or with ``download`` uv installs
the index's newest (:mod:`orch.envs.seed`); for the pip installer or an ``install_command``,
virtualenv's seeder copies them. tox's
``system_site_packages`` (``sitepackages``), ``always_copy`` and ``download`` are passed to the
creator; each is in the env's record, as is the creator, so changing one recreates the env. Pythons
older than 3.7 are refused by :meth:`VirtualenvBackend.cannot_create`.

After an install, the env gets the bytecode other envs compiled for the same files
(:mod:`orch.envs.bytecode`). Setup is atomic and locked (see :mod:`orch.envs.fingerprint`): under
``<env_dir>.lock``, the record ``.orch-env.json`` is removed before the env changes and written
after the last install, so a setup killed halfway leaves an env that the next setup recreates.

Recreating an env empties its folder only when orch created it (:mod:`orch.envs.ownership`): a
folder without orch's marker that is not empty, a link and a file are refused, never deleted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from orch.envs import bytecode, constraints, create, fingerprint, groups, ownership, seed, seed_image, uvsync
from orch.envs.api import EnvSetupError, PreparedEnv, SetupRequest
from orch.envs.installer import Installer, installer_environ, requirement_args
from orch.envs.site import site_packages

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.envs.interpreter import Interpreter

OLDEST = (3, 7)


class VirtualenvBackend:
    """Creates, reuses or updates a virtual environment for an env."""

    def cannot_create(self, request: SetupRequest) -> str | None:
        interpreter = request.interpreter
        if interpreter is None:
            return "no interpreter"
        if interpreter.version[:2] < OLDEST:
            oldest = ".".join(map(str, OLDEST))
            return f"Python {interpreter.major_minor} is older than the {oldest} orch can create envs for"
        return None

    def setup(self, request: SetupRequest) -> PreparedEnv:
        config = request.config
        interpreter = request.interpreter
        if interpreter is None:
            raise EnvSetupError(f"{config.name}: no interpreter to create the env with")
        with fingerprint.locked(config.env_dir, config.name, request.note):
            resolutions = request.resolutions
            if resolutions is None:
                return _setup(request, interpreter)
            resolutions.begin(config.name)  # under the env's lock: a setup waiting for another process is not
            try:
                return _setup(request, interpreter)
            finally:
                resolutions.decided(config.name)


def _setup(request: SetupRequest, interpreter: Interpreter) -> PreparedEnv:
    config = request.config
    env_dir, python = config.env_dir, config.env_python
    installer = Installer(config.name, config.installer, config.install_command)
    creator = create.creator(interpreter, installer, config)
    lock = uvsync.uses_lock(config)  # uv sync from uv.lock: no deps, groups through uv
    deps = () if lock else config.deps
    group_deps = () if lock else _group_requirements(config, request.root)
    if config.constraints and not lock and (deps or group_deps):
        deps = constraints.applied(config, deps) if deps else constraints.lines(config)  # tox's `constraints`
    shared = _shared_seed(config, interpreter, installer, creator)
    options = {"creator": creator, "pip": "seeded" if installer.needs_pip or config.seed_pip else "none"}
    if shared is not None:
        options["pip"] = f"shared {seed_image.folder(shared).name}"
    options.update(_creation_options(config, installer))
    if lock:
        options.update(uvsync.record_options(config, request.root))
    elif config.dependency_groups:
        options["dependency_groups"] = ", ".join(config.dependency_groups)
        options["dependency group requirements"] = ", ".join(map(fingerprint.recorded, group_deps))
    new = fingerprint.snapshot(
        backend="virtualenv",
        interpreter=interpreter,
        installer=config.installer,
        install_command=config.install_command,
        deps=deps,
        root=request.root,
        options=options,
    )
    environ = {"VIRTUAL_ENV": str(env_dir)}

    def install_env() -> dict[str, str]:  # made when an installer runs: a reused env needs none
        return installer_environ(os.environ, set_env=config.set_env, bin_dir=config.env_bin_dir, virtual_env=env_dir)

    def prepared(actions: tuple[str, ...], runs: int) -> PreparedEnv:
        return PreparedEnv((config.env_bin_dir,), python, environ, actions, runs)

    def install(deps: tuple[str, ...], seed_wheels: tuple[str, ...] = ()) -> None:
        request.note(f"installing {len(deps)} dep{'s' if len(deps) != 1 else ''}")
        args = [*requirement_args(deps, request.root), *seed_wheels]
        installer.install(
            python, args, cwd=request.root, env=install_env(), log=request.log, resolutions=request.resolutions
        )

    ownership.check(request)
    decision = fingerprint.decide(
        request,
        fingerprint.read(env_dir),
        new,
        exists=(env_dir / "pyvenv.cfg").exists(),
        broken=lambda: _broken(env_dir, python, shared),
    )

    if request.resolutions is not None and (decision.kind == "reuse" or lock):
        request.resolutions.decided(config.name)  # no install through the run's resolutions follows
    if decision.kind == "reuse" and lock and not uvsync.editable(config):
        fingerprint.remove(env_dir)  # the project is no editable install: sync its sources, as tox-uv does
        uvsync.sync(config, request.root, env=install_env(), log=request.log)
        fingerprint.write(env_dir, new)
        return prepared(("synced from uv.lock",), 1)
    if decision.kind == "reuse":
        return prepared(("reused",), 0)
    if decision.kind == "add":
        request.note(f"update: {decision.reason}")
        fingerprint.remove(env_dir)
        pinned = tuple(dep for dep in deps if fingerprint.file_option(dep)[0] == "-c")
        install((*pinned, *decision.added))
        bytecode.after_install(env_dir, bytecode.interpreter_tag(interpreter), request.log)
        fingerprint.write(env_dir, new)
        return prepared((f"installed deps: {', '.join(decision.added)}",), 1)

    if decision.reason:
        request.note(f"recreate: {decision.reason}")
    ownership.make_room(config.name, env_dir, keep=request.log, work_dir=request.work_dir)
    # None: the creator seeds pip, the shared copy serves, or no pip
    seed_with = None if shared is not None else _uv_seed(config, interpreter, installer)
    wanted = (*deps, *group_deps)
    if request.resolutions is not None and not wanted and not seed_with:
        request.resolutions.decided(config.name)  # it installs nothing: no other env need wait for it
    elif request.resolutions is not None:
        request.resolutions.head_start(config.name)
    request.note(f"creating the env with {creator}")
    create.create(
        request,
        interpreter,
        creator,
        seed_pip=installer.needs_pip or (config.seed_pip and seed_with is None and shared is None),
    )
    if shared is not None:
        _link_seed(request, interpreter, shared)
    # one resolution for the seed and the deps: only names (download), never the pinned embedded wheels,
    # which a dep needing another setuptools would conflict with; those go in first, the deps after
    together = bool(seed_with and wanted) and config.download and not lock and seed.joins(wanted, interpreter.version)

    def seed_pip() -> None:  # part of creating the env, as virtualenv's own seeder is: no installer run counted
        installer.install(
            python,
            seed_with or (),
            cwd=request.root,
            env=install_env(),
            log=request.log,
            what="pip",
            resolutions=request.resolutions,
        )

    if seed_with and not together:
        seed_pip()
    actions = [f"recreated: {decision.reason}" if decision.reason else "created"]
    runs = 0
    if lock:
        if config.deps:
            request.note("deps are not installed: with runner = uv-venv-lock-runner, uv.lock decides")
        uvsync.sync(config, request.root, env=install_env(), log=request.log)
        actions.append("synced from uv.lock")
    elif together:  # one resolution for pip and the deps
        install(wanted, seed_with or ())
        actions.append(_installed(deps, config.dependency_groups))
    elif wanted:
        install(wanted)
        actions.append(_installed(deps, config.dependency_groups))
    if lock or deps or group_deps:
        runs = 1
        bytecode.after_install(env_dir, bytecode.interpreter_tag(interpreter), request.log)
    fingerprint.write(env_dir, new)
    return prepared(tuple(actions), runs)


def _log(log: Path, line: str) -> None:
    with log.open("a", encoding="utf-8") as stream:
        stream.write(line + "\n")


def _group_requirements(config: EnvConfig, root: Path) -> tuple[str, ...]:
    """The requirements of the env's ``dependency_groups``; a group that cannot be read fails the env."""
    try:
        cache = config.env_dir.with_name(f"{config.env_dir.name}.groups.json")  # beside the env, as its locks
        return groups.resolve(root, config.dependency_groups, cache)
    except groups.GroupError as exc:
        raise EnvSetupError(f"{config.name}: {exc}") from None


def _installed(deps: tuple[str, ...], group_names: tuple[str, ...]) -> str:
    parts = [f"deps: {', '.join(deps)}"] if deps else []
    if group_names:
        parts.append(f"dependency groups: {', '.join(group_names)}")
    return "installed " + "; ".join(parts)


def _creation_options(config: EnvConfig, installer: Installer) -> dict[str, str]:
    """tox's creation keys for the record, only when set, so that an env recorded without them is reused."""
    options = {key: "true" for key in ("system_site_packages", "always_copy") if getattr(config, key)}
    if config.download and (installer.needs_pip or config.seed_pip):
        options["download"] = "true"
    return options


def _shared_seed(
    config: EnvConfig, interpreter: Interpreter, installer: Installer, creator: str
) -> tuple[Path, ...] | None:
    """The embedded wheels whose shared copy gives the env pip (:mod:`orch.envs.seed_image`), or None:
    no pip, a creator that seeds, or ``download`` (the index's newest pip, installed into the env)."""
    if creator != create.UV_VENV or not config.seed_pip or config.download or not create.uv_seeds(installer, config):
        return None
    if os.name == "nt":  # scripts need .exe launchers there, and a .pth is read in the locale's encoding
        return None
    return seed.embedded_wheels(interpreter.version)


def _broken(env_dir: Path, python: Path, shared: tuple[Path, ...] | None) -> str | None:
    """Why an env the records say to keep cannot be kept, or None."""
    if not python.exists():
        return f"{python} is missing"
    if shared is not None:
        linked = seed_image.linked(site_packages(env_dir))
        if linked is None or not seed_image.usable(linked):
            return f"the shared pip at {linked or seed_image.folder(shared)} is missing"
        if linked != seed_image.folder(shared):  # another cache folder (ORCH_CACHE_DIR, XDG_CACHE_HOME)
            return f"the shared pip is now at {seed_image.folder(shared)}, not {linked}"
    return None


def _link_seed(request: SetupRequest, interpreter: Interpreter, wheels: tuple[Path, ...]) -> None:
    """Give a new env pip from the shared copy, unpacked first when missing."""
    config = request.config
    try:
        shared = seed_image.ensure(wheels)
        for folder in {os.path.realpath(path): path for path in site_packages(config.env_dir)}.values():
            seed_image.link(folder, config.env_bin_dir, config.env_python, shared, interpreter.version)
    except OSError as exc:
        raise EnvSetupError(f"{config.name}: giving the env pip failed: {exc}", request.log) from exc
    _log(request.log, f"orch: pip from {shared} (shared, linked by {seed_image.PTH})")


def _uv_seed(config: EnvConfig, interpreter: Interpreter, installer: Installer) -> tuple[str, ...] | None:
    """What uv installs to seed pip into an env the uv installer sets up (:mod:`orch.envs.seed`)."""
    if not config.seed_pip or not create.uv_seeds(installer, config):
        return None
    return seed.requirements(interpreter.version, download=config.download)
