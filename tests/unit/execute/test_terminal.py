"""Commands on a pseudo-terminal, or with the tools' colour variables; logs and tails stay plain."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from orch.execute import Request, execute
from orch.execute.masking import Masker, execute_masked
from orch.execute.terminal import coloured_environ, plain

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

REPORT = """
import json, os, sys
print("\\x1b[31mred\\x1b[0m", json.dumps([sys.stdout.isatty(), sys.stderr.isatty(), os.environ.get("FORCE_COLOR"),
      os.environ.get("PY_COLORS")]))
print("to stderr", file=sys.stderr)
"""


def request(tmp_path: Path, code: str, env: dict[str, str] | None = None, **options: Any) -> Request:
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS")}
    environ.update(env or {})
    return Request((sys.executable, "-c", textwrap.dedent(code)), tmp_path, environ, **options)


def test_plain_strips_terminal_escapes() -> None:
    assert plain(b"\x1b[1m\x1b[31mred\x1b[0m \x1b]0;title\x07ok\x1b[2K\n") == b"red ok\n"
    text = b"no escapes at all \xff\n"
    assert plain(text) is text


def test_colour_variables_yield_to_the_users() -> None:
    assert coloured_environ({"PATH": "/bin"}) == {"PATH": "/bin", "FORCE_COLOR": "1", "PY_COLORS": "1"}
    for said in ({"NO_COLOR": "1"}, {"FORCE_COLOR": "0"}, {"PY_COLORS": "0"}):
        assert coloured_environ(said) == said


@posix_only
def test_a_tty_request_runs_on_a_pseudo_terminal(tmp_path: Path) -> None:
    lines: list[bytes] = []
    log = tmp_path / "out.log"
    outcome = execute(request(tmp_path, REPORT, tty=True, log=log, on_output=lines.append))
    assert outcome.ok
    assert lines[0] == b"\x1b[31mred\x1b[0m [true, true, null, null]\n"  # colours through, no \r\n
    assert lines[1] == b"to stderr\n"  # stdout and stderr on one terminal, in order
    assert log.read_bytes() == b"red [true, true, null, null]\nto stderr\n"
    assert outcome.tail == log.read_bytes()


@posix_only
def test_a_pseudo_terminal_gives_all_the_output(tmp_path: Path) -> None:
    """More than a pty's buffer, with the process gone before it is all read: nothing is lost."""
    code = "import sys; sys.stdout.write(''.join(f'line {i}\\n' for i in range(20000)))"
    lines: list[bytes] = []
    outcome = execute(request(tmp_path, code, tty=True, on_output=lines.append))
    assert outcome.ok
    assert len(lines) == 20000 and lines[-1] == b"line 19999\n"


def test_a_colour_request_gets_the_variables_and_a_pipe(tmp_path: Path) -> None:
    lines: list[bytes] = []
    log = tmp_path / "out.log"
    execute_masked(request(tmp_path, REPORT, colour=True, log=log, on_output=lines.append), Masker.from_environ({}))
    assert lines[0] == b'\x1b[31mred\x1b[0m [false, false, "1", "1"]\n'
    assert log.read_bytes() == b'red [false, false, "1", "1"]\nto stderr\n'


def test_the_users_colour_setting_wins(tmp_path: Path) -> None:
    lines: list[bytes] = []
    execute(request(tmp_path, REPORT, {"NO_COLOR": "1"}, colour=True, on_output=lines.append))
    assert lines[0].endswith(b"[false, false, null, null]\n")


def test_without_either_nothing_changes(tmp_path: Path) -> None:
    lines: list[bytes] = []
    outcome = execute(request(tmp_path, REPORT, on_output=lines.append))
    assert lines[0].endswith(b"[false, false, null, null]\n")
    assert outcome.tail.startswith(b"red [")  # the tail is plain, as the log
