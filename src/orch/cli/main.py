"""``orch``: the stages in order. load -> select -> plan -> build -> run -> report.

Each command below uses the stages it needs; ``orch list`` and ``orch config`` stop after select.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from orch.errors import OrchError

if TYPE_CHECKING:
    import argparse

    from orch.plugin.manager import Plugins

# Each command and the function that runs it, imported only when that command runs: ``orch list``
# loads no run machinery. Every command walks the stages it needs, in order: cmd_run is
# load -> select -> plan -> build (inside each env's turn) -> run -> report.
HANDLERS: dict[str, str] = {
    "run": "orch.cli.run:cmd_run",
    "run-parallel": "orch.cli.run:cmd_run_parallel",
    "exec": "orch.cli.commands:cmd_exec",
    "build": "orch.cli.commands:cmd_build",
    "list": "orch.cli.commands:cmd_list",
    "config": "orch.cli.commands:cmd_config",
    "convert": "orch.cli.commands:cmd_convert",
    "matrix": "orch.cli.ci:cmd_matrix",
    "ci": "orch.cli.ci:cmd_ci",
    "cache": "orch.cli.cache:cache_command",
    "devenv": "orch.cli.tox_commands:cmd_devenv",
    "depends": "orch.cli.tox_commands:cmd_depends",
    "quickstart": "orch.cli.tox_commands:cmd_quickstart",
    "schema": "orch.cli.tox_commands:cmd_schema",
    "legacy": "orch.cli.tox_commands:cmd_legacy",
}
RUNS_ENVS = frozenset({"run", "run-parallel", "exec", "build", "legacy"})  # a broken pipe gets no note
READS_ONLY = frozenset({"list", "config", "depends", "matrix", "schema"})
"""Commands that read the config and print: they start no process and write no run record, so SIGTERM and
SIGHUP end them at once (Python's default) and they install no handler (nor import one: 1.5 ms of a start)."""


def handler(command: str) -> Callable[[argparse.Namespace, Plugins], int]:
    """The function that runs ``command`` (a name of :data:`HANDLERS`)."""
    import importlib

    module, _, function = HANDLERS[command].partition(":")
    found: Callable[[argparse.Namespace, Plugins], int] = getattr(importlib.import_module(module), function)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run orch with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Once the command is known, SIGTERM and SIGHUP stop it like Ctrl-C (see :mod:`orch.execute.signals`),
    unless it only reads (:data:`READS_ONLY`); the exit code is then 128 + the signal's number (143, 129)
    where Ctrl-C gives 130.
    """
    from orch.cli import streams

    runs_envs = [True]  # until the command is known: a broken pipe gets its note

    def announce(guard: streams.Guard) -> bool:
        return runs_envs[0] or streams.quiet_broken_pipe(guard)

    with streams.guarded_streams(announce):
        try:
            code = _main(argv, runs_envs)
        except KeyboardInterrupt:  # one that came outside _main's own handler
            print("interrupted", file=sys.stderr)
            code = 130
        if code != 130:
            return code
        from orch.execute import signals

        return signals.exit_code(code)


def _stop_signals(command: str) -> contextlib.AbstractContextManager[object]:
    """SIGTERM and SIGHUP raise a KeyboardInterrupt while ``command`` runs, unless it only reads."""
    if command in READS_ONLY:
        return contextlib.nullcontext()
    from orch.execute import signals

    return signals.handle_stop_signals()


def _main(argv: Sequence[str] | None, runs_envs: list[bool]) -> int:
    from orch.cli import env_options
    from orch.cli.options import explain_accepted
    from orch.cli.parser import ALIASES, build_parser, spell_out
    from orch.plugin.manager import load_plugins

    args_in = list(sys.argv[1:] if argv is None else argv)
    posargs: list[str] | None = None  # what follows `--` goes to the commands, not to orch
    if "--" in args_in:
        at = args_in.index("--")
        args_in, posargs = args_in[:at], args_in[at + 1 :]
    # only orch's own -v counts: `orch run -- pytest -vv` turns on no traceback of orch's
    verbose = sum(a.count("v") for a in args_in if a.startswith("-") and set(a[1:]) == {"v"}) + args_in.count(
        "--verbose"
    )
    try:
        plugins = load_plugins()
        parser = build_parser(plugins.add_options)
        env_options.apply(parser, os.environ, _warn)  # ORCH_<OPTION>, TOX_<OPTION>
        args_in = spell_out(args_in)
        parser.argv = args_in
        args = parser.parse_args(args_in)
        verbose = getattr(args, "verbose", verbose)
        args.posargs = posargs
        plugins.options = vars(args)  # a plugin's options reach its hooks, backends and builders
        command = ALIASES.get(args.command, args.command) or "legacy"  # `orch` alone: tox's, run unless -l, -a...
        runs_envs[0] = command in RUNS_ENVS
        explain_accepted(args, args_in)
        with _stop_signals(command):
            return int(handler(command)(args, plugins))
    except OrchError as exc:
        if verbose >= 2:
            import traceback

            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM or SIGHUP before or after the envs ran
        print("interrupted", file=sys.stderr)
        return 130


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def run() -> None:
    """Console-script entry point."""
    import gc

    # Start-up makes objects that live as long as orch does (modules, the config): a collection every 700 new
    # ones (the default) frees nothing and costs every command about 4 ms; cycles are still collected.
    gc.set_threshold(20_000, 10, 10)
    leave(main())


def leave(code: int) -> NoReturn:
    """Exit with ``code`` without the interpreter's teardown, which frees every object of every module one
    by one (about 10 ms, a tenth of what orch adds to a warm run of five envs), when nothing is left for it
    to do: no other thread runs, the atexit functions run here, and the streams are flushed here. Otherwise,
    or when a flush fails (the interpreter's own final flush then reports it), as ``sys.exit``."""
    import atexit

    threading = sys.modules.get("threading")  # not imported (orch list): no thread was started
    if threading is not None:
        main_thread = threading.main_thread()
        if any(t is not main_thread and not t.daemon and t.is_alive() for t in threading.enumerate()):
            sys.exit(code)
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)
