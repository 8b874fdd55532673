"""The TOML reader: each value form becomes the text a tox.ini would hold, with file and line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orch.config.load import read_source
from orch.config.project import Config
from orch.config.toml import Layout, TomlSource
from orch.errors import ConfigError, Location

SCHEMA_EXAMPLE = """\
# orch.toml
env_list = ["py{38,39}-{venv,conda}", "lint"]
skip_missing_interpreters = true
labels = { test = ["py38-venv", "py39-venv"], lint = ["lint"] }

[env_base]
deps = ["pytest", "py38: mock", "!lint-conda: coverage"]
commands = ["pytest {posargs}"]
set_env = { PYTHONDEVMODE = "1" }

[env."py{38,39}-x"]
description = "the x envs"

[env.lint]
commands = ["flake8 --max-line-length {[flake8]max-line-length} src"]

[packagedef.wheel]
builder = "wheel"
match = ["*-venv"]

[section.flake8]
max-line-length = "100"
"""

SCHEMA_EXAMPLE_INI = """\
[tox]
env_list =
    py{38,39}-{venv,conda}
    lint
skip_missing_interpreters = true
labels =
    test = py38-venv, py39-venv
    lint = lint

[testenv]
deps =
    pytest
    py38: mock
    !lint-conda: coverage
commands = pytest {posargs}
set_env = PYTHONDEVMODE=1

[testenv:py{38,39}-x]
description = the x envs

[testenv:lint]
commands = flake8 --max-line-length {[flake8]max-line-length} src

[packagedef:wheel]
builder = wheel
match = *-venv

