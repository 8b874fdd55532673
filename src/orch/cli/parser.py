"""The argparse tree. Every subcommand inherits the common options; plugins add theirs."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import NoReturn

from orch import __version__
from orch.errors import UsageError

COMMANDS = (
    "run",
    "run-parallel",
    "exec",
    "build",
    "list",
    "config",
    "convert",
    "matrix",
    "ci",
    "cache",
    "devenv",
    "depends",
    "quickstart",
    "schema",
    "legacy",
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
MAX_HASH_SEED = 4294967295

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


class OrchArgumentParser(argparse.ArgumentParser):
    """argparse's errors as orch's: one ``error:`` line (exit 2) and a short usage hint, never a usage dump."""

    argv: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument COMMAND: invalid choice:"):
            message = self._unknown_command(message)
        where = "" if self.prog == "orch" else f"{self.prog}: "
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        hint = f"usage: {usage}" if len(usage) <= 100 else f"{self.prog} --help shows the options"
        raise UsageError(f"{where}{message}", hint=hint)

    def _unknown_command(self, message: str) -> str:
        """``orch --hashseed 5``-like slips: name the unknown option rather than the value taken for a command."""
        known = {s for action in self._actions for s in action.option_strings}
        for token in self.argv:
            if token == "--":
                break
            name = token.split("=", 1)[0]
            if not token.startswith("-") or token == "-" or name in known:
                continue
            if name.startswith("--") and any(s.startswith(name) for s in known):
                continue  # an abbreviation argparse accepts
            if not name.startswith("--") and name[:2] in known:
                continue  # -vv, -qq, -rv
            longs = {s.lstrip("-"): s for s in known if s.startswith("--")}
            import difflib  # only for a mistyped option

            close = difflib.get_close_matches(name.lstrip("-"), sorted(longs), n=1, cutoff=0.75)
            return f"unrecognized option {name}" + (f" (did you mean {longs[close[0]]}?)" if close else "")
        choice = message.split("invalid choice:", 1)[1].split("(", 1)[0].strip()
        return f"unknown command {choice} (commands: {', '.join(COMMANDS)})"


def spell_out(argv: Sequence[str]) -> list[str]:
    """A bare ``-p`` (tox's ``-p`` alone: auto) before a command would take the command as its value."""
    out = list(argv)
    names = {*COMMANDS, *ALIASES}
    for at in range(len(out) - 1, -1, -1):
        if out[at] in ("-p", "--parallel") and at + 1 < len(out) and out[at + 1] in names:
            out.insert(at + 1, "auto")
    return out


class _HashSeed(argparse.Action):
    """``--hashseed N`` (1 to 4294967295) or ``notset`` (commands get no PYTHONHASHSEED), as tox 4."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        text = str(values)
        if text == "notset":
            setattr(namespace, self.dest, text)
            return
        try:
            seed = int(text)
        except ValueError:
            seed = 0
        if not 0 < seed <= MAX_HASH_SEED:
            raise argparse.ArgumentError(self, f"{text!r} is not a number from 1 to {MAX_HASH_SEED}, nor notset")
        setattr(namespace, self.dest, seed)


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


def common_parser(*, inherited: bool) -> OrchArgumentParser:
    """The options every command takes, before the command or after it."""
    common = OrchArgumentParser(add_help=False)
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
        "--workdir",
        metavar="DIR",
        default=_default(inherited, None),
        help="where envs live (work_dir; default .tox/.orch)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=_default(inherited, 0),
        help="more of orch's lines: -v setup detail (installer commands and output, why an env is reused or "
        "recreated), -vv also timings and tracebacks; only those before -- count",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=_default(inherited, 0),
        help="fewer of orch's lines: -q failures and the summary, -qq failures only; "
        "the commands' own output is always shown",
    )
    group.add_argument(
        "--root",
        metavar="DIR",
        default=_default(inherited, None),
        help="the project root (tox_root: where commands run, what is packaged; default: the config file's folder)",
    )
    group.add_argument(
        "--colored",
        choices=("yes", "no"),
        default=_default(inherited, None),
        help="colour the output (default: on a terminal, unless NO_COLOR is set or TERM=dumb)",
    )
    group.add_argument(
        "--no-provision",
        nargs="?",
        const=True,
        metavar="REQ_JSON",
        default=_default(inherited, False),
        help="accepted for tox; changes nothing: orch never provisions a tox (requires and min_version only inform)",
    )
    return common


def selection_parser(*, inherited: bool) -> OrchArgumentParser:
    selection = OrchArgumentParser(add_help=False)
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


def run_parser(*, inherited: bool) -> OrchArgumentParser:
    """Options of the commands that set envs up (``run``, ``exec``, and ``orch`` alone)."""
    run = OrchArgumentParser(add_help=False)
    group = run.add_argument_group("running")
    group.add_argument(
        "-r", "--recreate", action="store_true", default=_default(inherited, False), help="create the envs anew"
    )
    group.add_argument(
        "-s",
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
        nargs="?",
        const="auto",
        default=_default(inherited, None),
        help="run envs in parallel: N jobs, auto (CPU count; -p alone), all (no bound); 0: one after another (default)",
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
        "--parallel-live",
        action="store_true",
        default=_default(inherited, False),
        help="in parallel runs, stream each output line prefixed with its env instead of one block per env",
    )
    group.add_argument(
        "--parallel-no-spinner",
        action="store_true",
        default=_default(inherited, False),
        help="accepted for tox; changes nothing: orch's parallel output has no spinner",
    )
    group.add_argument(
        "--hashseed",
        metavar="SEED",
        action=_HashSeed,
        dest="hash_seed",
        default=_default(inherited, None),
        help=f"PYTHONHASHSEED for the commands: 1 to {MAX_HASH_SEED}, or notset (default: $PYTHONHASHSEED, else "
        "random per run, printed)",
    )
    group.add_argument(
        "--develop",
        action="store_true",
        default=_default(inherited, False),
        help="install the package in editable mode in every env (use_develop = true)",
    )
    group.add_argument(
        "--skip-pkg-install",
        action="store_true",
        default=_default(inherited, False),
        help="build and install no package in this run (skip_install = true)",
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
    group.add_argument(
        "--cached",
        action="store_true",
        default=_default(inherited, False),
        help="report an env that passed with exactly these inputs as cached instead of running it (result_cache)",
    )
    group.add_argument(
        "--no-cached",
        action="store_true",
        default=_default(inherited, False),
        help="run every env, whatever result_cache says (wins over --cached)",
    )
    return run


def shard_parser(*, inherited: bool) -> OrchArgumentParser:
    """``--shard K/N`` and ``--durations FILE`` (``orch run`` and ``orch`` alone)."""
    shard = OrchArgumentParser(add_help=False)
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


def legacy_options(parser: argparse.ArgumentParser) -> None:
    """tox 3's options, which ``orch`` alone takes too (tox 4's default command is ``legacy``)."""
    p_legacy = parser.add_argument_group("tox 3's options (orch legacy)")
    p_legacy.add_argument("-l", "--listenvs", dest="list_envs", action="store_true", help="list the default envs")
    p_legacy.add_argument("-a", "--listenvs-all", dest="list_all", action="store_true", help="list every env")
    p_legacy.add_argument("--showconfig", "--help-ini", "--hi", dest="show_config", action="store_true")
    p_legacy.add_argument("--devenv", metavar="ENVDIR", help="set up a development env at ENVDIR (-e: default py)")
    p_legacy.add_argument("--pre", action="store_true", help="install pre-releases (PIP_PRE=1, UV_PRERELEASE=allow)")
    p_legacy.add_argument("--force-dep", metavar="REQ", action="append", default=[], help="replace a dep's pin")
    p_legacy.add_argument("--sitepackages", action="store_true", help="system_site_packages = true in every env")
    p_legacy.add_argument("--alwayscopy", action="store_true", help="accepted; changes nothing in orch")
