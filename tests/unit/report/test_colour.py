"""When orch colours, and how its lines look coloured."""

from __future__ import annotations

import io

import pytest

from orch.report.colour import Palette, wants_colour
from orch.report.console import Console
from orch.schedule.results import CommandResult, EnvResult, EnvStatus


@pytest.mark.parametrize(
    ("environ", "tty", "colored", "expected"),
    [
        ({}, True, None, True),  # a terminal
        ({}, False, None, False),  # a pipe, a file
        ({"TERM": "dumb"}, True, None, False),
        ({"NO_COLOR": "1"}, True, None, False),
        ({"NO_COLOR": ""}, True, None, True),  # empty is unset, as no-color.org says
        ({"FORCE_COLOR": "1"}, False, None, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, None, False),  # NO_COLOR first, as tox
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, False, None, True),
        ({"TTY_COMPATIBLE": "1"}, False, None, True),
        ({"TTY_COMPATIBLE": "0"}, True, None, False),
        ({"NO_COLOR": "1"}, False, "yes", True),  # --colored wins over everything
        ({"FORCE_COLOR": "1"}, True, "no", False),
    ],
)
def test_wants_colour(environ: dict[str, str], tty: bool, colored: str | None, expected: bool) -> None:
    assert wants_colour(environ, tty=tty, colored=colored) is expected


def test_palette_off_is_plain() -> None:
    palette = Palette(False)
    assert palette.env("py") == "py:"
    assert palette.command("commands[0]", "pytest") == "commands[0]> pytest"
    assert palette.status("ok", EnvStatus.OK) == "ok"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_sequential_console_colours_on_a_terminal_only() -> None:
    for stream, coloured in ((Terminal(), True), (io.StringIO(), False)):
        console = Console(stream, environ={})
        assert console.colour is coloured
        assert console.tty is coloured  # a pseudo-terminal for the commands only on orch's terminal
        console.command_start("py", "commands", 0, "pytest")
        console.command_end("py", CommandResult("commands", 0, "pytest", "exited", 1, 0.5))
        console.env_end(EnvResult("py", status=EnvStatus.FAILED, duration=1.0))
        text = stream.getvalue()
        plain = [
            "py: commands[0]> pytest",
            "py: commands[0] exit 1 in 0.50 s",
            "py: failed in 1.00 s",
        ]
        if coloured:
            assert text.splitlines() == [
                "\x1b[1m\x1b[35mpy:\x1b[0m commands[0]\x1b[2m>\x1b[0m \x1b[36mpytest\x1b[0m",
                "\x1b[1m\x1b[35mpy:\x1b[0m \x1b[31mcommands[0] exit 1 in 0.50 s\x1b[0m",
                "\x1b[1m\x1b[35mpy:\x1b[0m \x1b[31mfailed\x1b[0m in 1.00 s",
            ]
        else:
            assert text.splitlines() == plain


def test_colored_no_and_dumb_terminals() -> None:
    assert Console(Terminal(), environ={}, colored="no").colour is False
    dumb = Console(Terminal(), environ={"TERM": "dumb"}, colored="yes")
    assert dumb.colour is True and dumb.tty is False  # coloured lines, but no terminal for the commands
    assert Console(io.StringIO(), environ={"FORCE_COLOR": "1"}).tty is False  # orch's output is no terminal


def test_phase_prints_nothing_in_sequential_runs() -> None:
    stream = io.StringIO()
    console = Console(stream, environ={})
    console.phase("py", "waiting for .pkg[sdist]")
    console.note("py", "installing 3 deps")
    assert stream.getvalue() == "py: installing 3 deps\n"
