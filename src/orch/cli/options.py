"""The option groups of orch's command line: what every command takes, what selects envs, what a
run takes, and tox 3's spellings. :mod:`orch.cli.parser` puts them together into the argparse tree.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from orch.cli.formatter import HelpFormatter
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
MAX_HASH_SEED = 4294967295

ACCEPTED = {  # tox options orch takes and needs nothing for: why, said once when typed
    "--no-provision": "orch never provisions a tox (requires and min_version only inform)",
    "--parallel-no-spinner": "orch's parallel output has no spinner",
    "--alwayscopy": "orch's virtualenvs are created by uv, which copies nothing it can link",
}


def explain_accepted(args: argparse.Namespace, argv: Sequence[str]) -> None:
    """One line on stderr for each option typed that orch accepts for tox and that changes nothing."""
    if getattr(args, "quiet", 0) > 0:
        return
    for option, why in ACCEPTED.items():
        if any(token.split("=", 1)[0] == option for token in argv):
            print(f"orch: {option} changes nothing: {why}", file=sys.stderr)


class OrchArgumentParser(argparse.ArgumentParser):
    """argparse's errors as orch's: one ``error:`` line (exit 2) and a short usage hint, never a usage dump."""

    argv: Sequence[str] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)  # argparse's own imports shutil, at every start
        super().__init__(*args, **kwargs)

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
        for token in self.argv:  # what followed `--` is not in argv
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


def common_options(parser: argparse.ArgumentParser, *, inherited: bool) -> None:
    """The options every command takes, before the command or after it."""
    group = parser.add_argument_group("common options")
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


def selection_options(parser: argparse.ArgumentParser, *, inherited: bool) -> None:
    group = parser.add_argument_group("env selection")
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


def run_options(parser: argparse.ArgumentParser, *, inherited: bool) -> None:
    """Options of the commands that set envs up (``run``, ``exec``, and ``orch`` alone)."""
    group = parser.add_argument_group("running")
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
        help="report an env that passed with exactly these inputs as cached instead of running it "
        "(result_cache; an env whose own result_cache is false still runs)",
    )
    group.add_argument(
        "--no-cached",
        action="store_true",
        default=_default(inherited, False),
        help="run every env, whatever result_cache says (wins over --cached)",
    )


def shard_options(parser: argparse.ArgumentParser, *, inherited: bool) -> None:
    """``--shard K/N`` and ``--durations FILE`` (``orch run`` and ``orch`` alone)."""
    group = parser.add_argument_group("sharding (one of N CI jobs)")
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


def _python_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        dest="default_python",
        metavar="VERSION",
        default="3.12",
        help="the Python of envs whose name and config name none, and the one orch runs on in CI (default: 3.12)",
    )


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
