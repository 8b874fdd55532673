"""The parallel console: result lines, whole output blocks, GitHub groups, colours, the status area."""

from __future__ import annotations

import io
import re
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any, TextIO, cast

import pytest

from orch.report.live import ParallelConsole
from orch.report.summary import package_label, short_interpreter
from orch.schedule.results import CommandResult, EnvResult, EnvStatus

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def console(stream: io.StringIO | None = None, **options: Any) -> tuple[ParallelConsole, io.StringIO]:
    stream = io.StringIO() if stream is None else stream
    options.setdefault("environ", {})
    options.setdefault("is_tty", False)
    return ParallelConsole(stream, **options), stream


def result(
    root: Path, name: str, status: EnvStatus = EnvStatus.OK, message: str = "", log: bytes | None = None
) -> EnvResult:
    log_dir = root / name / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    if log is not None:
        (log_dir / "commands.log").write_bytes(log)
    code = 0 if status is EnvStatus.OK else 1
    return EnvResult(
        name,
        status,
        message,
        duration=0.5,
        log_dir=str(log_dir),
        commands=[CommandResult("commands", 0, "pytest", "exited", code, 0.4)],
    )


# ----------------------------------------------------------------------------------------- plain
def test_plain_lines(tmp_path: Path) -> None:
    view, out = console()
    view.env_start("py311")
    view.note("py311", "CPython 3.11.7 (/usr/bin/python3.11)")
    view.command_start("py311", "commands", 0, "pytest")
    assert view.output_sink("py311") is None
    view.env_end(EnvResult("py311", duration=3.2))
    view.env_end(EnvResult("lint", EnvStatus.SKIPPED, "no interpreter for python3.7"))
    view.env_end(EnvResult("docs", EnvStatus.IGNORED, "commands[0] exit 2", duration=1.0))
    view.error("py312", "boom")
    assert out.getvalue() == (
        "py311: OK (3.20 s)\n"
        "lint: SKIPPED: no interpreter for python3.7\n"
        "docs: IGNORED commands[0] exit 2 (1.00 s)\n"
        "py312: error: boom\n"
    )


def test_failure_block_is_shown(tmp_path: Path) -> None:
    view, out = console()
    view.env_end(result(tmp_path, "py312", EnvStatus.FAILED, "commands[0] exit 1", b"1 failed\nE  assert 0"))
    log = tmp_path / "py312" / "log" / "commands.log"
    assert out.getvalue() == (
        f"----- py312 output ({log}) -----\n"
        "1 failed\n"
        "E  assert 0\n"  # a newline added: the log did not end with one
        "----- end of py312 output -----\n"
        "py312: FAILED commands[0] exit 1 (0.50 s)\n"
    )


def test_timeout_block_is_shown(tmp_path: Path) -> None:
    view, out = console()
    view.env_end(result(tmp_path, "slow", EnvStatus.TIMEOUT, "commands[0] timeout", b"sleeping\n"))
    assert "sleeping\n----- end of slow output -----\nslow: TIMEOUT commands[0] timeout (0.50 s)\n" in out.getvalue()


def test_setup_failure_shows_the_setup_log(tmp_path: Path) -> None:
    failed = EnvResult("py", EnvStatus.FAILED, "could not install deps", log_dir=str(tmp_path))
    (tmp_path / "commands.log").write_text("from an earlier run\n", encoding="utf-8")
    (tmp_path / "setup.log").write_text("ERROR: no matching distribution\n", encoding="utf-8")
    view, out = console()
    view.env_end(failed)
    assert "ERROR: no matching distribution\n" in out.getvalue()
    assert "earlier run" not in out.getvalue()
    assert f"({tmp_path / 'setup.log'})" in out.getvalue()


def test_success_block_only_when_asked(tmp_path: Path) -> None:
    view, out = console()
    view.env_end(result(tmp_path, "py311", log=b"3 passed\n"))
    assert out.getvalue() == "py311: OK (0.50 s)\n"

    view, out = console(show_output=lambda env: env == "py311")
    view.env_end(result(tmp_path, "py311", log=b"3 passed\n"))
    view.env_end(result(tmp_path, "py312", log=b"4 passed\n"))
    assert "3 passed\n" in out.getvalue()
    assert "4 passed" not in out.getvalue()


