"""The table of commands: every command the parser knows has a handler, each one imports, and ``orch list``
builds and imports only what it needs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from orch.cli.main import HANDLERS, READS_ONLY, RUNS_ENVS, handler
from orch.cli.parser import ALIASES, COMMANDS, Commands, build_parser


def test_every_command_has_a_handler() -> None:
    assert set(HANDLERS) == set(COMMANDS)
    assert set(ALIASES.values()) <= set(HANDLERS)
    assert set(HANDLERS) >= RUNS_ENVS | READS_ONLY
    assert not RUNS_ENVS & READS_ONLY  # a command that runs envs handles SIGTERM and SIGHUP


@pytest.mark.parametrize("command", COMMANDS)
def test_each_handler_imports(command: str) -> None:
    assert callable(handler(command))


def test_a_command_builds_only_its_own_parser() -> None:
    parser = build_parser()
    assert parser.parse_args(["l", "--no-desc"]).no_desc
    commands = next(a for a in parser._actions if isinstance(a, Commands))
    assert list(commands._parsers.built) == ["list"]  # not the fourteen other commands' options
    assert "usage: orch list" in commands.choices["list"].format_usage()
    assert commands.choices["l"] is commands.choices["list"]


def _probe(folder: Path, code: str) -> list[str]:
    """The lines ``code`` prints, run by a fresh interpreter in ``folder``."""
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_orch_list_imports_no_run_machinery(tmp_path: Path) -> None:
    """What ``orch list`` leaves unimported: the run, its processes, the envs, builders, reports and JSON."""
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = a, b\n[testenv]\ndescription = d\n", encoding="utf-8")
    probe = (
        "import sys\n"
        "from orch.cli.main import main\n"
        "code = main(['list'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('orch.', 'json', 'subprocess', 'dataclasses', "
        "'concurrent', 'tomllib', 'zipfile', 'logging'))))\n"
    )
    out = _probe(tmp_path, probe)
    assert out[:3] == ["default environments:", "a -> d", "b -> d"]
    imported = ast.literal_eval(out[3])
    unused = ("orch.cli.run", "orch.execute.run", "orch.schedule", "orch.report", "orch.envs", "orch.builders")
    assert [m for m in imported if m.startswith(unused)] == []
    assert [m for m in imported if not m.startswith("orch.")] == []


def test_orch_list_starts_without_the_modules_only_other_commands_need(tmp_path: Path) -> None:
    """Issue 15: ``orch list`` (through ``run()``, as the console script, up to its exit) leaves unimported what
    only running or other configs need: the stop-signal handler and threads (SIGTERM may end a command that
    only reads), shutil (argparse's default help width), shlex (commands), sysconfig (no value here has a factor
    condition), the utf-8-sig codec."""
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = a\n[testenv]\ndescription = d\n", encoding="utf-8")
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(sys.modules)))\n"
        "sys.argv = ['orch', 'list']\n"
        "from orch.cli.main import run\n"
        "run()\n"
    )
    out = _probe(tmp_path, probe)
    assert out[:2] == ["default environments:", "a -> d"]
    imported = set(ast.literal_eval(out[2]))
    unneeded = {
        "orch.execute.signals",  # SIGTERM and SIGHUP handled only for the commands that start processes
        "orch.execute.request",  # the package imports its types at their first use
        "signal",
        "threading",
        "shutil",  # argparse's help formatter asks the terminal's width without it
        "zlib",
        "bz2",
        "lzma",
        "shlex",  # splitting and showing commands
        "sysconfig",  # the machine's ISA factor, computed only for a value with a factor condition
        "encodings.utf_8_sig",  # a config's BOM is dropped after a UTF-8 read
        "subprocess",
        "json",
        "concurrent.futures",
        "dataclasses",
    }
    assert sorted(imported & unneeded) == []
