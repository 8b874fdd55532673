"""The commands: the stages each one needs, in order (load -> select -> plan -> build -> run -> report)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from orch.cli.render import config_as_ini, config_as_json, config_as_toml, config_values, list_lines, list_rows
from orch.config.load import load_config
from orch.config.project import Config
from orch.config.select import Selection, select
from orch.config.validate import unknown_keys
from orch.errors import ConfigError, UsageError
from orch.plugin.manager import Plugins

if TYPE_CHECKING:  # the run machinery is imported by the commands that run, not by `orch list`
    from orch.schedule.console import Console
    from orch.schedule.envrun import EnvRunner, RunOptions


def load(args: argparse.Namespace, plugins: Plugins) -> Config:
    """Stage 1: find and read the config; warn about unknown keys."""
    if getattr(args, "workdir", None) == "":
        raise UsageError("--workdir '': an empty path is no folder (leave the option out for the default)")
    config = load_config(
        registry=plugins.settings,
        type_factors=plugins.env_types.type_factors(),
        builders=plugins.builders.names(),
        config_file=Path(args.conf) if args.conf else None,
        overrides=[
            *args.override,
            *([f"tox.work_dir={Path(args.workdir).resolve()}"] if args.workdir else []),
            *cli_overrides(args),
        ],
        posargs=args.posargs,
        root=Path(args.root).resolve() if getattr(args, "root", None) else None,
    )
    if args.quiet < 1:
        for warning in [*config.source.warnings, *unknown_keys(config.source, plugins.settings)]:
            print(f"warning: {warning}", file=sys.stderr)
        _requires(config)
    return config


def _requires(config: Config) -> None:
    """tox plugins in ``requires``: a note for those orch replaces, a warning for each other one."""
    from orch.config.tox_plugins import requires_messages

    try:
        note, warnings = requires_messages(cast("tuple[str, ...]", config.resolver.core("requires")), config.path.name)
    except ConfigError:
        return  # a requires orch cannot compute: tox's provisioning, not orch's business
    if note:
        print(f"note: {note}", file=sys.stderr)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def cli_overrides(args: argparse.Namespace) -> list[str]:
    """tox's options that change every env's config: ``--develop``, ``--skip-pkg-install`` (the last wins)."""
    return [
        *(["testenv.use_develop=true"] if getattr(args, "develop", False) else []),
        *(["testenv.skip_install=true"] if getattr(args, "skip_pkg_install", False) else []),
    ]


def selected(args: argparse.Namespace, config: Config, *, include_all: bool = False) -> list[str]:
    """Stage 2: the envs the command acts on."""
    if args.envs is not None and not ",".join(args.envs).strip(",\n ") and args.quiet < 1:
        # tox 4 runs the default envs for an empty -e; so does orch, but says so (an unset $ENVS in CI)
        print("warning: -e names no env: acting on the default envs, as without -e", file=sys.stderr)
    selection = Selection.from_args(args.envs, args.labels, args.factors, args.skip_env, os.environ)
    if include_all:
        selection = selection._replace(include_all=True)
    return select(config, selection)


def cmd_list(args: argparse.Namespace, plugins: Plugins) -> int:
    config = load(args, plugins)
    names = selected(args, config, include_all=args.all and not args.default_only)
    if args.json:
        import json

        print(json.dumps(list_rows(config, names), indent=2))
        return 0
    lines = list(list_lines(config, names, descriptions=not args.no_desc))  # all resolved before any output
    if lines:
        print("\n".join(lines))
    return 0


def cmd_config(args: argparse.Namespace, plugins: Plugins) -> int:
    config = load(args, plugins)
    names = selected(args, config)
    keys = tuple(args.keys) if args.keys else None
    render = {"ini": config_as_ini, "json": config_as_json, "toml": config_as_toml}[args.format]
    shown = config_values(config, names, keys, core=args.core)
    if args.output_file:
        Path(args.output_file).write_text(render(config, shown), encoding="utf-8")
    else:
        sys.stdout.write(render(config, shown))
    if shown.errors:
        # every other value is shown; the exit code is that of any configuration error
        sys.stdout.flush()
        more = f" (and {len(shown.errors) - 1} more, marked in the output)" if len(shown.errors) > 1 else ""
        print(f"error: {shown.errors[0]}{more}", file=sys.stderr)
        return ConfigError.exit_code
    return 0


def cmd_convert(args: argparse.Namespace, plugins: Plugins) -> int:
    from orch.config.convert_toml import convert_file

    target = convert_file(Path(args.source), Path(args.to), force=args.force)
    print(f"wrote {target}")
    return 0


def _runner(
    args: argparse.Namespace,
    plugins: Plugins,
    config: Config,
    options: RunOptions,
    *,
    github: bool = False,
    exec_mode: bool = False,
) -> EnvRunner:
    """``github``: under GitHub Actions, fold each env's output into a ``::group::`` (orch run).
    ``exec_mode`` (orch exec): orch's lines go to stderr, and no package is built or installed, as in tox
    exec, unless ``--install`` or ``--installpkg FILE`` asks for one."""
    from orch.envs.discovery import Discovery
    from orch.schedule.envrun import EnvRunner
    from orch.schedule.packages import PackageStage

    _check_paths(args, config)
    discovery = Discovery(extra=[Path(p) for p in args.discover])
    console = _console(args, config, github=github, exec_mode=exec_mode)
    installpkg = Path(args.installpkg) if getattr(args, "installpkg", None) else None
    packages = PackageStage(config, plugins, discovery, console.note, installpkg=installpkg)
    if exec_mode and installpkg is None and not getattr(args, "install", False):
        return EnvRunner(config, plugins, discovery, console, options, packages=None)
    return EnvRunner(config, plugins, discovery, console, options, packages=packages)


def _console(args: argparse.Namespace, config: Config, *, github: bool = False, exec_mode: bool = False) -> Console:
    """The sequential console (output streams through), or the parallel one for -p."""
    from orch.report.console import Console as SequentialConsole

    verbosity = args.verbose - args.quiet
    if _jobs(args) == 1 or exec_mode:
        # with --json, stdout carries only the JSON document: progress goes to stderr; orch exec: stdout
        # carries only the command's output (`V=$(orch exec -e py -- python -c 'print(1)')`)
        lines_to_stderr = exec_mode or bool(getattr(args, "json", False))
        colored = getattr(args, "colored", None)
        console = SequentialConsole(
            sys.stderr if lines_to_stderr else None, verbosity=verbosity, output=sys.stdout, colored=colored
        )
        from orch.report.github import GitHubConsole, on_github

        return GitHubConsole(console) if github and on_github(os.environ) else console
    from orch.report.live import ParallelConsole

    def show_output(name: str) -> bool:
        return verbosity > 0 or (config.env_error(name) is None and bool(config.env(name).parallel_show_output))

    stream = sys.stderr if getattr(args, "json", False) else None
    live = bool(getattr(args, "live", False))
    colored = getattr(args, "colored", None)  # --colored yes|no: over NO_COLOR / FORCE_COLOR
    return ParallelConsole(stream, show_output=show_output, live=live, verbosity=verbosity, colored=colored)


def _jobs(args: argparse.Namespace) -> int | None:
    """``-p``: the number of jobs (None: no bound); a value that is none of N, auto, all is a usage error."""
    from orch.schedule.session import parse_jobs

    text = getattr(args, "parallel", None)
    try:
        return parse_jobs(text)
    except ValueError:
        raise UsageError(f"-p {text}: expected a number of jobs (0 or more), auto or all") from None


def _check_paths(args: argparse.Namespace, config: Config) -> None:
    """Before any env runs: the work dir and the report files can be written (a report lost after an hour of
    tests is worse than an error at once)."""
    problem = _folder_problem(config.core.work_dir)
    if problem is not None:
        source = f"--workdir {args.workdir}" if args.workdir else f"work_dir {config.core.work_dir}"
        raise UsageError(f"{source}: {problem}")
    from orch.envs.ownership import make_work_dir

    make_work_dir(config.core.work_dir)
    for option, value in (
        ("--result-json", getattr(args, "result_json", None)),
        ("--junit", getattr(args, "junit", None)),
    ):
        if not value:
            continue
        target = Path(value)
        if target.is_dir():
            raise UsageError(f"{option} {value}: is a folder, not a file")
        problem = _folder_problem(target.parent)
        if problem is not None:
            raise UsageError(f"{option} {value}: cannot write there: {problem}")


def _folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be (made and) written to, or None: its nearest existing ancestor decides."""
    for existing in (folder, *folder.parents):
        if existing.is_dir():
            break
        if existing.exists() or existing.is_symlink():
            return f"{existing} is not a folder"
    else:
        return None
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def _run_options(args: argparse.Namespace, exec_argv: tuple[str, ...] | None = None) -> RunOptions:
    from orch.schedule.envrun import RunOptions

    skip = {"true": True, "false": False}.get(args.skip_missing_interpreters)
    notest = bool(getattr(args, "notest", False))
    seed = hash_seed(args)
    return RunOptions(recreate=args.recreate, notest=notest, skip_missing=skip, exec_argv=exec_argv, hash_seed=seed)