[flake8]
max-line-length = 100
"""


def read(tmp_path: Path, text: str, name: str = "orch.toml") -> TomlSource:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return TomlSource.from_file(path)


def texts(source: TomlSource) -> dict[str, dict[str, str]]:
    return {name: {key: raw.text for key, raw in s.values.items()} for name, s in source.sections.items()}


# ------------------------------------------------------------------------------------- values
VALUES = [
    pytest.param('x = "a b"', "a b", id="string"),
    pytest.param('x = """\nfirst\nsecond"""', "first\nsecond", id="multi-line string"),
    pytest.param('x = ["a", "b"]', "a\nb", id="list"),
    pytest.param('x = ["", "a", ""]', "\na\n", id="list keeps blank items"),
    pytest.param("x = []", "", id="empty list"),
    pytest.param("x = true", "true", id="true"),
    pytest.param("x = false", "false", id="false"),
    pytest.param("x = 3", "3", id="int"),
    pytest.param("x = 1.5", "1.5", id="float"),
    pytest.param(
        'x = ["py38,py39: mock", "!lint-conda: coverage"]', "py38,py39: mock\n!lint-conda: coverage", id="prefix"
    ),
    pytest.param('x = [{ if = "py38-conda", then = "mock" }]', "py38-conda: mock", id="condition table"),
    pytest.param('x = ["a", { if = "py38", then = ["b", "c"] }]', "a\npy38: b\npy38: c", id="condition list"),
    pytest.param('x = [{ if = " py38 ", then = "b\\nc" }]', "py38: b\npy38: c", id="condition multi-line"),
    pytest.param('x = { A = "1", B = "x y" }', "A=1\nB=x y", id="table"),
    pytest.param("x = { A = 1, B = true, C = 0.5 }", "A=1\nB=true\nC=0.5", id="table of scalars"),
    pytest.param('x = ["A=1", { if = "py38", then = "B=2" }]', "A=1\npy38: B=2", id="KEY=VALUE list"),
    pytest.param('x.A = "1"\nx.B = "2"', "A=1\nB=2", id="dotted keys"),
]


@pytest.mark.parametrize(("toml", "expected"), VALUES)
def test_value_forms(tmp_path: Path, toml: str, expected: str) -> None:
    source = read(tmp_path, f"[env_base]\n{toml}\n")
    assert source.sections["testenv"].values["x"].text == expected
    assert source.sections["testenv"].values["x"].location == Location("orch.toml", 2)


def test_value_table_header_under_env(tmp_path: Path) -> None:
    source = read(tmp_path, '[env.py38.set_env]\nA = "1"\nB = "2"\n')
    assert texts(source) == {"testenv:py38": {"set_env": "A=1\nB=2"}}


@pytest.mark.parametrize(
    "toml",
    [
        pytest.param('labels = { test = ["py38-venv", "py39-venv"], lint = ["lint"] }', id="inline"),
        pytest.param('labels = { test = ["py38-venv", "py39-venv"], lint = "lint" }', id="string member"),
        pytest.param('[labels]\ntest = ["py38-venv", "py39-venv"]\nlint = ["lint"]', id="header table"),
    ],
)
def test_labels(tmp_path: Path, toml: str) -> None:
    source = read(tmp_path, toml + "\n")
    assert texts(source) == {"tox": {"labels": "test = py38-venv, py39-venv\nlint = lint"}}


def test_labels_list_is_lines(tmp_path: Path) -> None:
    source = read(tmp_path, 'labels = ["test = py38, py39"]\n')
    assert texts(source) == {"tox": {"labels": "test = py38, py39"}}


# ----------------------------------------------------------------------------------- sections
def test_schema_example_sections(tmp_path: Path) -> None:
    source = read(tmp_path, SCHEMA_EXAMPLE)
    assert source.kind == "toml"
    assert source.core_name == "tox"
    assert list(source.sections) == [
        "tox",
        "testenv",
        "testenv:py{38,39}-x",
        "testenv:lint",
        "packagedef:wheel",
        "flake8",
    ]
    assert texts(source)["tox"] == {
        "env_list": "py{38,39}-{venv,conda}\nlint",
        "skip_missing_interpreters": "true",
        "labels": "test = py38-venv, py39-venv\nlint = lint",
    }
    assert texts(source)["testenv"]["set_env"] == "PYTHONDEVMODE=1"
    assert texts(source)["flake8"] == {"max-line-length": "100"}
    lines = {
        name: (s.location.line, {k: v.location.line for k, v in s.values.items()})
        for name, s in source.sections.items()
    }
    assert lines == {
        "tox": (2, {"env_list": 2, "skip_missing_interpreters": 3, "labels": 4}),
        "testenv": (6, {"deps": 7, "commands": 8, "set_env": 9}),
        "testenv:py{38,39}-x": (11, {"description": 12}),
        "testenv:lint": (14, {"commands": 15}),
        "packagedef:wheel": (17, {"builder": 18, "match": 19}),
        "flake8": (21, {"max-line-length": 22}),
    }


def test_sections_keep_file_order(tmp_path: Path) -> None:
    text = '[env.b]\nx = "1"\n[env_base]\nx = "2"\n[section.s]\nx = "3"\n[env.a]\nx = "4"\n'
    assert list(read(tmp_path, text).sections) == ["testenv:b", "testenv", "s", "testenv:a"]


def test_empty_tables_define_sections(tmp_path: Path) -> None:
    source = read(tmp_path, '[env_base]\n[env.lint]\n[env."py{38,39}"]\n[packagedef.sdist]\n')
    assert texts(source) == {"testenv": {}, "testenv:lint": {}, "testenv:py{38,39}": {}, "packagedef:sdist": {}}


def test_pyproject_reads_only_tool_orch(tmp_path: Path) -> None:
    body = SCHEMA_EXAMPLE.replace("[env", "[tool.orch.env").replace("[packagedef", "[tool.orch.packagedef")
    body = body.replace("[section", "[tool.orch.section").replace("# orch.toml\n", "[tool.orch]\n")
    text = f'[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n\n{body}\n[tool.mypy]\nstrict = true\n'
    pyproject = read(tmp_path, text, "pyproject.toml")
    orch = read(tmp_path, SCHEMA_EXAMPLE)
    assert texts(pyproject) == texts(orch)
    assert pyproject.sections["tox"].location == Location("pyproject.toml", 7)
    assert pyproject.sections["testenv"].values["deps"].location == Location("pyproject.toml", 13)


def test_pyproject_dotted_tool_orch(tmp_path: Path) -> None:
    source = read(tmp_path, '[tool]\norch.env_list = ["a"]\norch.env.a.deps = ["x"]\n', "pyproject.toml")
    assert texts(source) == {"tox": {"env_list": "a"}, "testenv:a": {"deps": "x"}}
    assert source.sections["testenv:a"].values["deps"].location == Location("pyproject.toml", 3)


def test_other_toml_name_is_the_whole_document(tmp_path: Path) -> None:
    source = read(tmp_path, 'env_list = ["a"]\n', "ci.toml")
    assert texts(source) == {"tox": {"env_list": "a"}}


def test_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "orch.toml"
    path.write_bytes(b'\xef\xbb\xbfenv_list = ["a"]\n')
    assert texts(TomlSource.from_file(path)) == {"tox": {"env_list": "a"}}


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("text", "pattern"),
    [  # the parser's own words differ between tomllib versions: check the line and the shape
        pytest.param("a = 1\nb = = 2\n", r"orch\.toml:2: invalid TOML: \w.* \(column 5\)", id="syntax"),
        pytest.param("[a]\nb = 1\n[a]\n", r"orch\.toml:3: invalid TOML: \w.* \(column \d+\)", id="twice"),
        pytest.param("a = 1\nb = [1,\n", r"orch\.toml:2: invalid TOML: \w.* \(at the end of the file\)", id="end"),
    ],
)
def test_syntax_errors(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(ConfigError) as info:
        read(tmp_path, text)
    assert re.fullmatch(pattern, str(info.value))
    assert info.value.location is not None


ERRORS = [
    pytest.param(
        '[env_base]\ndeps = ["a"]\n\n[envs.py38]\ndeps = ["x"]\n',
        "orch.toml:4: unknown table [envs]; allowed: [env_base], [env.NAME], [packagedef.NAME], [section.NAME]"
        " (core settings go at the top level)",
        id="unknown table",
    ),
    pytest.param(
        '[env_base]\nset_env = { A = { B = "1" } }\n',
        "orch.toml:2: env_base.set_env.A: a table is not a valid table value (use a string, bool or number)",
        id="nested table",
    ),
    pytest.param(
        "[env_base]\nx = 1\ndeps = [\n  1,\n  2,\n]\n",
        "orch.toml:3: env_base.deps: item 1 is a number (1); list items must be strings or { if = ..., then = ... }",
        id="array of numbers",
    ),
    pytest.param(
        '[env_base]\ndeps = ["a", ["b"]]\n',
        "orch.toml:2: env_base.deps: item 2 is a list; list items must be strings or { if = ..., then = ... }",
        id="nested list",
    ),
    pytest.param(
        '[env_base]\ndeps = [{ when = "py38", then = "x" }]\n',
        "orch.toml:2: env_base.deps: item 1: a condition table needs the keys 'if' and 'then' (found: then, when)",
        id="condition keys",
    ),
    pytest.param(
        '[env_base]\ndeps = [{ if = "", then = "x" }]\n',
        "orch.toml:2: env_base.deps: item 1: 'if' must be a factor condition such as \"py38,!lint\"",
        id="empty condition",
    ),
    pytest.param(
        '[env_base]\ndeps = [{ if = "py38", then = [1] }]\n',
        "orch.toml:2: env_base.deps: item 1: 'then' must be a string or a list of strings",
        id="condition then",
    ),
    pytest.param(
        "[env_base]\nwhen = 2024-01-01\n",
        "orch.toml:2: env_base.when: a date is not a valid value (use a string, list, bool, number or table)",
        id="date",
    ),
    pytest.param(
        '[env_base]\nset_env = { A = "x\\ny" }\n',
        "orch.toml:2: env_base.set_env.A: a table value must be a single line",
        id="multi-line table value",
    ),
    pytest.param(
        "labels = { test = [1] }\n",
        "orch.toml:1: labels.test: must be a list of env names, not a list",
        id="labels",
    ),
    pytest.param('env = "py38"\n', "orch.toml:1: env: must be a table of tables, not a string ('py38')", id="env"),
    pytest.param(
        '[env]\ndeps = ["a"]\n', "orch.toml:2: env.deps: must be a table of settings, not a list", id="env key"
    ),
    pytest.param('env_base = ["a"]\n', "orch.toml:1: env_base: must be a table of settings, not a list", id="base"),
    pytest.param(
        '[section.testenv]\ndeps = "a"\n',
        "orch.toml:1: section.testenv: [testenv] cannot be a [section.NAME] table; use [env_base]",
        id="section testenv",
    ),
    pytest.param(
        '[section."testenv:a"]\n',
        'orch.toml:1: section."testenv:a": [testenv:a] cannot be a [section.NAME] table; use [env.NAME]',
        id="section env",
    ),
    pytest.param(
        "[section.tox]\n",
        "orch.toml:1: section.tox: [tox] cannot be a [section.NAME] table; use the top level",
        id="section core",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        read(tmp_path, text)
    assert str(info.value) == message


def test_env_key_error_hints_at_env_base(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        read(tmp_path, '[env]\ndeps = ["a"]\n')
    assert info.value.hint == "[env.NAME] holds the settings of one env; settings for every env go in [env_base]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('[project]\nname = "x"\n', "pyproject.toml: no [tool.orch] table", id="missing"),
        pytest.param("[tool]\norch = 1\n", "pyproject.toml:2: tool.orch must be a table", id="not a table"),
        pytest.param(
            "[tool.orch]\n\n[tool.orch.envs.a]\n",
            "pyproject.toml:3: unknown table [tool.orch.envs]; allowed: [env_base], [env.NAME], [packagedef.NAME],"
            " [section.NAME] (core settings go at the top level)",
            id="unknown table",
        ),
        pytest.param(
            "[tool.orch.env_base]\ndeps = [1]\n",
            "pyproject.toml:2: tool.orch.env_base.deps: item 1 is a number (1); list items must be strings or"
            " { if = ..., then = ... }",
            id="value",
        ),
    ],
)
def test_pyproject_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        read(tmp_path, text, "pyproject.toml")
    assert str(info.value) == message


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read .*orch\.toml"):
        TomlSource.from_file(tmp_path / "orch.toml")


# ------------------------------------------------------------------------------------- layout
def test_layout_skips_strings_arrays_and_comments() -> None:
    text = (
        "a = '''\n[not.a.table]\nb = 1\n'''\n"  # 1-4
        'c = [  # comment\n  "d = 2",\n  { e = 3 },\n]\n'  # 5-8
        '"quoted.key" = """x\\"""\n"""\n'  # 9-10
        "[ t . 'u.v' ]  # header\n"  # 11
        "w.x = 1\n"  # 12
        "[[arr]]\ny = 1\n"  # 13-14
    )
    layout = Layout.scan(text)
    assert layout.lines == {
        ("a",): 1,
        ("c",): 5,
        ("quoted.key",): 9,
        ("t",): 11,
        ("t", "u.v"): 11,
        ("t", "u.v", "w"): 12,
        ("t", "u.v", "w", "x"): 12,
        ("arr",): 13,
        ("arr", "y"): 14,
    }
    assert layout.headers == [(("t", "u.v"), 11), (("arr",), 13)]
    assert layout.line(("c", "e")) == 5
    assert layout.line(("missing",)) is None


