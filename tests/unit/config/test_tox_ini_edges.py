"""tox.ini edge cases a differential fuzzer found (issue 11): each expectation is what ``tox config`` (tox 4.67)
printed for the same file."""

from __future__ import annotations

from pathlib import Path

import pytest
from _project import load

from orch.config.typed import to_command, to_str
from orch.config.types import Command
from orch.errors import ConfigError


@pytest.mark.parametrize(
    ("line", "expected", "shown"),
    [
        # an unclosed quote: the rest of the line, from where the broken argument starts, is the last argument
        pytest.param('python -c "print(1)', Command(("python", "-c", '"print(1)')), None, id="unclosed-double"),
        pytest.param("echo 'x y", Command(("echo", "'x y")), None, id="unclosed-single"),
        pytest.param('echo a "b c', Command(("echo", "a", '"b c')), None, id="unclosed-after-closed"),
        pytest.param('a  "b', Command(("a", ' "b')), None, id="unclosed-keeps-spacing"),
        # ! inverts the exit code when it is the first argument on its own
        pytest.param("!", Command((), invert_exit=True), "! ", id="lone-bang"),
        pytest.param("! pytest", Command(("pytest",), invert_exit=True), "! pytest", id="bang"),
        pytest.param("!pytest x", Command(("!pytest", "x")), "'!pytest' x", id="bang-glued-is-a-program"),
        pytest.param("- ! pytest", Command(("!", "pytest"), ignore_exit=True), "- '!' pytest", id="dash-bang"),
        pytest.param("!- pytest", Command(("!-", "pytest")), "'!-' pytest", id="bang-dash-glued"),
        pytest.param("-!pytest", Command(("!pytest",), ignore_exit=True), "- '!pytest'", id="dash-glued-bang"),
        pytest.param("echo !", Command(("echo", "!")), "echo '!'", id="bang-as-argument"),
        pytest.param("-", Command((), ignore_exit=True), "- ", id="lone-dash"),
    ],
)
def test_to_command(line: str, expected: Command, shown: str | None) -> None:
    command = to_command(line)
    assert command == expected
    if shown is not None:
        assert str(command) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a\tb  c\t\tx", "a b c x", id="tabs-and-runs-of-spaces"),
        pytest.param(" a\n\t b \n", "a b", id="lines"),
    ],
)
def test_to_str_one_line(text: str, expected: str) -> None:
    assert to_str(text) == expected


def _value(tmp_path: Path, ini: str, env: str, key: str, **kwargs: object) -> object:
    return load(tmp_path, ini, **kwargs).resolver.env(env, key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ini", "key", "expected"),
    [
        pytest.param(
            "[testenv:a]\ncommands =\n    pytest []\n    pytest [] x\n    pytest x[]y\n    pytest \\[]\n",
            "commands",
            (
                Command(("pytest", "p1", "p 2")),
                Command(("pytest", "p1", "p 2", "x")),
                Command(("pytest", "xp1", "p 2y")),
                Command(("pytest", "[]")),
            ),
            id="brackets-in-commands",
        ),
        pytest.param("[testenv:a]\ndeps = foo[]\n", "deps", ("foop1 'p 2'",), id="brackets-in-deps"),
        pytest.param("[testenv:a]\ndescription = a[]b\n", "description", "ap1 'p 2'b", id="brackets-quoted"),
        pytest.param("[testenv:a]\nset_env = X=a{posargs}b\n", "set_env", "ap1 'p 2'b", id="posargs-quoted"),
    ],
)
def test_posargs(tmp_path: Path, ini: str, key: str, expected: object) -> None:
    value = _value(tmp_path, ini, "a", key, posargs=("p1", "p 2"))
    assert (value["X"] if isinstance(value, dict) else value) == expected


