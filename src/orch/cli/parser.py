"""The argparse tree. Every subcommand inherits the common options; plugins add theirs."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from orch import __version__
from orch.cli.options import (
    COMMANDS,
    OrchArgumentParser,
    _python_option,
    common_parser,
    legacy_options,
    run_parser,
    selection_parser,
    shard_parser,
)

ALIASES = {  # tox 4's short names
    "r": "run",
    "p": "run-parallel",
    "e": "exec",
    "l": "list",
    "c": "config",
    "d": "devenv",
    "de": "depends",
    "q": "quickstart",
    "le": "legacy",
}

DIFFERENCES = """where orch differs from tox:
  - envs live in orch's own work_dir, never in tox's .tox: both tools can share a checkout
  - orch never provisions a tox (requires, min_version): --no-provision is accepted and changes nothing
  - parallel runs show one block per env (or live lines with -o), never a spinner
  - `orch` alone is `tox` alone: the default envs run, and tox 3's -l, -a, --showconfig, --devenv work
  - every option can come from the environment: ORCH_<OPTION>, then TOX_<OPTION> (ORCH_WORKDIR,
    TOX_OVERRIDE=a.b=1;c.d=2, TOX_SKIP_MISSING_INTERPRETERS=true); the command line wins over both
"""


EXIT_CODES = """exit codes (tox's rule, sequential and -p alike):
  0        every env passed, was ignored (ignore_outcome) or skipped; 1 when all were skipped
  N        the one selected env failed: its first failing command's exit code (2: not found,
           128+S: killed by signal S, 1: setup failed or no code)
  1        several envs selected and one or more failed
  N        with --fail-fast (or fail_fast = true): the code of the first failed env, in env order
  2        a usage or configuration error before any env ran
  130      interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP)
