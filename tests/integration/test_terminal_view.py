"""orch on a real terminal: a pseudo-terminal (pexpect) rendered by a terminal emulator (pyte), so the
tests compare screens as a user sees them, cursor movements and colours applied, not strings."""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX"),
]

SAMPLES = Path(__file__).resolve().parents[1] / "packages"
COLUMNS, LINES = 120, 40
COUNTS = re.compile(r"^orch: (\d+)/(\d+) envs done(?: \((\d+) failed\))?, (\d+) running(?:, (\d+) waiting)?")


@dataclass
class Run:
    screens: list[list[str]]  # the screen each time the output paused, as text
    final: pyte.Screen  # with colours
    exit_code: int


def run_on_terminal(root: Path, *args: str, timeout: float = 300) -> Run:
    """``orch ARGS`` on a terminal of COLUMNS x LINES; the screen each time its output pauses."""
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "GITHUB_"))}
    for key in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS", "TTY_COMPATIBLE"):
        env.pop(key, None)
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(
        sys.executable, ["-m", "orch", *args], cwd=str(root), env=env, dimensions=(LINES, COLUMNS), timeout=timeout
    )
    screens: list[list[str]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stream.feed(child.read_nonblocking(65536, timeout=0.05))
            continue
        except pexpect.TIMEOUT:
            shot = [line.rstrip() for line in screen.display]
            if not screens or shot != screens[-1]:
                screens.append(shot)
        except pexpect.EOF:
            break
    child.close()
    screens.append([line.rstrip() for line in screen.display])
    return Run(screens, screen, child.exitstatus)


def project(root: Path) -> Path:
    (root / "pyproject.toml").write_text((SAMPLES / "setuptools_proj" / "pyproject.toml").read_text())
    (root / "src" / "setuptools_proj").mkdir(parents=True)
    (root / "src" / "setuptools_proj" / "__init__.py").write_text("")
    # a and b run until pkg is done, and a second more: the view goes on after pkg's build and its end
    wait = "import os, time; [time.sleep(0.05) for _ in iter(lambda: os.path.exists('pkg-done'), True)]; time.sleep(1)"
    sleep = f'{sys.executable} -c "{wait}"'
    (root / "tox.ini").write_text(
        "[tox]\nenv_list = pkg, a, b\n"
        f"[testenv]\nenv_type = system\nskip_install = true\ncommands = {sleep}\n"
        f"[testenv:pkg]\nenv_type = virtualenv\nbase_python = {sys.executable}\nskip_install = false\n"
        "commands = python -c \"open('pkg-done', 'w').close()\"\n"
    )
    return root


def test_live_view_rows_and_counts(tmp_path: Path) -> None:
    """A build row ends when the build does; the counts add up to the envs of the run at every redraw."""
    run = run_on_terminal(project(tmp_path), "run", "-p", "auto")
    assert run.exit_code == 0, "\n".join(run.screens[-1])
    counts = [line for screen in run.screens for line in screen if COUNTS.match(line)]
    assert counts, "no status area was drawn"
    for line in counts:
        done, total, _, running, waiting = (int(n or 0) for n in COUNTS.match(line).groups())  # type: ignore[union-attr]
        assert (done + running + waiting, total) == (3, 3), line
    building = [s for s in run.screens if any(re.match(r"^\S \.pkg\[\w+\] ", line) for line in s)]
    assert building, "the build never showed a row"
    after_pkg = [s for s in run.screens if any(line.startswith("pkg: OK") for line in s)]
    with_area = [s for s in after_pkg if any(COUNTS.match(line) for line in s)]
    assert with_area, "the view ended with pkg"
    for screen in with_area:  # pkg passed, so its package was built: no build row is left
        assert not [line for line in screen if ".pkg[" in line and not line.startswith("pkg:")], screen
    final = [line for line in run.screens[-1] if line]
    assert not [line for line in final if COUNTS.match(line)]  # the area is gone at the end
    assert final[-1].startswith("orch: 3 ok in")


def test_sequential_run_is_coloured_and_commands_see_a_terminal(tmp_path: Path) -> None:
    code = "import sys; print('\\x1b[32mgreen\\x1b[0m', sys.stdout.isatty())"
    (tmp_path / "tox.ini").write_text(
        f'[tox]\nenv_list = c\n[testenv:c]\nenv_type = system\ncommands = {sys.executable} -c "{code}"\n'
    )
    run = run_on_terminal(tmp_path, "run", "-e", "c")
    assert run.exit_code == 0
    lines = [line for line in run.screens[-1] if line]
    row = next(i for i, line in enumerate(lines) if line == "green True")  # a terminal: the command colours
    screen_row = run.final.buffer[row]
    assert screen_row[0].fg == "green"
    header = next(i for i, line in enumerate(lines) if line.startswith("c: commands[0]>"))
    assert run.final.buffer[header][0].fg == "magenta" and run.final.buffer[header][0].bold  # as tox
    result = next(i for i, line in enumerate(lines) if line.startswith("c: ok in"))
    assert run.final.buffer[result][3].fg == "green"
    log = (tmp_path / ".tox" / ".orch" / "c" / "log" / "commands.log").read_text()
    assert log == "green True\n"  # the log stays plain


def test_no_color_means_plain_lines_and_a_pipe(tmp_path: Path) -> None:
    code = "import sys; print(sys.stdout.isatty())"
    (tmp_path / "tox.ini").write_text(
        f'[tox]\nenv_list = c\n[testenv:c]\nenv_type = system\ncommands = {sys.executable} -c "{code}"\n'
    )
    run = run_on_terminal(tmp_path, "run", "-e", "c", "--colored", "no")
    lines = [line for line in run.screens[-1] if line]
    assert "False" in lines
    assert all(char.fg == "default" for row in run.final.buffer.values() for char in row.values())
