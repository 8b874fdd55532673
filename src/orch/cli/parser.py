"""The argparse tree. Every subcommand inherits the common options; plugins add theirs."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from orch import __version__

COMMANDS = ("list", "config", "convert")
ALIASES = {"l": "list", "c": "config"}


class _Factors(argparse.Action):
    """``-f a b`` is one AND-group; repeating ``-f`` adds OR-groups (as tox 4)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        groups = list(getattr(namespace, self.dest) or [])
        items = [str(v) for v in values] if isinstance(values, (list, tuple)) else [str(values)]
        groups.append([f for item in items for f in item.split(",") if f])
        setattr(namespace, self.dest, groups)


def common_parser(*, inherited: bool) -> argparse.ArgumentParser:
    """The options every command takes, before the command (``orch -c x.ini list``) or after it.

    The subcommands' copies (``inherited``) have no defaults, so they never reset a value that was
    given before the command.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if inherited else value

    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "-c", "--conf", metavar="FILE", default=default(None), help="config file or folder (default: search upward)"
    )
    group.add_argument(
        "-x",
        "--override",
        metavar="SECTION.KEY=VALUE",
        action="append",
        default=default([]),
        help="override a config value; SECTION.KEY+=VALUE appends a line (repeatable)",
    )
    group.add_argument("-v", "--verbose", action="count", default=default(0), help="more output; -vv shows tracebacks")
    group.add_argument("-q", "--quiet", action="count", default=default(0), help="less output")
    return common


def selection_parser() -> argparse.ArgumentParser:
    selection = argparse.ArgumentParser(add_help=False)
    group = selection.add_argument_group("env selection")
    group.add_argument(
        "-e",
        "--env",
        dest="envs",
        metavar="ENVS",
        action="append",
        help="comma-separated envs (generative forms allowed), or ALL; env var ORCH_ENV or TOXENV",
    )
    group.add_argument(
        "-m",
        "--labels",
        dest="labels",
        metavar="LABEL",
        nargs="+",
        action="extend",
        help="envs with any of these labels",
    )
    group.add_argument(
        "-f",
        "--factors",
        dest="factors",
        metavar="FACTOR",
        nargs="+",
        action=_Factors,
        help="envs having all these factors; repeat -f for OR",
    )
    group.add_argument("--skip-env", metavar="REGEX", help="leave out envs matching this regular expression")
    return selection


def build_parser(
    add_plugin_options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.ArgumentParser:
    top, common = common_parser(inherited=False), common_parser(inherited=True)
    if add_plugin_options is not None:
        add_plugin_options(top)
        add_plugin_options(common)
    selection = selection_parser()
    parser = argparse.ArgumentParser(
        prog="orch",
        description="A tox-compatible orchestrator of test environments and packages.",
        parents=[top],
    )
    parser.add_argument("--version", action="version", version=f"orch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_list = sub.add_parser("list", aliases=["l"], parents=[common, selection], help="list envs")
    p_list.add_argument("-a", "--all", action="store_true", help="every env the config defines, not only defaults")
    p_list.add_argument("--no-desc", action="store_true", help="names only")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")

    p_config = sub.add_parser("config", aliases=["c"], parents=[common, selection], help="show resolved config values")
    p_config.add_argument("-k", "--keys", nargs="+", metavar="KEY", help="only these keys")
    p_config.add_argument("--format", choices=("ini", "json", "toml"), default="ini", help="output format")
    p_config.add_argument("--core", action="store_true", help="also show the core section")
    p_config.add_argument("posargs", nargs="*", help="positional arguments after --, for {posargs}")

    p_convert = sub.add_parser("convert", parents=[common], help="write a tox.ini's config as TOML")
    p_convert.add_argument("source", nargs="?", default="tox.ini", help="the ini file (default: tox.ini)")
    p_convert.add_argument(
        "--to",
        default="pyproject.toml",
        metavar="FILE",
        help="pyproject.toml ([tool.orch], keeping the rest of the file) or orch.toml",
    )
    p_convert.add_argument("--force", action="store_true", help="replace an existing [tool.orch] / orch.toml")
    return parser