"""


def spell_out(argv: Sequence[str]) -> list[str]:
    """A bare ``-p`` (tox's ``-p`` alone: auto) before a command would take the command as its value."""
    out = list(argv)
    names = {*COMMANDS, *ALIASES}
    for at in range(len(out) - 1, -1, -1):
        if out[at] in ("-p", "--parallel") and at + 1 < len(out) and out[at + 1] in names:
            out.insert(at + 1, "auto")
    return out


def build_parser(
    add_plugin_options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> OrchArgumentParser:
    top, common = common_parser(inherited=False), common_parser(inherited=True)
    if add_plugin_options is not None:
        add_plugin_options(top)
        add_plugin_options(common)
    selection, running = selection_parser(inherited=True), run_parser(inherited=True)
    parser = OrchArgumentParser(
        prog="orch",
        description="A tox-compatible orchestrator of test environments and packages: type `orch` where you "
        "typed `tox`. Without a command, `orch` runs the default envs (as `orch run`).",
        epilog=DIFFERENCES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[top, selection_parser(inherited=False), run_parser(inherited=False), shard_parser(inherited=False)],
    )
    parser.add_argument("--version", action="version", version=f"orch {__version__}")
    parser.add_argument("-n", "--notest", action="store_true", help="set the envs up, run no commands")
    legacy_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for name, alias, what in (
        ("run", "r", "run envs (the default)"),
        ("run-parallel", "p", "run envs in parallel: orch run with -p auto unless -p is given (tox's run-parallel)"),
    ):
        p_run = sub.add_parser(
            name,
            aliases=[alias],
            parents=[common, selection, running, shard_parser(inherited=True)],
            help=what,
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p_run.add_argument(
            "-n", "--notest", action="store_true", default=argparse.SUPPRESS, help="set the envs up, run no commands"
        )

    p_exec = sub.add_parser(
        "exec",
        aliases=["e"],
        parents=[common, selection, running],
        help="run a command in one env: orch exec -e ENV -- CMD ARGS",
        description="Run a command in one env, created or reused with its deps but, as tox exec, without "
        "building or installing the project's package (--install or --installpkg FILE installs one). Only the "
        "command's output goes to stdout, orch's lines to stderr; the exit code is the command's.",
    )
    p_exec.add_argument(
        "--install",
        action="store_true",
        default=False,
        help="build and install the project's package first, as orch run does (tox exec never does)",
    )

    p_build = sub.add_parser(
        "build", parents=[common, selection, running], help="build the packages the selected envs need"
    )
    p_build.add_argument("--packagedef", metavar="NAME", help="build this packagedef instead")
    p_build.add_argument("--json", action="store_true", help="the artifacts with their provenance, as JSON")

    p_list = sub.add_parser("list", aliases=["l"], parents=[common, selection], help="list envs")
    p_list.add_argument("-a", "--all", action="store_true", help="every env the config defines, not only defaults")
    p_list.add_argument("-d", dest="default_only", action="store_true", help="only the default envs (as without -a)")
    p_list.add_argument("--no-desc", action="store_true", help="names only")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")

    p_config = sub.add_parser("config", aliases=["c"], parents=[common, selection], help="show resolved config values")
    p_config.add_argument("-k", "--keys", nargs="+", metavar="KEY", help="only these keys")
    p_config.add_argument("--format", choices=("ini", "json", "toml"), default="ini", help="output format")
    p_config.add_argument("--core", action="store_true", help="also show the core section")
    p_config.add_argument("-o", "--output-file", metavar="FILE", help="write to FILE instead of stdout")

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
        metavar="SPEC",
        help="what each job installs orch from: a path (.), a git URL (git+https://...@REF), an index URL "
        "(this version from that index) or a requirement (default: orch-tox==VERSION, this version from PyPI)",
    )
    p_ci.add_argument(
        "--cached",
        action="store_true",
        help="each job runs orch run --cached and saves and restores the result cache (also when result_cache = true)",
    )
    _python_option(p_ci)

    p_cache = sub.add_parser("cache", parents=[common], help="the result cache: list, show or clear stored passes")
    p_cache.add_argument("action", choices=("list", "show", "clear"), help="list entries, show one, or clear")
    p_cache.add_argument("key", nargs="?", metavar="KEY", help="show: the entry's key (a unique prefix is enough)")
    p_cache.add_argument("--env", metavar="ENV", help="list, clear: only the entries of this env")
    p_cache.add_argument("--json", action="store_true", help="list, show: machine-readable output")
    _tox_commands(sub, common, selection, running)
    return parser


def _tox_commands(
    sub: argparse._SubParsersAction[OrchArgumentParser],
    common: OrchArgumentParser,
    selection: OrchArgumentParser,
    running: OrchArgumentParser,
) -> None:
    """tox 4's other commands: devenv, depends, quickstart, schema and legacy (tox 3's command line)."""
    p_devenv = sub.add_parser(
        "devenv",
        aliases=["d"],
        parents=[common, selection, running],
        help="set up a development env at PATH, the package installed editable: orch devenv -e py311 venv",
    )
    p_devenv.add_argument("path", nargs="?", default="venv", help="where the env goes (default: venv)")

    sub.add_parser(
        "depends", aliases=["de"], parents=[common, selection], help="the selected envs' run order and their depends"
    )

    p_quick = sub.add_parser("quickstart", aliases=["q"], parents=[common], help="write a minimal tox.ini")
    p_quick.add_argument("root", nargs="?", default=".", help="the folder to write it in (default: .)")
    p_quick.add_argument(
        "--format", choices=("ini", "toml"), default="ini", help="tox.ini (default) or tox.toml; never overwrites"
    )

    p_schema = sub.add_parser(
        "schema", parents=[common], help="a JSON schema of the config: tox.toml's keys and orch's, from the registry"
    )
    p_schema.add_argument("-o", "--output-file", metavar="FILE", help="write to FILE instead of stdout")

    p_legacy = sub.add_parser(
        "legacy",
        aliases=["le"],
        parents=[common, selection, running],
        help="tox 3's command line: -l, -a, --showconfig, --devenv DIR, -p, --notest... mapped to orch's commands",
    )
    p_legacy.add_argument("-n", "--notest", action="store_true", help="set the envs up, run no commands")
    legacy_options(p_legacy)
