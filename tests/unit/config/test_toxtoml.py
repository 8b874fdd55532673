"""tox 4's native TOML (tox.toml, [tool.tox]) read the way tox reads it.

Each case is a small tox.toml, the env and key asked for, and what tox 4.67 prints for it
(checked with ``tox config -e ENV -k KEY`` on the same file).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from _project import load_file, write

from orch.config.project import Config
from orch.errors import ConfigError


def load(tmp_path: Path, text: str, name: str = "tox.toml", **kwargs: object) -> Config:
    write(tmp_path, {name: text})
    return load_file(tmp_path, **kwargs)  # type: ignore[arg-type]


def value(config: Config, env: str, key: str) -> object:
    got = config.resolver.env(env, key)
    if isinstance(got, tuple):
        return [str(item) for item in got]
    return got


# ---------------------------------------------------------------------------------- env names
def test_env_list_products_ranges_and_env_base(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        env_list = ["lint", { product = [["py312", "py313"], ["a", "b"]], exclude = ["py313-b"] },
                    { product = [{ prefix = "3.", start = 11, stop = 12 }] }]
        [env.docs]
        [env_base.min]
        factors = [["3.11", "3.12"]]
        """,
    )
    assert config.names.default == ("lint", "py312-a", "py312-b", "py313-a", "3.11", "3.12")
    assert config.names.additional == ("docs", "min-3.11", "min-3.12")


def test_env_names_are_literal_in_tox_toml(tmp_path: Path) -> None:
    config = load(tmp_path, 'env_list = ["py{38,39}"]\n[env."3.14"]\ndescription = "x"\n')
    assert config.names.all == ("py{38,39}", "3.14")
    assert value(config, "3.14", "description") == "x"


def test_tox_table_is_not_the_core(tmp_path: Path) -> None:
    """Inside a tox.toml, [tox] is just a table: its env_list is not read (tox's rule)."""
    config = load(tmp_path, '[tox]\nenv_list = ["a", "b"]\n')
    assert config.names.default == ("py",)


