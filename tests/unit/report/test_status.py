"""The live view's status area: rows for envs and builds, counts that add up."""

from __future__ import annotations

from orch.report.status import ASCII_SPINNER, SPINNER, StatusArea, spinner_for


def area() -> StatusArea:
    return StatusArea(total=7, begun=0.0)


def test_counts_are_of_envs_and_add_up() -> None:
    status = area()
    status.doing(".pkg[sdist]", "building the sdist", now=0.0)
    for name in ("a", "b", "c"):
        status.doing(name, "starting", now=0.0)
    status.finished("a", failed=True)
    assert status.counts(1.0) == "orch: 1/7 envs done (1 failed), 2 running, 4 waiting; 1 build (1.0 s)"
    for name in ("b", "c"):
        status.finished(name, failed=False)
    for name in "defg":
        status.doing(name, "starting", now=1.0)
        status.finished(name, failed=False)
    assert status.counts(2.0) == "orch: 7/7 envs done (1 failed), 0 running; 1 build (2.0 s)"


def test_a_build_row_ends_with_the_build() -> None:
    status = area()
    status.doing(".pkg[sdist]", "building the sdist with setuptools.build_meta", now=0.0)
    status.doing(".pkg[sdist]", "building the wheel from the sdist with setuptools.build_meta", now=0.5)
    status.doing("py311", "waiting for .pkg[sdist]", now=0.5)
    assert [line.split()[1] for line in status.lines(100, 24, now=1.0)[:-1]] == [".pkg[sdist]", "py311"]
    status.doing(".pkg[sdist]", "built pkg-1.0-py3-none-any.whl", now=1.0)
    assert [line.split()[1] for line in status.lines(100, 24, now=1.0)[:-1]] == ["py311"]
    status.doing(".pkg[wheel]", "building a wheel", now=1.0)
    status.doing(".pkg[wheel]", "build failed", now=1.5)
    assert status.builds == {}


def test_rows_turn_and_show_a_slow_step() -> None:
    status = area()
    status.doing("py311", "CPython 3.11", now=0.0)
    status.doing("py311", "installing 3 deps", now=1.0)
    first = status.lines(100, 24, now=2.0)[0]
    assert first == f"{SPINNER[0]} py311     2.0 s  installing 3 deps"  # the step is young: no time of its own
    status.tick += 1
    assert status.lines(100, 24, now=9.0)[0] == f"{SPINNER[1]} py311     9.0 s  installing 3 deps (8 s)"


def test_rows_fit_the_terminal() -> None:
    status = area()
    for index in range(10):
        status.doing(f"env{index}", "x" * 200, now=0.0)
    lines = status.lines(40, 6, now=1.0)
    assert len(lines) == 4  # height - 2: two rows, "... and 8 more", the counts
    assert lines[2] == "  ... and 8 more"
    assert all(len(line) <= 39 for line in lines)


def test_spinner_falls_back_to_ascii() -> None:
    assert spinner_for("utf-8") == SPINNER
    assert spinner_for("ascii") == ASCII_SPINNER
    assert spinner_for(None) == ASCII_SPINNER
    assert spinner_for("no-such-codec") == ASCII_SPINNER