def _random_below(top: int) -> int:
    """A random number in ``[0, top)`` from the system's source (the random module costs 1 ms of every start)."""
    return int.from_bytes(os.urandom(8), "big") % top


def hash_seed(args: argparse.Namespace) -> int | None:
    """PYTHONHASHSEED for the commands, chosen once per run as tox 4 does: ``--hashseed N``, none for ``notset``,
    else the caller's ``$PYTHONHASHSEED`` (unless empty or ``random``), else a random one. Printed (at the default
    verbosity) so that a failure depending on it can be reproduced; ``args.hash_seed`` then keeps it."""
    chosen = getattr(args, "hash_seed", None)
    if chosen == "notset":
        return None
    if chosen is None:
        caller = os.environ.get("PYTHONHASHSEED", "")
        top = 1024 if sys.platform == "win32" else 4294967295
        chosen = int(caller) if caller.isdigit() and int(caller) > 0 else _random_below(top) + 1
        args.hash_seed = chosen
        command = getattr(args, "command", None)
        if command != "build" and args.verbose - args.quiet >= (1 if command in ("exec", "e") else 0):
            print(f"orch: PYTHONHASHSEED={chosen} (--hashseed {chosen} repeats it)", file=sys.stderr)
    return int(chosen)


def cmd_exec(args: argparse.Namespace, plugins: Plugins) -> int:
    """Run any command in one env, created or reused: ``orch exec -e ENV -- CMD ARGS`` (a broken stdout: as run)."""
    from orch.schedule.exitcode import run_code

    if not args.posargs:
        raise UsageError("orch exec needs a command after --: orch exec -e ENV -- CMD ARGS")
    config = load(args, plugins)
    names = selected(args, config)
    if len(names) != 1:
        raise UsageError(f"orch exec runs in exactly one env; the selection has {len(names)}: {', '.join(names)}")
    runner = _runner(args, plugins, config, _run_options(args, exec_argv=tuple(args.posargs)), exec_mode=True)
    result = runner.run(names[0])
    if runner.interrupted:
        return 130
    if not result.commands:
        runner.console.summary([result], result.duration)
    return run_code([result])  # the command's exit code, as tox exec