# ---------------------------------------------------------------------------------- resolving
Load = Callable[[Path, str], Config]


def test_resolves_like_the_ini(tmp_path: Path, load_project: Load) -> None:
    (tmp_path / "orch.toml").write_text(SCHEMA_EXAMPLE, encoding="utf-8")
    (tmp_path / "tox.ini").write_text(SCHEMA_EXAMPLE_INI, encoding="utf-8")
    toml, ini = (load_project(tmp_path, name) for name in ("orch.toml", "tox.ini"))
    assert toml.names == ini.names
    names = toml.names.all
    assert "py38-x" in names
    for env in names:
        for key in ("deps", "commands", "set_env", "description", "labels", "package"):
            assert toml.resolver.env(env, key) == ini.resolver.env(env, key), (env, key)
    assert toml.resolver.env("py38-venv", "deps") == ("pytest", "mock")
    assert toml.resolver.env("py38-conda", "deps") == ("pytest", "mock", "coverage")  # !lint-conda: not lint, conda
    assert toml.resolver.env("lint-conda", "deps") == ("pytest",)
    assert [str(c) for c in toml.env("lint").commands] == ["flake8 --max-line-length 100 src"]
    assert toml.core.labels == {"test": ("py38-venv", "py39-venv"), "lint": ("lint",)}


def test_resolve_error_has_toml_line(tmp_path: Path, load_project: Load) -> None:
    (tmp_path / "orch.toml").write_text('env_list = ["a"]\n\n[env_base]\ncommands_retry = "many"\n', encoding="utf-8")
    config = load_project(tmp_path, "orch.toml")
    with pytest.raises(ConfigError, match=r"^orch\.toml:4: \[env.a\] commands_retry: 'many' is not a whole number"):
        config.resolver.env("a", "commands_retry")


def test_ini_projects_do_not_import_a_toml_parser(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = a\n", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from orch.config.load import read_source;"
        f"read_source(Path({str(tmp_path / 'tox.ini')!r}));"
        "bad = sorted({'tomllib', 'tomli', 'tomlkit', 'orch.config.toml'} & set(sys.modules)); print(bad)"
    )
    src = str(Path(read_source.__code__.co_filename).parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert result.stdout.strip() == "[]"