ENV_FILE = 'export A=1\n  export \t B = 2\nexportC=3\n# comment\nD="q"\n'


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("file|e.env", {"A": "1", "B": "2", "exportC": "3", "D": '"q"'}, id="export-dropped"),
        pytest.param("file|bad.env", "expected KEY=VALUE", id="export-alone-is-no-key"),
        pytest.param("file|missing.env", "missing.env does not exist", id="missing-file"),
    ],
)
def test_set_env_file(tmp_path: Path, line: str, expected: object) -> None:
    config = load(
        tmp_path, f"[testenv:a]\nset_env = {line}\ndescription = d\n", files={"e.env": ENV_FILE, "bad.env": "export\n"}
    )
    assert config.resolver.env("a", "description") == "d"  # the broken set_env fails only itself
    if isinstance(expected, dict):
        assert config.resolver.env("a", "set_env") == expected
    else:
        with pytest.raises(ConfigError, match=str(expected)):
            config.resolver.env("a", "set_env")


@pytest.mark.parametrize(
    ("ini", "env", "key", "expected"),
    [
        # references that reach themselves expand 100 levels deep, the innermost text is kept as written
        pytest.param("[testenv:c]\ndescription = {[x]b}\n[x]\na = {[x]b}\nb = {[x]a}\n", "c", "description", "{[x]a}"),
        pytest.param(
            "[testenv:d]\ndescription = {[testenv:d]description}\n", "d", "description", "{[testenv:d]description}"
        ),
        pytest.param(
            "[testenv:d]\ndescription = {[testenv:d]commands}\ncommands = {[testenv:d]description}\n",
            "d",
            "commands",
            (Command(("{[testenv:d]commands}",)),),
        ),
        pytest.param(
            "[testenv]\ndeps = {[testenv]deps}\n  a\n[testenv:x]\n", "x", "deps", ("{[testenv]deps}",) + ("a",) * 102
        ),
        pytest.param(
            "[testenv]\ndeps = b\n[testenv:x]\ndeps = {[testenv]deps}\n  {[testenv:x]deps}\n",
            "x",
            "deps",
            ("b",) * 101 + ("{[testenv]deps}", "{[testenv:x]deps}"),
        ),
        # a reference to no value is kept; an env tox knows gives its default
        pytest.param(
            "[tox]\nenv_list = z\n[testenv]\n[testenv:x]\n"
            "description = <{[testenv:y]description}|{[testenv:z]description}"
            "|{[testenv]description}|{[testenv]nokey}|{[testenv]nokey:d}>\n",
            "x",
            "description",
            "<{[testenv:y]description}||{[testenv]description}|{[testenv]nokey}|d>",
        ),
        # [DEFAULT]: its keys are in every section, it is no section itself
        pytest.param(
            "[DEFAULT]\ndescription = dd\nfoo = bar\ndeps = d1\n[tox]\n[testenv]\ndeps = t\n"
            "commands = echo {[tox]foo} {[testenv]foo} {[other]foo} {[nosuch]foo} {[DEFAULT]foo} {foo}\n"
            "[testenv:a]\n[testenv:b]\ndeps = {[DEFAULT]deps} x\n[other]\n",
            "a",
            "commands",
            (Command(("echo", "bar", "bar", "bar", "{[nosuch]foo}", "{[DEFAULT]foo}", "{foo}")),),
        ),
        pytest.param("[DEFAULT]\ndeps = d1\n[testenv]\ndeps = t\n[testenv:a]\n", "a", "deps", ("d1",)),
        pytest.param(
            "[DEFAULT]\ndeps = d1\n[testenv:b]\ndeps = {[DEFAULT]deps} x\n", "b", "deps", ("{[DEFAULT]deps} x",)
        ),
        pytest.param("[DEFAULT]\ndescription = dd\n[tox]\nenv_list = c\n", "c", "description", "dd"),
    ],
)
def test_tox_values(tmp_path: Path, ini: str, env: str, key: str, expected: object) -> None:
    assert _value(tmp_path, ini, env, key) == expected