def cmd_build(args: argparse.Namespace, plugins: Plugins) -> int:
    """Build what the selected envs need (or one packagedef) and print the artifacts (a broken stdout: as run)."""
    import json

    config = load(args, plugins)
    runner = _runner(args, plugins, config, _run_options(args))
    stage = runner.packages
    assert stage is not None
    built = []  # a BuildError or EnvSetupError is an OrchError: main prints it and exits 1
    if args.packagedef:
        built.append(stage.build(config.packagedef(args.packagedef)))
    else:
        for name in selected(args, config):
            env = config.env(name)
            env_type = plugins.env_types.get(env.env_type)
            interpreter = runner.discovery.find(env.base_python) if env_type.needs_python else None
            cached = stage.artifact_for(env, interpreter)
            if cached is not None and all(c.artifact.path != cached.artifact.path for c in built):
                built.append(cached)
    if args.json:
        print(json.dumps([{**c.provenance, "path": str(c.artifact.path), "reused": c.reused} for c in built], indent=2))
        return 0
    for cached in built:
        how = "reused" if cached.reused else "built"
        print(f"{cached.artifact.kind:<9} {cached.artifact.path}  ({how})")
    if not built:
        print("nothing to build: the selected envs install no package")
    return 0


def envs_use_result_cache(config: Config, names: list[str]) -> bool:
    """Whether an env of ``names`` turns the result cache on with its own ``result_cache``."""
    return any(config.env_error(n) is None and bool(config.env(n).extra.get("result_cache")) for n in names)
