"""The TOML reader: tables become sections, each value keeps its data, file and line.

orch.toml and ``[tool.orch]`` are tox's native schema plus orch's additions; orch's first schema
is still read, with warnings. What the values resolve to is tested in ``test_toxtoml.py``.
"""

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
from orch.config.toml import Layout
from orch.config.toxtoml import TomlSource, read_orch_toml, read_tox_toml
from orch.errors import ConfigError, Location

SCHEMA_EXAMPLE = """\
# orch.toml
env_list = ["py{38,39}-{venv,conda}", "lint"]
skip_missing_interpreters = true
labels = { test = ["py38-venv", "py39-venv"], lint = ["lint"] }

[env_run_base]
deps = ["pytest", { replace = "if", condition = "factor.py38", then = ["mock"], extend = true },
    { replace = "if", condition = "not factor.lint and factor.conda", then = ["coverage"], extend = true }]
commands = [["pytest", { replace = "posargs", extend = true }]]
set_env = { PYTHONDEVMODE = "1" }

[env."py{38,39}-x"]
description = "the x envs"

[env.lint]
commands = [["flake8", "--max-line-length", "{[flake8]max-line-length}", "src"]]

[packagedef.wheel]
builder = "wheel"
match = ["*-venv"]

[flake8]
max-line-length = "100"
"""

