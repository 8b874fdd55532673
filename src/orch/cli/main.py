"""``orch``: the stages in order. load -> select -> plan -> build -> run -> report.

Each command below uses the stages it needs; ``orch list`` and ``orch config`` stop after select.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from orch.errors import OrchError


def main(argv: Sequence[str] | None = None) -> int:
    """Run orch with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    from orch.cli.parser import ALIASES, build_parser
    from orch.plugin.manager import load_plugins

    args_in = list(sys.argv[1:] if argv is None else argv)
    verbose = sum(a.count("v") for a in args_in if a.startswith("-") and set(a[1:]) == {"v"})
    try:
        plugins = load_plugins()
        parser = build_parser(plugins.add_options)
        posargs: list[str] | None = None
        if "--" in args_in:
            at = args_in.index("--")
            args_in, posargs = args_in[:at], args_in[at + 1 :]
        args = parser.parse_args(args_in)
        args.posargs = posargs
        command = ALIASES.get(args.command, args.command) or "run"  # `orch` alone runs the default envs
        from orch.cli import commands

        handler = getattr(commands, f"cmd_{command.replace('-', '_')}")
        return int(handler(args, plugins))
    except OrchError as exc:
        if verbose >= 2:
            import traceback

            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `orch list | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
