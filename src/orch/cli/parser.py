"""The argparse tree. Every subcommand inherits the common options; plugins add theirs."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from orch import __version__
from orch.cli.formatter import RawDescriptionHelpFormatter
from orch.cli.options import (
    COMMANDS,
    OrchArgumentParser,
    _python_option,
    common_options,
    legacy_options,
    run_options,
    selection_options,
    shard_options,
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


if TYPE_CHECKING:
    _SubParsers = argparse._SubParsersAction[OrchArgumentParser]
else:
    _SubParsers = argparse._SubParsersAction


class _Parsers(Mapping[str, OrchArgumentParser]):
    """The commands' parsers by name and alias, each built the first time it is looked up."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # a name or an alias -> the command's name
        self.builders: dict[str, Callable[[], OrchArgumentParser]] = {}
        self.built: dict[str, OrchArgumentParser] = {}
        self.on_build: list[Callable[[OrchArgumentParser], None]] = []

    def __getitem__(self, name: str) -> OrchArgumentParser:
        command = self.names[name]
        if command not in self.built:
            self.built[command] = parser = self.builders[command]()
            for call in self.on_build:
                call(parser)
        return self.built[command]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.names


class Commands(_SubParsers):
    """The commands (argparse's subparsers), each one's parser built only when it parses its arguments or
    shows its help: ``orch list`` builds one of fifteen, a few ms less at every start."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # argparse passes them through
        self._parsers = _Parsers()
        # argparse reads these two as a mapping: `in`, iteration, [name]
        self.choices = self._name_parser_map = self._parsers  # type: ignore[assignment]

    def command(
        self, name: str, build: Callable[[str], OrchArgumentParser], *, aliases: Sequence[str], help: str
    ) -> None:
        """Add the command ``name``; ``build(prog)`` makes its parser when it is first needed."""
        self._choices_actions.append(self._ChoicesPseudoAction(name, list(aliases), help))
        for each in (name, *aliases):
            self._parsers.names[each] = name
        self._parsers.builders[name] = functools.partial(build, f"{self._prog_prefix} {name}")

    def each_parser(self, call: Callable[[OrchArgumentParser], None]) -> None:
        """``call`` with every command's parser: now with those built, the others when they are built."""
        for parser in list(self._parsers.built.values()):
            call(parser)
        self._parsers.on_build.append(call)


AddOptions = Callable[[argparse.ArgumentParser], None]


class _Inherited:
    """The option groups the commands inherit (without defaults, see :func:`orch.cli.options._default`), each
    added straight to a command's parser: no parser of its own to copy from (argparse's ``parents``), which cost
    every start the making of 3 more parsers."""

    def __init__(self, add_plugin_options: AddOptions | None) -> None:
        self._add_plugin_options = add_plugin_options

    def common(self, parser: argparse.ArgumentParser) -> None:
        common_options(parser, inherited=True)
        if self._add_plugin_options is not None:
            self._add_plugin_options(parser)

    @staticmethod
    def selection(parser: argparse.ArgumentParser) -> None:
        selection_options(parser, inherited=True)

    @staticmethod
    def running(parser: argparse.ArgumentParser) -> None:
        run_options(parser, inherited=True)

    @staticmethod
    def shard(parser: argparse.ArgumentParser) -> None:
        shard_options(parser, inherited=True)


def _command(prog: str, *groups: AddOptions, **kwargs: Any) -> OrchArgumentParser:
    """A command's parser with the option groups it inherits, in order, before its own options (as ``parents``)."""
    parser = OrchArgumentParser(prog=prog, **kwargs)
    for add in groups:
        add(parser)
    return parser


def build_parser(add_plugin_options: AddOptions | None = None) -> OrchArgumentParser:
    parser = OrchArgumentParser(
        prog="orch",
        description="A tox-compatible orchestrator of test environments and packages: type `orch` where you "
        "typed `tox`. Without a command, `orch` runs the default envs (as `orch run`).",
        epilog=DIFFERENCES,
        formatter_class=RawDescriptionHelpFormatter,
    )
    common_options(parser, inherited=False)
    if add_plugin_options is not None:
        add_plugin_options(parser)
    selection_options(parser, inherited=False)
    run_options(parser, inherited=False)
    shard_options(parser, inherited=False)
    parser.add_argument("--version", action="version", version=f"orch {__version__}")
    parser.add_argument("-n", "--notest", action="store_true", help="set the envs up, run no commands")
    legacy_options(parser)
    sub = cast("Commands", parser.add_subparsers(dest="command", metavar="COMMAND", action=Commands))
    inherited = _Inherited(add_plugin_options)
    for name, aliases, what, build in COMMAND_PARSERS:
        sub.command(name, functools.partial(build, inherited=inherited), aliases=aliases, help=what)
    return parser