def test_pyproject_tool_tox(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        [project]
        name = "x"
        [tool.tox]
        env_list = ["py312"]
        [tool.tox.env_run_base]
        commands = [["pytest"]]
        """,
        name="pyproject.toml",
    )
    assert config.names.default == ("py312",)
    assert value(config, "py312", "commands") == ["pytest"]


# ------------------------------------------------------------------------------------- values
BASE = """
[env_run_base]
deps = ["pytest", "coverage"]
set_env = { A = "1", B = "2" }
commands = [["pytest", { replace = "posargs", default = ["tests"], extend = true }]]
"""
CASES = [
    ("a key in [env.NAME] replaces the base whole", '[env.x]\nset_env = { C = "3" }', "x", "set_env", {"C": "3"}),
    ("the base when [env.NAME] lacks the key", "[env.x]", "x", "deps", ["pytest", "coverage"]),
    (
        "{[env_run_base]deps} splices the list",
        '[env.x]\ndeps = ["{[env_run_base]deps}", "z"]',
        "x",
        "deps",
        ["pytest", "coverage", "z"],
    ),
    (
        "ref of with extend",
        '[env.x]\ndeps = [{ replace = "ref", of = ["env_run_base", "deps"], extend = true }, "z"]',
        "x",
        "deps",
        ["pytest", "coverage", "z"],
    ),
    (
        "ref to another env's key",
        '[env.y]\ndeps = ["y1"]\n[env.x]\ndeps = [{ replace = "ref", env = "y", key = "deps", extend = true }]',
        "x",
        "deps",
        ["y1"],
    ),
    ("posargs default", "[env.x]", "x", "commands", ["pytest tests"]),
    (
        "ignored exit code",
        '[env.x]\ncommands = [["-", "false"], ["!", "true"]]',
        "x",
        "commands",
        ["- false", "! true"],
    ),
    (
        "substitutions in strings",
        '[env.x]\ncommands = [["echo", "{env_name}", "{tox_root}{/}a"]]',
        "x",
        "commands",
        ["echo x {root}/a"],
    ),
    (
        "env replacement default",
        '[env.x]\ndescription = { replace = "env", name = "NOPE", default = "d" }',
        "x",
        "description",
        "d",
    ),
    (
        "if on a factor",
        '[env.py3-a]\ndeps = [{ replace = "if", condition = "factor.a and not factor.b", then = ["m"],'
        ' else = ["n"], extend = true }]',
        "py3-a",
        "deps",
        ["m"],
    ),
    (
        "a command from an if that does not hold is dropped",
        '[env.x]\ncommands = [["a"], { replace = "if", condition = "factor.nope", then = ["b"] }]',
        "x",
        "commands",
        ["a"],
    ),
    (
        "if else",
        '[env.py3-b]\ndeps = [{ replace = "if", condition = "factor.a", then = ["m"], else = ["n"], extend = true }]',
        "py3-b",
        "deps",
        ["n"],
    ),
    (
        "if on env_name",
        '[env.q]\ndescription = { replace = "if", condition = "env_name == \'q\'", then = "yes" }',
        "q",
        "description",
        "yes",
    ),
    ("multi-line description is one line", '[env.x]\ndescription = """a\nb\n"""', "x", "description", "a b "),
    ("base names another env", '[env.meta]\ndeps = ["m"]\n[env.m1]\nbase = ["meta"]', "m1", "set_env", {}),
    ("base: the named env's keys", '[env.meta]\ndeps = ["m"]\n[env.m1]\nbase = ["meta"]', "m1", "deps", ["m"]),
    (
        "dependency groups are normalised",
        '[env.x]\ndependency_groups = ["pkg_meta"]',
        "x",
        "dependency_groups",
        ["pkg-meta"],
    ),
]


@pytest.mark.parametrize(("text", "env", "key", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_values(tmp_path: Path, text: str, env: str, key: str, want: object) -> None:
    config = load(tmp_path, BASE + text)
    got = value(config, env, key)
    if isinstance(want, list):
        want = [str(item).replace("{root}", str(tmp_path.resolve())) for item in want]
    assert got == want


@pytest.mark.parametrize(("posargs", "want"), [(None, "pytest tests"), (["-k", "a b"], "pytest -k 'a b'")])
def test_posargs_replacement(tmp_path: Path, posargs: Sequence[str] | None, want: str) -> None:
    config = load(tmp_path, BASE, posargs=posargs)
    assert value(config, "py", "commands") == [want]


def test_set_env_env_replacement_reads_the_caller_or_default(tmp_path: Path) -> None:
    text = (
        '[env_run_base.set_env]\nCOV = { replace = "env", name = "COV", default = "{env_name}.cov" }\nX = "{env:COV}"'
    )
    assert value(load(tmp_path, text), "py", "set_env") == {"COV": "py.cov", "X": "py.cov"}
    config = load(tmp_path, text, environ={"PATH": "/bin", "COV": "mine"})
    assert value(config, "py", "set_env") == {"COV": "mine", "X": "mine"}


def test_default_base_python(tmp_path: Path) -> None:
    config = load(tmp_path, 'env_list = ["lint", "py312"]\n[env_run_base]\ndefault_base_python = ["3.10"]\n')
    assert value(config, "lint", "base_python") == ["3.10"]
    assert value(config, "py312", "base_python") == ["py312"]


# ------------------------------------------------------------------------------------- errors
def test_ref_to_a_missing_table_is_an_error_of_that_value(tmp_path: Path) -> None:
    config = load(tmp_path, '[env.x]\npass_env = [{ replace = "ref", of = ["nope", "pass_env"], extend = true }]\n')
    with pytest.raises(ConfigError, match=r"^tox.toml:2: \[env.x\] pass_env: the reference nope.pass_env names no"):
        config.resolver.env("x", "pass_env")
    assert value(config, "x", "deps") == []  # the other values are fine


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[env.x]\ncommands = ["pytest"]', r"\[env.x\] commands: each command must be a list of arguments"),
        ("[env.x]\ndeps = [1]", r"\[env.x\] deps: must be a list of requirements; found a number"),
        ("[env.x]\nskip_install = [true]", r"\[env.x\] skip_install: must be a bool, not a list"),
        ('[env.x]\ndeps = [{ replace = "if", then = ["a"] }]', "No condition was supplied"),
    ],
)
def test_values_of_the_wrong_shape(tmp_path: Path, text: str, message: str) -> None:
    config = load(tmp_path, text)
    key = text.split("\n")[1].split(" ")[0]
    with pytest.raises(ConfigError, match=message):
        config.resolver.env("x", key)


def test_env_base_needs_factors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"env_base.min: requires a 'factors' key; use \[env.min\]"):
        load(tmp_path, "[env_base.min]\ndeps = []\n")


# ------------------------------------------------------------------------- orch's own files
def test_orch_toml_first_schema_still_reads_with_warnings(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        env_list = ["py{38,39}"]
        [env_base]
        deps = ["pytest", "py38: mock", { if = "py39", then = "nine" }]
        commands = ["pytest {posargs:tests}"]
        [section.flake8]
        max = "100"
        [env."py{38,39}"]
        description = "max {[flake8]max}"
        """,
        name="orch.toml",
    )
    assert config.names.default == ("py38", "py39")
    assert value(config, "py38", "deps") == ["pytest", "mock"]
    assert value(config, "py39", "deps") == ["pytest", "nine"]
    assert value(config, "py38", "commands") == ["pytest tests"]
    assert value(config, "py39", "description") == "max 100"
    warnings = "\n".join(config.source.warnings)
    for new in ("[env_run_base]", "a top-level [NAME] table", '{ replace = "if", ... }', "a list of arguments"):
        assert f"write {new}" in warnings


