"""Every hook orch calls, in one place. A plugin implements some of them with :data:`hookimpl`.

A plugin is a module (or any object) with functions named after these hooks, each decorated with
``@orch.plugin.hookimpl``; it is found through the ``orch`` entry-point group::

    # pyproject.toml of the plugin
    [project.entry-points.orch]
    docker = "orch_docker.plugin"

A hook implementation may take any subset of the hook's arguments, by name. orch's own env types,
builders and config keys are registered through these same hooks (:mod:`orch.plugin.builtin`);
they are registered first, so they win a name clash. See ``docs/how-to/write-a-plugin.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence

    from orch.config.model import EnvConfig
    from orch.config.registry import SettingsRegistry
    from orch.plugin.builder_types import BuilderRegistry
    from orch.plugin.env_types import EnvTypeRegistry

PROJECT = "orch"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def orch_add_options(parser: argparse.ArgumentParser) -> None:
    """Add command-line options.

    Called once, when the command-line parser is built, before any subcommand is parsed.
    ``parser`` is the parser of orch's *common options*: every subcommand (``list``, ``config``,
    ``run``...) inherits what is added here, so ``orch list --docker-host H`` works. Add options
    with ``parser.add_argument``; prefer long names that start with your plugin's name, so two
    plugins do not clash. The parsed value reaches commands as an attribute of the
    ``argparse.Namespace`` (``args.docker_host``).

    Example::

        @hookimpl
        def orch_add_options(parser):
            parser.add_argument("--docker-host", metavar="URL", help="the Docker daemon to use")
    """


@hookspec
def orch_add_settings(registry: SettingsRegistry) -> None:
    """Add configuration keys.

    Called once per orch run, before any configuration file is read. ``registry`` holds every
    key orch knows; add yours with ``registry.add(Setting(...))`` (see
    :class:`orch.config.registry.Setting`: key, kind, default, one-line doc, scope). Registered
    keys are read from ``tox.ini``, ``orch.toml`` and ``pyproject.toml`` like built-in ones, are
    listed by ``orch config`` and are not reported as unknown. A key that is already registered
    (a built-in, or another plugin's) is ignored: the first registration wins.

    Example::

        from orch.config.registry import Kind, Setting

        @hookimpl
        def orch_add_settings(registry):
            registry.add(Setting("docker_image", Kind.STR, "python:3.12-slim", "the image commands run in"))
    """


@hookspec
def orch_register_env_types(registry: EnvTypeRegistry) -> None:
    """Declare env types (kinds of environment: virtualenv, conda, a container...).

    Called once per orch run, before configuration is read (an env type's factors decide which
    env type an env name such as ``py312-docker`` implies). Add yours with
    ``registry.add(EnvType(...))`` (:class:`orch.plugin.env_types.EnvType`). The ``backend`` is a
    ``"module:attr"`` string that orch imports only when it creates such an env, so do not import
    your heavy dependencies in the module that holds this hook: ``orch list`` must stay fast.
    Set ``needs_python=False`` for an env that runs commands without a Python interpreter of its
    own, ``provides_python=True`` for one that installs its own Python (as conda envs do). A name
    or factor that is already taken keeps its first owner; orch warns about yours.

    Example::

        from orch.plugin.env_types import EnvType

        @hookimpl
        def orch_register_env_types(registry):
            registry.add(EnvType(
                name="docker",
                factors=("docker",),
                description="commands run in a Docker container",
                backend="orch_docker.backend:DockerBackend",
                needs_python=False,
            ))
    """


@hookspec
def orch_register_builders(registry: BuilderRegistry) -> None:
    """Declare package builders (ways to turn the project into something an env installs).

    Called once per orch run, before configuration is read; a packagedef's ``builder`` and an
    env's ``package`` name one of these. Add yours with ``registry.add(BuilderType(...))``
    (:class:`orch.plugin.builder_types.BuilderType`). As for env types, ``implementation`` is a
    ``"module:attr"`` string imported only when a package is built. A name that is already
    taken keeps its first owner.

    Example::

        from orch.plugin.builder_types import BuilderType

        @hookimpl
        def orch_register_builders(registry):
            registry.add(BuilderType(
                name="maturin",
                description="build a wheel with maturin (Rust extensions)",
                implementation="orch_maturin.builder:MaturinBuilder",
            ))
    """


# --------------------------------------------------------------------------------- lifecycle
# Called while envs run. Each takes ``options``: the parsed command line as a mapping (option
# ``--docker-host`` is ``options["docker_host"]``), so a value a plugin's ``orch_add_options`` adds
# reaches its hooks (backends and builders get the same mapping as ``request.options``). With no
# third-party plugin installed, none is called and pluggy is not imported. An exception raised by
# one of them fails the env it is about (or the run, for the run hooks) with a one-line error that
# names the hook. ``prepared`` is an :class:`orch.envs.api.PreparedEnv`, ``result`` an
# :class:`orch.schedule.results.EnvResult`: import them from :mod:`orch.plugin.api`.


@hookspec
def orch_before_run(envs: Sequence[str], options: Mapping[str, object]) -> None:
    """Called once before the first env of ``orch run`` (or ``run-parallel``) starts, with the
    names of the selected envs in run order."""


@hookspec
def orch_before_setup(env: EnvConfig, options: Mapping[str, object]) -> None:
    """Called before an env is created or reused (in the worker thread that sets it up)."""


@hookspec
def orch_after_setup(env: EnvConfig, prepared: object, options: Mapping[str, object]) -> None:
    """Called after an env is set up and its package installed, before its commands."""


@hookspec
def orch_before_commands(env: EnvConfig, prepared: object, options: Mapping[str, object]) -> Mapping[str, str] | None:
    """Called before an env's commands run; may return variables to add to their environment
    (after ``set_env``: a plugin's variable wins). Every implementation's mapping is applied."""


@hookspec
def orch_after_commands(env: EnvConfig, result: object, options: Mapping[str, object]) -> None:
    """Called after an env's last command (also when one failed), with its result so far."""


@hookspec
def orch_after_run(results: Sequence[object], options: Mapping[str, object]) -> None:
    """Called once after every env ran (or was skipped), before the summary is written."""
