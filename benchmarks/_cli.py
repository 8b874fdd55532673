"""The command-line options the benchmark scripts share (stdlib only, Python >= 3.9)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def new_parser(doc: str | None) -> argparse.ArgumentParser:
    """A script's parser, described by the first paragraph of its docstring *doc*."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0] if doc else None)


def add_tool_options(parser: argparse.ArgumentParser, *, tox_uv: bool, commands_in: str | None = None) -> None:
    """Add ``--orch``, ``--tox``, ``--tox-only`` and, with *tox_uv*, ``--tox-uv``.

    Without *tox_uv* (tox alone) ``--tox`` comes first. With *commands_in* (what uses the envs, e.g. ``the
    commands-alone run uses``) also add ``--commands-in``.
    """
    orch_help = "orch executable (default: next to python, or python -m orch)"
    if tox_uv:
        parser.add_argument("--orch", metavar="PATH", help=orch_help)
        parser.add_argument("--tox", metavar="PATH", help="tox executable (default: a cached venv with tox)")
        parser.add_argument(
            "--tox-uv", metavar="PATH", help="tox executable with the tox-uv plugin (default: a cached venv)"
        )
        parser.add_argument("--tox-only", action="store_true", help="measure tox and tox-uv only; no error for orch")
    else:
        parser.add_argument("--tox", metavar="PATH", help="tox executable to use (default: a cached venv with tox)")
        parser.add_argument("--orch", metavar="PATH", help=orch_help)
        parser.add_argument(
            "--tox-only", action="store_true", help="measure tox only; do not treat a missing orch as error"
        )
    if commands_in is not None:
        parser.add_argument(
            "--commands-in",
            choices=("auto", "orch", "tox", "tox-uv"),
            default="auto",
            help=f"whose envs {commands_in} (auto: orch's, else tox's)",
        )


def add_output_options(parser: argparse.ArgumentParser, *, tox_uv: bool, project: str = "project") -> None:
    """Add ``--refresh-tox`` (the cached tox venv; with *tox_uv* the tox-uv one too), ``--keep`` and ``--json``.

    *project* names what ``--keep`` keeps in its help: ``project`` or ``projects``.
    """
    refresh_help = "rebuild the cached tox and tox-uv venvs" if tox_uv else "rebuild the cached tox venv (newest tox)"
    parser.add_argument("--refresh-tox", action="store_true", help=refresh_help)
    parser.add_argument("--keep", action="store_true", help=f"keep the generated {project} and print where")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the results as JSON to PATH")


def add_index_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--index {proxy,local}``: the machine's default index, or a local one with PyPI's headers."""
    parser.add_argument(
        "--index",
        choices=("proxy", "local"),
        default="proxy",
        help="where the tools get packages: proxy (the default: PyPI through this machine's proxy, which drops"
        " Cache-Control) or local (the suite's wheels served on 127.0.0.1 with PyPI's caching headers)",
    )


def check_repeats(parser: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    """Exit with a usage error unless each repeat count in *names* (``None`` = not given) is at least 1."""
    if any(getattr(args, name) is not None and getattr(args, name) < 1 for name in names):
        flags = " and ".join("--" + name.replace("_", "-") for name in names)
        parser.error(f"{flags} must be at least 1")


# --------------------------------------------------------------------------------------------- running a script


def parse_checked(parser: argparse.ArgumentParser, argv: Sequence[str] | None, *repeats: str) -> argparse.Namespace:
    """Parse *argv*; a usage error unless each repeat count in *repeats* is at least 1 (:func:`check_repeats`)."""
    args = parser.parse_args(argv)
    check_repeats(parser, args, *repeats)
    return args
