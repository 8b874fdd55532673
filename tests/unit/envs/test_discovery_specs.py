"""Spec parsing, matching and executable-name ranking of :mod:`orch.envs.discovery` (no process started)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orch.envs.discovery import Discovery, Spec, name_rank, parse_spec
from orch.envs.interpreter import Interpreter


@pytest.mark.parametrize(
    ("text", "implementation", "version", "free_threaded", "shown"),
    [
        ("py38", None, (3, 8, None), False, "python3.8"),
        ("py3.8", None, (3, 8, None), False, "python3.8"),
        ("py310", None, (3, 10, None), False, "python3.10"),
        ("py3", None, (3, None, None), False, "python3"),
        ("py27", None, (2, 7, None), False, "python2.7"),
        ("py", None, (None, None, None), None, "python"),
        ("python", "cpython", (None, None, None), None, "python"),
        ("python3.8", "cpython", (3, 8, None), False, "python3.8"),
        ("python3", "cpython", (3, None, None), False, "python3"),
        ("3.8", None, (3, 8, None), False, "python3.8"),
        ("3", None, (3, None, None), False, "python3"),
        ("3.12.1", None, (3, 12, 1), False, "python3.12.1"),
        ("pypy3.10", "pypy", (3, 10, None), False, "pypy3.10"),
        ("pypy3", "pypy", (3, None, None), False, "pypy3"),
        ("pypy", "pypy", (None, None, None), None, "pypy"),
        ("cpython3.12", "cpython", (3, 12, None), False, "python3.12"),
        ("CPython3.12", "cpython", (3, 12, None), False, "python3.12"),
        ("3.13t", None, (3, 13, None), True, "python3.13t"),
        ("py313t", None, (3, 13, None), True, "python3.13t"),
        ("python3.13t", "cpython", (3, 13, None), True, "python3.13t"),
    ],
)
def test_parse_spec(
    text: str,
    implementation: str | None,
    version: tuple[int | None, int | None, int | None],
    free_threaded: bool | None,
    shown: str,
) -> None:
    spec = parse_spec(text)
    assert spec.valid
    assert spec.path is None
    assert (spec.implementation, (spec.major, spec.minor, spec.micro), spec.free_threaded) == (
        implementation,
        version,
        free_threaded,
    )
    assert str(spec) == shown


def test_parse_spec_architecture() -> None:
    spec = parse_spec("py312-32")
    assert (spec.major, spec.minor, spec.architecture) == (3, 12, 32)
    assert str(spec) == "python3.12-32"
    assert str(parse_spec("python-64")) == "python-64"
    assert parse_spec(" py38 ") == parse_spec("py38")._replace(text=" py38 ")


@pytest.mark.parametrize("text", ["/usr/bin/python3", "venv/bin/python", "~/bin/python"])
def test_parse_spec_path(text: str) -> None:
    spec = parse_spec(text)
    assert spec.valid
    assert spec.path == os.path.abspath(os.path.expanduser(text))
    assert str(spec) == spec.path


@pytest.mark.parametrize("text", ["", "foo", "jython2.7", "t", "pyt", "py3x", "3.8.1.2", "py-128"])
def test_parse_spec_invalid(text: str) -> None:
    spec = parse_spec(text)
    assert not spec.valid
    assert str(spec) == f"{text!r} (not a Python spec such as py312, 3.12, pypy3.10 or a path)"
    assert not spec.matches(_interpreter())


def _interpreter(
    implementation: str = "cpython", version: tuple[int, int, int] = (3, 12, 1), free_threaded: bool = False
) -> Interpreter:
    return Interpreter("/x/python", implementation, version, 64, "x86_64", free_threaded)


@pytest.mark.parametrize(
    ("text", "interpreter", "expected"),
    [
        ("py312", _interpreter(), True),
        ("py312", _interpreter("pypy"), True),
        ("py312", _interpreter(version=(3, 11, 7)), False),
        ("py3", _interpreter(), True),
        ("py2", _interpreter(), False),
        ("py", _interpreter(free_threaded=True), True),
        ("python3.12", _interpreter("pypy"), False),
        ("cpython3.12", _interpreter(), True),
        ("pypy3.12", _interpreter(), False),
        ("pypy3.12", _interpreter("pypy"), True),
        ("pypy", _interpreter("pypy", (2, 7, 18)), True),
        ("3.12.1", _interpreter(), True),
        ("3.12.2", _interpreter(), False),
        ("3.13t", _interpreter(version=(3, 13, 0), free_threaded=True), True),
        ("3.13t", _interpreter(version=(3, 13, 0)), False),
        ("3.13", _interpreter(version=(3, 13, 0), free_threaded=True), False),
        ("py312-64", _interpreter(), True),
        ("py312-32", _interpreter(), False),
        ("/x/python", _interpreter(), True),
        ("/y/python", _interpreter(), False),
    ],
)
def test_matches(text: str, interpreter: Interpreter, expected: bool) -> None:
    assert parse_spec(text).matches(interpreter) is expected


@pytest.mark.parametrize(
    ("spec", "ranks"),
    [
        ("py38", {"python3.8": 1, "pypy3.8": 1, "python3": 2, "python": 2, "pypy3": 2, "python3.9": None}),
        ("python3.8", {"python3.8": 1, "pypy3.8": None, "python3": 2, "python2": None, "python3.8t": None}),
        ("pypy3.10", {"pypy3.10": 1, "pypy3": 2, "pypy": 2, "python3.10": None, "pypy3.9": None}),
        ("py3", {"python3": 1, "python3.12": 1, "python": 2, "python2.7": None}),
        ("py", {"python": 1, "python3.12": 1, "pypy3": 1}),
        ("3.13t", {"python3.13t": 1, "python3.13": 2, "python3": 2, "python3.12t": None}),
        ("py313", {"python3.13": 1, "python3.13t": None}),
        # never candidates: helpers, debug builds, other tools
        ("py38", {"python3.8-config": None, "python3.8-gdb.py": None, "python3.8m": None, "pip3.8": None}),
    ],
)
def test_name_rank(spec: str, ranks: dict[str, int | None]) -> None:
    assert {name: name_rank(name, parse_spec(spec)) for name in ranks} == ranks


def test_spec_defaults_match_anything() -> None:
    assert Spec("py").matches(_interpreter("graalpy", (3, 11, 2)))


def test_describe_search(tmp_path: Path) -> None:
    environ = {"PATH": "/usr/bin"}
    assert Discovery(environ=environ, cache_file=tmp_path / "c.json").describe_search() == "PATH, pyenv, uv"
    with_extra = Discovery(environ=environ, extra=[tmp_path], cache_file=tmp_path / "c.json")
    assert with_extra.describe_search() == "--discover, PATH, pyenv, uv"


def test_find_without_valid_spec_starts_nothing(tmp_path: Path) -> None:
    discovery = Discovery(environ={"PATH": str(tmp_path)}, cache_file=tmp_path / "c.json")
    assert discovery.find(["foo", "jython"]) is None
    assert discovery.probes == 0
    assert not (tmp_path / "c.json").exists()