def test_orch_toml_in_tox_schema_reads_without_warnings(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        env_list = ["py312"]
        [env_run_base]
        commands = [["pytest"]]
        [packagedef.wheel]
        builder = "wheel"
        match = ["py*"]
        """,
        name="orch.toml",
    )
    assert value(config, "py312", "commands") == ["pytest"]
    assert config.source.warnings == []
    assert config.packagedefs["wheel"].builder == "wheel"


def test_orch_toml_keeps_ini_section_references(tmp_path: Path) -> None:
    text = '[env_run_base]\ndeps = ["a"]\n[env.x]\ndeps = ["{[testenv]deps}", "b"]\n'
    config = load(tmp_path, text, name="orch.toml")
    assert value(config, "x", "deps") == ["a", "b"]
    assert value(load(tmp_path / "t", text), "x", "deps") == ["{[testenv]deps}", "b"]  # tox.toml: kept as text


def test_set_env_file_key(tmp_path: Path) -> None:
    """tox.toml's spelling of tox.ini's ``file|PATH``: the file's lines, under the table's own keys."""
    (tmp_path / "ci.env").write_text("export A=from-file\nB=from-file\n", encoding="utf-8")
    config = load(tmp_path, '[env_run_base]\nset_env = { file = "{tox_root}/ci.env", B = "own" }\n')
    assert value(config, "py", "set_env") == {"A": "from-file", "B": "own"}
    config = load(tmp_path / "missing", '[env_run_base]\nset_env = { file = "nope.env" }\n')
    with pytest.raises(ConfigError, match=r"set_env file .*nope.env does not exist"):
        config.resolver.env("py", "set_env")


@pytest.mark.parametrize(
    ("override", "env", "want"),
    [
        ("env_run_base.deps=pytest", "3.11", ["pytest"]),
        ("env.3.11.deps=pytest", "3.11", ["pytest"]),
        ("env.3.11.deps+=pytest", "3.11", ["a", "pytest"]),
        ("testenv:3.11.deps=pytest", "3.11", ["pytest"]),  # orch's own spelling still works
        ("env_base.min.deps=pytest", "min-3.12", ["pytest"]),
        ("env_run_base.deps=pytest", "other", ["pytest"]),
    ],
)
def test_overrides_in_toxs_spelling(tmp_path: Path, override: str, env: str, want: list[str]) -> None:
    text = '[env_run_base]\ndeps = ["a"]\n[env."3.11"]\n[env_base.min]\nfactors = [["3.12"]]\n'
    config = load(tmp_path, text, overrides=[override])
    assert value(config, env, "deps") == want


def test_overrides_of_a_pyproject_tool_tox_and_the_top_level(tmp_path: Path) -> None:
    text = '[tool.tox]\nrequires = ["tox-uv"]\n[tool.tox.env_run_base]\ndeps = ["a"]\n'
    config = load(tmp_path, text, name="pyproject.toml", overrides=["tool.tox.env_run_base.deps=b", "requires="])
    assert value(config, "py", "deps") == ["b"]
    assert config.resolver.core("requires") == ()


def test_an_orch_toml_env_table_that_is_no_env_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^orch.toml:1: \[env.\"a b\"\]: 'a b' is not an env name"):
        load(tmp_path, '[env."a b"]\ndeps = ["x"]\n', name="orch.toml")
