"""The argparse tree. Every subcommand inherits the common options; plugins add theirs."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from orch import __version__

COMMANDS = ("run", "run-parallel", "exec", "build", "list", "config", "convert", "matrix", "ci")
ALIASES = {"r": "run", "p": "run-parallel", "e": "exec", "l": "list", "c": "config"}  # tox 4's short names


class _Factors(argparse.Action):
    """``-f a b`` is one AND-group; repeating ``-f`` adds OR-groups (as tox 4)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        groups = list(getattr(namespace, self.dest, None) or [])
        items = [str(v) for v in values] if isinstance(values, (list, tuple)) else [str(values)]
        groups.append([f for item in items for f in item.split(",") if f])
        setattr(namespace, self.dest, groups)


def _default(inherited: bool, value: object) -> object:
    """Subcommands' copies of shared options have no defaults, so they never reset a value given
    before the command (``orch -c x.ini list``)."""
    return argparse.SUPPRESS if inherited else value


def common_parser(*, inherited: bool) -> argparse.ArgumentParser:
    """The options every command takes, before the command or after it."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "-c",
        "--conf",
        metavar="FILE",
        default=_default(inherited, None),
        help="config file or folder (default: search upward)",
    )
    group.add_argument(
        "-x",
        "--override",
        metavar="SECTION.KEY=VALUE",
        action="append",
        default=_default(inherited, []),
        help="override a config value; SECTION.KEY+=VALUE appends a line (repeatable)",
    )
    group.add_argument(
        "--workdir", metavar="DIR", default=_default(inherited, None), help="where envs live (work_dir; default .orch)"
    )
    group.add_argument(
        "-v", "--verbose", action="count", default=_default(inherited, 0), help="more output; -vv shows tracebacks"
    )
    group.add_argument("-q", "--quiet", action="count", default=_default(inherited, 0), help="less output")
    return common


def selection_parser(*, inherited: bool) -> argparse.ArgumentParser:
    selection = argparse.ArgumentParser(add_help=False)
    group = selection.add_argument_group("env selection")
    group.add_argument(
        "-e",
        "--env",
        dest="envs",
        metavar="ENVS",
        action="append",
        default=_default(inherited, None),
        help="comma-separated envs (generative forms allowed), or ALL; env var ORCH_ENV or TOXENV",
    )
    group.add_argument(
        "-m",
        "--labels",
        dest="labels",
        metavar="LABEL",
        nargs="+",
        action="extend",
        default=_default(inherited, None),
        help="envs with any of these labels",
    )
    group.add_argument(
        "-f",
        "--factors",
        dest="factors",
        metavar="FACTOR",
        nargs="+",
        action=_Factors,
        default=_default(inherited, None),
        help="envs having all these factors; repeat -f for OR",
    )
    group.add_argument(
        "--skip-env",
        metavar="REGEX",
        default=_default(inherited, None),
        help="leave out envs matching this regular expression",
    )
    return selection


def run_parser(*, inherited: bool) -> argparse.ArgumentParser:
    """Options of the commands that set envs up (``run``, ``exec``, and ``orch`` alone)."""
    run = argparse.ArgumentParser(add_help=False)
    group = run.add_argument_group("running")
    group.add_argument(
        "-r", "--recreate", action="store_true", default=_default(inherited, False), help="create the envs anew"
    )
    group.add_argument(
        "--skip-missing-interpreters",
        nargs="?",
        const="true",
        choices=("true", "false", "config"),
        default=_default(inherited, "config"),
        help="skip envs whose interpreter is missing instead of failing them (default: the config says)",
    )
    group.add_argument(
        "--discover",
        nargs="+",
        metavar="PATH",
        action="extend",
        default=_default(inherited, []),
        help="interpreters (or folders of them) to consider first",
    )
    group.add_argument(
        "-p",
        "--parallel",
        metavar="N",
        default=_default(inherited, None),
        help="run envs in parallel: N jobs, auto (CPU count), all (no bound); 0: one after another (default)",
    )
    group.add_argument(
        "--fail-fast",
        action="store_true",
        default=_default(inherited, False),
        help="after the first failed env, start no other and stop the running ones",
    )
    group.add_argument(
        "-o",
        "--live",
        action="store_true",
        default=_default(inherited, False),
        help="in parallel runs, stream each output line prefixed with its env instead of one block per env",
    )
    group.add_argument("--result-json", metavar="PATH", default=_default(inherited, None), help="write results as JSON")
    group.add_argument("--junit", metavar="PATH", default=_default(inherited, None), help="write results as JUnit XML")
    group.add_argument(
        "--failed",
        action="store_true",
        default=_default(inherited, False),
        help="run only the envs that failed in the last run",
    )
    group.add_argument(
        "--resume",
        action="store_true",
        default=_default(inherited, False),
        help="continue the last run if it was interrupted, skipping the envs that passed in it",
    )
    group.add_argument(
        "--installpkg",
        metavar="FILE",
        default=_default(inherited, None),
        help="install this wheel or sdist as the project's package instead of building it",
    )
    return run


def shard_parser(*, inherited: bool) -> argparse.ArgumentParser:
    """``--shard K/N`` and ``--durations FILE`` (``orch run`` and ``orch`` alone)."""
    shard = argparse.ArgumentParser(add_help=False)
    group = shard.add_argument_group("sharding (one of N CI jobs)")
    group.add_argument(
        "--shard",
        metavar="K/N",
        default=_default(inherited, None),
        help="run only shard K of N: the selected envs split into N parts of about equal duration",
    )
    group.add_argument(
        "--durations",
        metavar="FILE",
        default=_default(inherited, None),
        help="durations for --shard: a run record or a JSON object env -> seconds (default: every env 1 s)",
    )
    return shard


def _python_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        dest="default_python",
        metavar="VERSION",
        default="3.12",
        help="the Python of envs whose name and config name none, and the one orch runs on in CI (default: 3.12)",
    )


def build_parser(
    add_plugin_options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.ArgumentParser:
    top, common = common_parser(inherited=False), common_parser(inherited=True)
    if add_plugin_options is not None:
        add_plugin_options(top)
        add_plugin_options(common)
    selection, running = selection_parser(inherited=True), run_parser(inherited=True)
    parser = argparse.ArgumentParser(
        prog="orch",
        description="A tox-compatible orchestrator of test environments and packages. "
        "Without a command, `orch` runs the default envs (as `orch run`).",
        parents=[top, selection_parser(inherited=False), run_parser(inherited=False), shard_parser(inherited=False)],
    )
    parser.add_argument("--version", action="version", version=f"orch {__version__}")
    parser.add_argument("--notest", action="store_true", help="set the envs up, run no commands")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for name, alias, what in (
        ("run", "r", "run envs (the default)"),
        ("run-parallel", "p", "run envs in parallel: orch run with -p auto unless -p is given (tox's run-parallel)"),
    ):
        p_run = sub.add_parser(
            name, aliases=[alias], parents=[common, selection, running, shard_parser(inherited=True)], help=what
        )
        p_run.add_argument(
            "--notest", action="store_true", default=argparse.SUPPRESS, help="set the envs up, run no commands"
        )

    sub.add_parser(
        "exec",
        aliases=["e"],
        parents=[common, selection, running],
        help="run a command in one env: orch exec -e ENV -- CMD ARGS",
    )

    p_build = sub.add_parser(
        "build", parents=[common, selection, running], help="build the packages the selected envs need"
    )
    p_build.add_argument("--packagedef", metavar="NAME", help="build this packagedef instead")
    p_build.add_argument("--json", action="store_true", help="the artifacts with their provenance, as JSON")

    p_list = sub.add_parser("list", aliases=["l"], parents=[common, selection], help="list envs")
    p_list.add_argument("-a", "--all", action="store_true", help="every env the config defines, not only defaults")
    p_list.add_argument("--no-desc", action="store_true", help="names only")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")

    p_config = sub.add_parser("config", aliases=["c"], parents=[common, selection], help="show resolved config values")
    p_config.add_argument("-k", "--keys", nargs="+", metavar="KEY", help="only these keys")
    p_config.add_argument("--format", choices=("ini", "json", "toml"), default="ini", help="output format")
    p_config.add_argument("--core", action="store_true", help="also show the core section")

    p_convert = sub.add_parser("convert", parents=[common], help="write a tox.ini's config as TOML")
    p_convert.add_argument("source", nargs="?", default="tox.ini", help="the ini file (default: tox.ini)")
    p_convert.add_argument(
        "--to",
        default="pyproject.toml",
        metavar="FILE",
        help="pyproject.toml ([tool.orch], keeping the rest of the file) or orch.toml",
    )
    p_convert.add_argument("--force", action="store_true", help="replace an existing [tool.orch] / orch.toml")

    p_matrix = sub.add_parser(
        "matrix", parents=[common, selection], help="the selected envs as a CI matrix (GitHub Actions, GitLab, JSON)"
    )
    p_matrix.add_argument(
        "--format",
        choices=("github", "gitlab", "json"),
        default="github",
        help='github: a strategy.matrix (YAML); gitlab: a parallel:matrix (YAML); json: {"include": [...]} '
        "on one line, for fromJSON (default: github)",
    )
    _python_option(p_matrix)

    p_ci = sub.add_parser(
        "ci", parents=[common, selection], help="a CI workflow running each selected env as one job of a matrix"
    )
    p_ci.add_argument(
        "system", choices=("github", "gitlab"), help="github: .github/workflows/orch.yml; gitlab: .gitlab-ci.yml"
    )
    p_ci.add_argument(
        "--write", action="store_true", help="write the file (at the repository's root) instead of printing it"
    )
    p_ci.add_argument("--force", action="store_true", help="with --write, replace an existing file")
    p_ci.add_argument(
        "--install",
        metavar="COMMAND",
        default="python -m pip install orch",
        help="how each job installs orch (default: python -m pip install orch); pin a version or use a checkout",
    )
    _python_option(p_ci)
    return parser