FIRST_SCHEMA_EXAMPLE = """\
# orch.toml in orch's first TOML schema: still read, with warnings
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
    return read_orch_toml(path)


def data(source: TomlSource) -> dict[str, dict[str, object]]:
    return {name: {key: raw.data for key, raw in s.values.items()} for name, s in source.sections.items()}


# ----------------------------------------------------------------------------------- sections
def test_schema_example_sections(tmp_path: Path) -> None:
    source = read(tmp_path, SCHEMA_EXAMPLE)
    assert source.kind == "toml"
    assert source.core_name == "tox"
    assert list(source.sections) == ["tox", "testenv", "testenv:py{38,39}-x", "testenv:lint", "packagedef:wheel"]
    assert data(source)["tox"] == {
        "env_list": ["py{38,39}-{venv,conda}", "lint"],
        "skip_missing_interpreters": True,
        "labels": {"test": ["py38-venv", "py39-venv"], "lint": ["lint"]},
    }
    assert data(source)["testenv"]["set_env"] == {"PYTHONDEVMODE": "1"}
    assert source.lookup(["flake8", "max-line-length"]) == "100"  # a table other values refer to
    lines = {
        name: (s.location.line, {k: v.location.line for k, v in s.values.items()})
        for name, s in source.sections.items()
    }
    assert lines == {
        "tox": (2, {"env_list": 2, "skip_missing_interpreters": 3, "labels": 4}),
        "testenv": (6, {"deps": 7, "commands": 9, "set_env": 10}),
        "testenv:py{38,39}-x": (12, {"description": 13}),
        "testenv:lint": (15, {"commands": 16}),
        "packagedef:wheel": (18, {"builder": 19, "match": 20}),
    }
    assert source.warnings == []


def test_first_schema_warns_once_per_spelling_and_place(tmp_path: Path) -> None:
    source = read(tmp_path, FIRST_SCHEMA_EXAMPLE)
    assert list(source.sections)[:2] == ["tox", "testenv"]
    assert source.warnings == [
        "orch.toml:6: [env_base] as the table of every env is deprecated; write [env_run_base] (tox's schema)",
        "orch.toml:7: a factor condition in a string ('py38: mock') is deprecated;"
        ' write { replace = "if", ... } (tox\'s schema)',
        "orch.toml:7: a factor condition in a string ('!lint-conda: coverage') is deprecated;"
        ' write { replace = "if", ... } (tox\'s schema)',
        "orch.toml:8: a command written as one string is deprecated; write a list of arguments (tox's schema)",
        "orch.toml:15: a command written as one string is deprecated; write a list of arguments (tox's schema)",
        "orch.toml:21: [section.NAME] is deprecated; write a top-level [NAME] table (tox's schema)",
    ]


def test_sections_keep_file_order(tmp_path: Path) -> None:
    text = '[env.b]\nx = "1"\n[env_run_base]\nx = "2"\n[env.a]\nx = "4"\n'
    assert list(read(tmp_path, text).sections) == ["testenv:b", "testenv", "testenv:a"]


def test_empty_tables_define_sections(tmp_path: Path) -> None:
    source = read(tmp_path, '[env_run_base]\n[env.lint]\n[env."py{38,39}"]\n[packagedef.sdist]\n')
    assert data(source) == {"testenv": {}, "testenv:lint": {}, "testenv:py{38,39}": {}, "packagedef:sdist": {}}


def test_pyproject_reads_only_its_own_table(tmp_path: Path) -> None:
    body = SCHEMA_EXAMPLE.replace("[env", "[tool.orch.env").replace("[packagedef", "[tool.orch.packagedef")
    body = body.replace("\n[flake8", "\n[tool.orch.flake8").replace("# orch.toml\n", "[tool.orch]\n")
    text = f'[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n\n{body}\n[tool.mypy]\nstrict = true\n'
    pyproject = read(tmp_path, text, "pyproject.toml")
    assert data(pyproject) == data(read(tmp_path, SCHEMA_EXAMPLE))
    assert pyproject.sections["tox"].location == Location("pyproject.toml", 7)
    assert pyproject.sections["testenv"].values["deps"].location == Location("pyproject.toml", 13)
    (tmp_path / "p2").mkdir()
    tool_tox = tmp_path / "p2" / "pyproject.toml"
    tool_tox.write_text(text.replace("tool.orch", "tool.tox"), encoding="utf-8")
    assert data(read_tox_toml(tool_tox)) == data(pyproject)


def test_pyproject_dotted_tool_orch(tmp_path: Path) -> None:
    source = read(tmp_path, '[tool]\norch.env_list = ["a"]\norch.env.a.deps = ["x"]\n', "pyproject.toml")
    assert data(source) == {"tox": {"env_list": ["a"]}, "testenv:a": {"deps": ["x"]}}
    assert source.sections["testenv:a"].values["deps"].location == Location("pyproject.toml", 3)


def test_other_toml_name_is_the_whole_document(tmp_path: Path) -> None:
    source = read(tmp_path, 'env_list = ["a"]\n', "ci.toml")
    assert data(source) == {"tox": {"env_list": ["a"]}}


def test_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "orch.toml"
    path.write_bytes(b'\xef\xbb\xbfenv_list = ["a"]\n')
    assert data(read_orch_toml(path)) == {"tox": {"env_list": ["a"]}}


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
    pytest.param('env = "py38"\n', "orch.toml:1: env: must be a table of tables, one per name", id="env"),
    pytest.param('[env]\ndeps = ["a"]\n', "orch.toml:1: env: must be a table of tables, one per name", id="env key"),
    pytest.param('env_run_base = ["a"]\n', "orch.toml:1: env_run_base: must be a table of settings", id="base"),
    pytest.param(
        "[env_base.min]\ndeps = []\n",
        "orch.toml:1: env_base.min: requires a 'factors' key; use [env.min] for single environments",
        id="env_base without factors",
    ),
    pytest.param(
        '[env_base.min]\nfactors = "a"\n',
        "orch.toml:2: env_base.min.factors: env_base.min.factors must be a list, got str",
        id="env_base factors",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        read_tox_toml((tmp_path / "tox.toml", (tmp_path / "tox.toml").write_text(text, encoding="utf-8"))[0])
    assert str(info.value) == message.replace("orch.toml", "tox.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('[project]\nname = "x"\n', "pyproject.toml: no [tool.orch] table", id="missing"),
        pytest.param("[tool]\norch = 1\n", "pyproject.toml:2: tool.orch must be a table", id="not a table"),
    ],
)
def test_pyproject_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        read(tmp_path, text, "pyproject.toml")
    assert str(info.value) == message


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read .*orch\.toml"):
        read_orch_toml(tmp_path / "orch.toml")


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


@pytest.mark.parametrize("example", [SCHEMA_EXAMPLE, FIRST_SCHEMA_EXAMPLE], ids=["tox-schema", "first-schema"])
def test_resolves_like_the_ini(tmp_path: Path, load_project: Load, example: str) -> None:
    (tmp_path / "orch.toml").write_text(example, encoding="utf-8")
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
    (tmp_path / "orch.toml").write_text(
        'env_list = ["a"]\n\n[env_run_base]\ncommands_retry = "many"\n', encoding="utf-8"
    )
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


def test_a_tox_toml_without_conditions_imports_no_ast(tmp_path: Path) -> None:
    """``ast`` (about 1.4 ms) is imported for an ``if`` condition only: ``orch config`` resolves every
    value of a tox.toml without one and leaves it out; the same project with a condition brings it."""
    base = 'env_list = ["a"]\n[env_run_base]\ndeps = ["pytest"]\ncommands = [["python", "-c", "pass"]]\n'
    condition = '[env.a]\ndescription = { replace = "if", condition = "env_name == \'a\'", then = "yes" }\n'
    code = (
        "import sys; from orch.cli.main import main\n"
        "try:\n    main(['config', '-c', sys.argv[1]])\nfinally:\n    print('ast' in sys.modules, file=sys.stderr)"
    )
    seen = []
    for text in (base, base + condition):
        (tmp_path / "tox.toml").write_text(text, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "tox.toml")], capture_output=True, text=True
        )
        seen.append(result.stderr.strip().splitlines()[-1])
    assert seen == ["False", "True"]