def _run(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_run = _command(
        prog,
        inherited.common,
        inherited.selection,
        inherited.running,
        inherited.shard,
        epilog=EXIT_CODES,
        formatter_class=RawDescriptionHelpFormatter,
    )
    p_run.add_argument(
        "-n", "--notest", action="store_true", default=argparse.SUPPRESS, help="set the envs up, run no commands"
    )
    return p_run


def _exec(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_exec = _command(
        prog,
        inherited.common,
        inherited.selection,
        inherited.running,
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
    return p_exec


def _build(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_build = _command(prog, inherited.common, inherited.selection, inherited.running)
    p_build.add_argument("--packagedef", metavar="NAME", help="build this packagedef instead")
    p_build.add_argument("--json", action="store_true", help="the artifacts with their provenance, as JSON")
    return p_build


def _list(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_list = _command(prog, inherited.common, inherited.selection)
    p_list.add_argument("-a", "--all", action="store_true", help="every env the config defines, not only defaults")
    p_list.add_argument("-d", dest="default_only", action="store_true", help="only the default envs (as without -a)")
    p_list.add_argument("--no-desc", action="store_true", help="names only")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")
    return p_list


def _config(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_config = _command(prog, inherited.common, inherited.selection)
    p_config.add_argument("-k", "--keys", nargs="+", metavar="KEY", help="only these keys")
    p_config.add_argument("--format", choices=("ini", "json", "toml"), default="ini", help="output format")
    p_config.add_argument("--core", action="store_true", help="also show the core section")
    p_config.add_argument("-o", "--output-file", metavar="FILE", help="write to FILE instead of stdout")
    return p_config


def _convert(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_convert = _command(prog, inherited.common)
    p_convert.add_argument("source", nargs="?", default="tox.ini", help="the ini file (default: tox.ini)")
    p_convert.add_argument(
        "--to",
        default="pyproject.toml",
        metavar="FILE",
        help="pyproject.toml ([tool.orch], keeping the rest of the file) or orch.toml",
    )
    p_convert.add_argument("--force", action="store_true", help="replace an existing [tool.orch] / orch.toml")
    return p_convert


def _matrix(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_matrix = _command(prog, inherited.common, inherited.selection)
    p_matrix.add_argument(
        "--format",
        choices=("github", "gitlab", "json"),
        default="github",
        help='github: a strategy.matrix (YAML); gitlab: a parallel:matrix (YAML); json: {"include": [...]} '
        "on one line, for fromJSON (default: github)",
    )
    _python_option(p_matrix)
    return p_matrix


def _ci(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_ci = _command(prog, inherited.common, inherited.selection)
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
    return p_ci


def _cache(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_cache = _command(prog, inherited.common)
    p_cache.add_argument("action", choices=("list", "show", "clear"), help="list entries, show one, or clear")
    p_cache.add_argument("key", nargs="?", metavar="KEY", help="show: the entry's key (a unique prefix is enough)")
    p_cache.add_argument("--env", metavar="ENV", help="list, clear: only the entries of this env")
    p_cache.add_argument("--json", action="store_true", help="list, show: machine-readable output")
    return p_cache


def _devenv(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_devenv = _command(prog, inherited.common, inherited.selection, inherited.running)
    p_devenv.add_argument("path", nargs="?", default="venv", help="where the env goes (default: venv)")
    return p_devenv


def _depends(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    return _command(prog, inherited.common, inherited.selection)


def _quickstart(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_quick = _command(prog, inherited.common)
    p_quick.add_argument("root", nargs="?", default=".", help="the folder to write it in (default: .)")
    p_quick.add_argument(
        "--format", choices=("ini", "toml"), default="ini", help="tox.ini (default) or tox.toml; never overwrites"
    )
    return p_quick


def _schema(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_schema = _command(prog, inherited.common)
    p_schema.add_argument("-o", "--output-file", metavar="FILE", help="write to FILE instead of stdout")
    return p_schema


def _legacy(prog: str, inherited: _Inherited) -> OrchArgumentParser:
    p_legacy = _command(prog, inherited.common, inherited.selection, inherited.running)
    p_legacy.add_argument("-n", "--notest", action="store_true", help="set the envs up, run no commands")
    legacy_options(p_legacy)
    return p_legacy


COMMAND_PARSERS: tuple[tuple[str, tuple[str, ...], str, Callable[..., OrchArgumentParser]], ...] = (
    ("run", ("r",), "run envs (the default)", _run),
    (
        "run-parallel",
        ("p",),
        "run envs in parallel: orch run with -p auto unless -p is given (tox's run-parallel)",
        _run,
    ),
    ("exec", ("e",), "run a command in one env: orch exec -e ENV -- CMD ARGS", _exec),
    ("build", (), "build the packages the selected envs need", _build),
    ("list", ("l",), "list envs", _list),
    ("config", ("c",), "show resolved config values", _config),
    ("convert", (), "write a tox.ini's config as TOML", _convert),
    ("matrix", (), "the selected envs as a CI matrix (GitHub Actions, GitLab, JSON)", _matrix),
    ("ci", (), "a CI workflow running each selected env as one job of a matrix", _ci),
    ("cache", (), "the result cache: list, show or clear stored passes", _cache),
    (
        "devenv",
        ("d",),
        "set up a development env at PATH, the package installed editable: orch devenv -e py311 venv",
        _devenv,
    ),
    ("depends", ("de",), "the selected envs' run order and their depends", _depends),
    ("quickstart", ("q",), "write a minimal tox.ini", _quickstart),
    ("schema", (), "a JSON schema of the config: tox.toml's keys and orch's, from the registry", _schema),
    (
        "legacy",
        ("le",),
        "tox 3's command line: -l, -a, --showconfig, --devenv DIR, -p, --notest... mapped to orch's commands",
        _legacy,
    ),
)
"""Each command: its name, its aliases (tox 4's short names), its line in ``orch --help`` and what builds
its parser (from the program name, ``orch list``, and the option groups it inherits)."""