def test_quiet_keeps_failures(tmp_path: Path) -> None:
    view, out = console(verbosity=-1)
    view.env_end(result(tmp_path, "py311"))
    view.env_end(EnvResult("lint", EnvStatus.SKIPPED, "no python"))
    view.env_end(result(tmp_path, "py312", EnvStatus.FAILED, "commands[0] exit 1", b"boom\n"))
    assert "py311" not in out.getvalue()
    assert "lint" not in out.getvalue()
    assert out.getvalue().endswith("boom\n----- end of py312 output -----\npy312: FAILED commands[0] exit 1 (0.50 s)\n")


class YieldingStream(io.StringIO):
    """Lets other threads run on every write, as a slow terminal would."""

    def write(self, text: str) -> int:
        time.sleep(0)
        return super().write(text)


def test_blocks_do_not_interleave(tmp_path: Path) -> None:
    lines = 20_000
    results = [
        result(tmp_path, name, EnvStatus.FAILED, "commands[0] exit 1", f"{name} line\n".encode() * lines)
        for name in ("envA", "envB")
    ]
    view, out = console(YieldingStream())
    barrier = threading.Barrier(2)

    def finish(done: EnvResult) -> None:
        barrier.wait()
        view.env_end(done)

    threads = [threading.Thread(target=finish, args=(r,)) for r in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    text = out.getvalue()
    for name in ("envA", "envB"):
        start = text.index(f"----- {name} output")
        end = text.index(f"----- end of {name} output -----")
        block = text[text.index("\n", start) + 1 : end]
        assert block == f"{name} line\n" * lines


def test_live_streams_prefixed_lines(tmp_path: Path) -> None:
    view, out = console(live=True)
    view.env_start("py311")
    view.command_start("py311", "commands", 0, "pytest")
    sink = view.output_sink("py311")
    assert sink is not None
    sink(b"collected 3 items\n")
    sink(b"no newline")
    view.command_end("py311", CommandResult("commands", 0, "pytest", "exited", 1, 0.25))
    view.env_end(result(tmp_path, "py311", EnvStatus.FAILED, "commands[0] exit 1", b"collected 3 items\n"))
    assert out.getvalue() == (
        "py311: started\n"
        "py311: commands[0]> pytest\n"
        "py311: collected 3 items\n"
        "py311: no newline\n"
        "py311: commands[0] exit 1 in 0.25 s\n"
        "py311: FAILED commands[0] exit 1 (0.50 s)\n"  # no block: the output went by already
    )


def test_block_bytes_go_to_the_binary_buffer(tmp_path: Path) -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", newline="\n")
    view = ParallelConsole(stream, environ={}, is_tty=False)
    view.env_end(result(tmp_path, "py", EnvStatus.FAILED, "x", "été \xff\n".encode() + b"\xfe\n"))
    stream.flush()
    assert "été \xff\n".encode() + b"\xfe\n----- end of py output -----\n" in raw.getvalue()


# ---------------------------------------------------------------------------------------- GitHub
def test_github_groups_and_errors(tmp_path: Path) -> None:
    view, out = console(environ={"GITHUB_ACTIONS": "true"}, show_output=lambda _env: True)
    view.env_end(result(tmp_path, "py311", log=b"3 passed\n"))
    view.env_end(result(tmp_path, "py312", EnvStatus.FAILED, "commands[0] exit 1, 50% done", b"1 failed\n"))
    log = tmp_path / "py312" / "log" / "commands.log"
    text = out.getvalue()
    assert text.startswith("::group::py311 ok\n----- py311 output")
    assert text.endswith(
        "::group::py312 failed\n"
        f"----- py312 output ({log}) -----\n"
        "1 failed\n"
        "----- end of py312 output -----\n"
        "::endgroup::\n"
        "::error title=py312::commands[0] exit 1, 50%25 done\n"
        "py312: FAILED commands[0] exit 1, 50% done (0.50 s)\n"
    )
    assert text.count("::endgroup::") == 2
    assert text.count("::error") == 1


def test_no_github_commands_elsewhere(tmp_path: Path) -> None:
    view, out = console(environ={"GITHUB_ACTIONS": "false"})
    view.env_end(result(tmp_path, "py312", EnvStatus.FAILED, "commands[0] exit 1", b"1 failed\n"))
    assert "::" not in out.getvalue()


# --------------------------------------------------------------------------------------- colours
@pytest.mark.parametrize(
    ("environ", "is_tty", "coloured"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # an empty NO_COLOR does not count
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_colours(environ: dict[str, str], is_tty: bool, coloured: bool) -> None:
    view, out = console(environ=environ, is_tty=is_tty)
    view.env_end(EnvResult("py311", duration=1.0))
    view.env_end(EnvResult("py312", EnvStatus.FAILED, "commands[0] exit 1", duration=1.0))
    view.env_end(EnvResult("lint", EnvStatus.SKIPPED, "no python"))
    text = out.getvalue()
    if coloured:
        assert "py311: \x1b[32mOK\x1b[0m (1.00 s)\n" in text
        assert "py312: \x1b[31mFAILED\x1b[0m commands[0] exit 1" in text
        assert "lint: \x1b[33mSKIPPED\x1b[0m: no python" in text
    else:
        assert "\x1b" not in text


def test_dumb_terminal_is_plain() -> None:
    view, out = console(environ={"TERM": "dumb"}, is_tty=True, refresh=0.01)
    view.start(2)
    view.env_start("py311")
    time.sleep(0.05)
    view.env_end(EnvResult("py311", duration=1.0))
    view.stop()
    assert out.getvalue() == "py311: OK (1.00 s)\n"


# ----------------------------------------------------------------------------------- big logs
class CountingStream(io.TextIOBase):
    """A text stream that keeps only the number of characters and the end of what it got."""

    def __init__(self) -> None:
        self.count = 0
        self.end = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.count += len(text)
        self.end = (self.end + text)[-200:]
        return len(text)


def test_big_log_is_copied_in_chunks(tmp_path: Path) -> None:
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    line = b"x" * 99 + b"\n"
    megabyte = line * 10_486  # 1,048,600 bytes
    with (log_dir / "commands.log").open("wb") as handle:
        for _ in range(50):
            handle.write(megabyte)
        handle.write(b"the end\n")
    size = (log_dir / "commands.log").stat().st_size
    failed = EnvResult(
        "py",
        EnvStatus.FAILED,
        "commands[0] exit 1",
        log_dir=str(log_dir),
        commands=[CommandResult("commands", 0, "pytest", "exited", 1, 0.4)],
    )
    stream = CountingStream()
    view = ParallelConsole(cast("TextIO", stream), environ={}, is_tty=False)
    tracemalloc.start()
    try:
        view.env_end(failed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024
    assert stream.count > size
    assert stream.end.endswith("the end\n----- end of py output -----\npy: FAILED commands[0] exit 1 (0.00 s)\n")


# -------------------------------------------------------------------------------- status area
def status_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "orch-status"]


def test_status_area(tmp_path: Path) -> None:
    view, out = console(is_tty=True, refresh=0.02)
    view.start(3)
    assert len(status_threads()) == 1
    view.env_start("py311")
    view.env_start("py312")
    view.command_start("py312", "commands", 0, "pytest -x")
    time.sleep(0.1)  # a few redraws
    view.env_end(result(tmp_path, "py311"))
    time.sleep(0.05)
    view.stop()
    assert status_threads() == []
    text = out.getvalue()
    assert re.search(r". py311\s+\d+\.\d s  starting\n", text)
    assert re.search(r". py312\s+\d+\.\d s  commands\[0\]> pytest -x\n", text)
    assert "orch: 0/3 envs done, 2 running, 1 waiting" in text
    assert "orch: 1/3 envs done, 1 running, 1 waiting" in text
    assert "\x1b[3A\x1b[0J" in text  # the area (two envs and the counts) cleared before a redraw
    assert "\x1b[3A\x1b[0Jpy311: \x1b[32mOK\x1b[0m (0.50 s)\n" in text  # printed above the area
    assert text.endswith("\x1b[0J")  # stop() leaves no area behind
    # what remains on screen once the cursor movements are applied: only the result line
    screen: list[str] = []
    for piece in re.split(r"(\r?\x1b\[\d*A\x1b\[0J)", text):
        if match := re.match(r"\r?\x1b\[(\d*)A\x1b\[0J", piece):
            del screen[len(screen) - int(match.group(1)) :]
        else:
            screen.extend(ANSI.sub("", piece).splitlines())
    assert screen == ["py311: OK (0.50 s)"]


def test_status_area_is_terminal_only() -> None:
    view, out = console(refresh=0.01)
    view.start(1)
    assert status_threads() == []
    view.env_start("py311")
    view.stop()
    view.stop()  # twice is fine
    assert out.getvalue() == ""


def test_summary_stops_the_status_area() -> None:
    view, out = console(is_tty=True, refresh=0.01)
    view.start(1)
    view.summary([EnvResult("py311", duration=1.0)], 1.5)
    assert status_threads() == []
    assert out.getvalue().endswith("orch: 1 ok in 1.50 s\n")


# ------------------------------------------------------------------------------------- summary
def test_summary_columns() -> None:
    view, out = console()
    view.summary(
        [
            EnvResult(
                "py312",
                duration=3.2,
                interpreter="CPython 3.12.1 (/usr/bin/python3.12)",
                package={"name": "demo", "version": "1.0", "sha256": "ab"},
            ),
            EnvResult("lint", EnvStatus.FAILED, "commands[0] exit 1", duration=12.25, interpreter="PyPy 3.10.14 (/x)"),
            EnvResult("docs", EnvStatus.SKIPPED, "no python"),
        ],
        16.0,
    )
    assert out.getvalue() == (
        "\n"
        "  env    result   duration  interpreter     package\n"
        "  py312  ok         3.20 s  CPython 3.12.1  demo 1.0\n"
        "  lint   failed    12.25 s  PyPy 3.10.14    -\n"
        "    commands[0] exit 1\n"
        "  docs   skipped    0.00 s  -               -\n"
        "    no python\n"
        "orch: 1 ok, 1 failed, 1 skipped in 16.00 s\n"
    )


def test_summary_of_nothing() -> None:
    view, out = console()
    view.summary([], 0.0)
    assert out.getvalue() == "orch: no env selected\n"


def test_labels() -> None:
    assert short_interpreter("CPython 3.13.0t (/opt/python (copy)/bin/python)") == "CPython 3.13.0t"
    assert short_interpreter("") == ""
    assert package_label({"name": "demo", "version": "2.0"}) == "demo 2.0"
    assert package_label({"artifact": "/dist/demo-2.0.tar.gz"}) == "demo-2.0.tar.gz"
    assert package_label({}) == "-"


# ------------------------------------------------------------------------------------ colours
def test_a_coloured_run_shows_the_coloured_output_and_logs_plain(tmp_path: Path) -> None:
    """When orch colours, the commands colour too; the block shows their colours, the log has none."""
    view, out = console(colored="yes")
    assert view.colour and not view.tty  # captured output: colour variables, no pseudo-terminal
    sink = view.output_sink("py")
    assert sink is not None
    sink(b"\x1b[32mpassed\x1b[0m\n")
    view.env_end(result(tmp_path, "py", EnvStatus.FAILED, "commands[0] exit 1", log=b"passed\n"))
    assert "\x1b[32mpassed\x1b[0m\n----- end of py output -----" in out.getvalue()
    assert view._spools == {}  # the temporary file is closed with the env


def test_an_uncoloured_run_keeps_output_in_the_log_only() -> None:
    view, _ = console(colored="no")
    assert view.output_sink("py") is None
