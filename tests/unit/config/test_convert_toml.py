"""``orch convert``: tox.ini to orch.toml / [tool.orch], resolving to the same values."""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orch.config.convert_toml import convert_file
from orch.config.model import CoreConfig, EnvConfig, field_names
from orch.config.project import Config
from orch.config.toml import parse_toml
from orch.errors import ConfigError, OrchError, UsageError

Load = Callable[[Path, str], Config]

TOX_INI = r"""
[tox]
envlist = py{38,39}, lint  # comment
skip_missing_interpreters = true
requires =
    tox>=4
labels =
    test = py38, py39

[testenv]
deps =
    pytest

    py38: mock
commands = pytest {posargs} \# not a comment
setenv =
    A = 1
allowlist_externals =
    a, b
commands_retry = 2

[testenv:lint]
base = shared
description = C:\path "quoted"
commands = flake8 --max-line-length {[flake8]max-line-length}

[shared]
deps = flake8

[flake8]
max-line-length = 100

[pytest]
addopts = -ra
"""

BODY = r"""env_list = [
    "py38",
    "py39",
    "lint",
]
skip_missing_interpreters = true
requires = ["tox>=4"]
labels = {test = ["py38", "py39"]}

[env_run_base]
deps = [
    "pytest",
    {replace = "if", condition = "factor.py38", then = ["mock"], extend = true},
]
commands = [
    ["pytest", {replace = "posargs", extend = true}, "#", "not", "a", "comment"],
]
set_env = {A = "1"}
allowlist_externals = [
    "a",
    "b",
]
commands_retry = 2

[env.lint]
base = []
description = 'C:\path "quoted"'
commands = [
    ["flake8", "--max-line-length", "100"],
]
deps = ["flake8"]

[shared]
deps = "flake8"

[flake8]
max-line-length = "100"
"""

ORCH_TOML = "# Converted from tox.ini by `orch convert`; the layout is described in docs/reference/toml.md.\n\n" + BODY
TOOL_ORCH = "[tool.orch]\n" + re.sub(r"^\[", "[tool.orch.", BODY, flags=re.MULTILINE)

PYPROJECT = """\
# The project's metadata.
[project]
name = "example"   # aligned comment
dependencies = [
    "a",  # why a
]

[tool.ruff]
line-length = 120
# trailing comment in ruff

# About mypy.
[tool.mypy]
strict = true
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tox.ini").write_text(TOX_INI, encoding="utf-8")
    return tmp_path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ---------------------------------------------------------------------------------- orch.toml
def test_orch_toml(project: Path) -> None:
    assert convert_file(project / "tox.ini", Path("orch.toml")) == project / "orch.toml"
    assert (project / "orch.toml").read_text(encoding="utf-8") == ORCH_TOML
    assert leftovers(project) == []


def test_target_is_relative_to_the_source_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent)
    written = convert_file(Path(project.name) / "tox.ini", Path("orch.toml"))
    assert written == Path(project.name) / "orch.toml"
    assert (project / "orch.toml").is_file()


def test_new_pyproject(project: Path, load_project: Load) -> None:
    convert_file(project / "tox.ini", Path("pyproject.toml"))
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == TOOL_ORCH
    config = load_project(project, "pyproject.toml")
    assert config.names.all == ("py38", "py39", "lint")
    assert [str(c) for c in config.env("lint").commands] == ["flake8 --max-line-length 100"]
    assert config.env("lint").deps == ("flake8",)  # through base = shared


def test_discovery_prefers_tool_orch_over_tox_ini(project: Path, load_project: Load) -> None:
    convert_file(project / "tox.ini", Path("pyproject.toml"))
    assert load_project(project, ".").path == project / "pyproject.toml"
    convert_file(project / "tox.ini", Path("orch.toml"))
    assert load_project(project, ".").path == project / "orch.toml"


# ------------------------------------------------------------------------ existing pyproject
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_pyproject_keeps_everything_outside_tool_orch(project: Path, newline: str) -> None:
    original = PYPROJECT.replace("\n", newline).encode()
    (project / "pyproject.toml").write_bytes(original)
    convert_file(project / "tox.ini", Path("pyproject.toml"))
    result = (project / "pyproject.toml").read_bytes()
    assert result == original + (newline + TOOL_ORCH.replace("\n", newline)).encode()


def test_pyproject_without_final_newline(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "x"', encoding="utf-8")
    convert_file(project / "tox.ini", Path("pyproject.toml"))
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == '[project]\nname = "x"\n\n' + TOOL_ORCH


def test_force_replaces_tool_orch_tables(project: Path) -> None:
    before = """\
# top
[project]
name = "x"

[tool.orch]
env_list = ["old"]  # the old config

[tool.orch.env.old]
deps = ["x"]

# About ruff.
[tool.ruff]
line-length = 100

[tool.orch.env.more]
x = "1"
"""
    (project / "pyproject.toml").write_text(before, encoding="utf-8")
    with pytest.raises(UsageError, match=r"already has a \[tool.orch\] table"):
        convert_file(project / "tox.ini", Path("pyproject.toml"))
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == before
    convert_file(project / "tox.ini", Path("pyproject.toml"), force=True)
    kept = '# top\n[project]\nname = "x"\n\n# About ruff.\n[tool.ruff]\nline-length = 100\n\n'
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == kept + TOOL_ORCH


def test_force_refuses_tool_orch_without_header(project: Path) -> None:
    before = '[tool]\norch = { env_list = ["a"] }\n'
    (project / "pyproject.toml").write_text(before, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sets tool.orch outside a \[tool.orch\] table header"):
        convert_file(project / "tox.ini", Path("pyproject.toml"), force=True)
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == before


def test_pyproject_that_cannot_take_tool_orch(project: Path) -> None:
    before = "tool = { ruff = { line-length = 1 } }\n"
    (project / "pyproject.toml").write_text(before, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^cannot add \[tool.orch\] to .*pyproject.toml: invalid TOML"):
        convert_file(project / "tox.ini", Path("pyproject.toml"))
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == before


def test_invalid_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^pyproject\.toml:1: invalid TOML"):
        convert_file(project / "tox.ini", Path("pyproject.toml"))


def test_keeps_file_mode(project: Path) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    os.chmod(project / "pyproject.toml", 0o640)
    convert_file(project / "tox.ini", Path("pyproject.toml"))
    assert stat.S_IMODE((project / "pyproject.toml").stat().st_mode) == 0o640


# ------------------------------------------------------------------------------ refusals
def test_refuses_to_overwrite_orch_toml(project: Path) -> None:
    (project / "orch.toml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        convert_file(project / "tox.ini", Path("orch.toml"))
    assert str(info.value) == f"{project / 'orch.toml'} exists"
    assert info.value.hint == "pass --force to replace it"
    assert (project / "orch.toml").read_text(encoding="utf-8") == "# mine\n"
    convert_file(project / "tox.ini", Path("orch.toml"), force=True)
    assert (project / "orch.toml").read_text(encoding="utf-8") == ORCH_TOML


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        pytest.param("orch.toml", "pyproject.toml", "is already TOML", id="toml source"),
        pytest.param("tox.ini", "orch.ini", "the target must be a .toml file", id="not toml"),
        pytest.param("tox.ini", "sub.toml", "is a folder", id="folder"),
    ],
)
def test_usage_errors(project: Path, source: str, target: str, message: str) -> None:
    (project / "sub.toml").mkdir()
    with pytest.raises(UsageError, match=re.escape(message)):
        convert_file(project / source, Path(target))


def test_bad_ini_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[tox]\nnot a key line\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^tox\.ini:2: cannot parse line"):
        convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tox.ini"]


def test_core_key_that_clashes_with_a_table(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[tox]\nenv = x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^tox\.ini:2: \[tox\] key 'env' has no place in TOML"):
        convert_file(tmp_path / "tox.ini", Path("orch.toml"))


# -------------------------------------------------------------------------------- values
@pytest.mark.parametrize(
    ("ini", "toml"),
    [
        pytest.param("description = a", 'description = "a"', id="string"),
        pytest.param("skip_install = true", "skip_install = true", id="bool"),
        pytest.param("skip_install = True", "skip_install = true", id="bool spelled otherwise"),
        pytest.param("commands_retry = 12", "commands_retry = 12", id="int"),
        pytest.param("custom =\n  a\n  b", 'custom = [\n    "",\n    "a",\n    "b",\n]', id="unknown key: lines"),
        pytest.param("deps =\n  a\n\n  b", 'deps = [\n    "a",\n    "b",\n]', id="deps"),
        pytest.param("pass_env = A, B", 'pass_env = [\n    "A",\n    "B",\n]', id="comma list"),
        pytest.param("setenv =\n  A = 1\n  B=x y", 'set_env = {A = "1", B = "x y"}', id="set_env"),
        pytest.param("description = a\\b", "description = 'a\\b'", id="literal"),
        pytest.param("description = a  # comment", 'description = "a"', id="comment"),
        pytest.param(
            "commands = - pytest {posargs:-k x} [] {env:X:}",
            'commands = [\n    ["-", "pytest", {replace = "posargs", default = ["-k", "x"], extend = true}, '
            '{replace = "posargs", extend = true}, {replace = "env", name = "X", default = "", extend = true}],\n]',
            id="command",
        ),
        pytest.param(
            "commands = mypy {tty:--pretty:} src",
            'commands = [\n    ["mypy", {replace = "if", condition = "env_name == env_name", then = "{tty:--pretty:}", '
            'extend = true}, "src"],\n]',
            id="argument that may be empty",
        ),
        pytest.param(
            "basepython = {env:PY}",
            'base_python = [\n    {replace = "env", name = "PY", extend = true},\n]',
            id="list item that may be empty",
        ),
        pytest.param(
            "deps = !py38-e,3.10: x",
            'deps = [\n    {replace = "if", condition = \'not factor.py38 and factor.e or factor["3.10"]\', '
            'then = ["x"], extend = true},\n]',
            id="condition",
        ),
    ],
)
def test_value_forms(tmp_path: Path, ini: str, toml: str) -> None:
    (tmp_path / "tox.ini").write_text(f"[testenv:e]\n{ini}\n", encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    text = (tmp_path / "orch.toml").read_text(encoding="utf-8")
    assert text.split("\n\n")[1].rstrip("\n") == f"[env.e]\n{toml}"  # then the tables of condition envs


def test_only_referenced_sections(tmp_path: Path) -> None:
    ini = "[testenv]\ndeps = {[a]deps}\n[a]\ndeps = {[b]x}\n[b]\nx = 1\n[c]\nx = 2\n[testenv:y]\nbase = d\n[d]\nx = 3\n"
    (tmp_path / "tox.ini").write_text(ini, encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    data = parse_toml((tmp_path / "orch.toml").read_text(encoding="utf-8"), "orch.toml")
    assert [key for key in data if key not in ("env_run_base", "env")] == ["a", "b", "d"]


def test_orch_core_section(tmp_path: Path, load_project: Load) -> None:
    ini = "[orch]\nenv_list = a\nwork_dir = {toxinidir}/w\n[testenv]\ndescription = in {[orch]work_dir}\n"
    (tmp_path / "tox.ini").write_text(ini, encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    data = parse_toml((tmp_path / "orch.toml").read_text(encoding="utf-8"), "orch.toml")
    assert data["env_run_base"] == {"description": "in {[tox]work_dir}"}
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    assert after.env("a").description == before.env("a").description == f"in {tmp_path}/w"


def test_envs_of_factor_conditions_and_fallbacks(tmp_path: Path, load_project: Load) -> None:
    """Names only factor conditions spell get tables, in the ini's order; a [testenv] key with only
    conditional lines goes to the tables of the envs it matches, so others keep the default."""
    ini = (
        "[tox]\nenv_list = py38, lint\n[testenv]\nbasepython =\n    lint: python3.11\n"
        "deps =\n    cover: coverage\n    x-docs: sphinx\n[testenv:lint]\ncommands = ruff\n"
    )
    (tmp_path / "tox.ini").write_text(ini, encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    data = parse_toml((tmp_path / "orch.toml").read_text(encoding="utf-8"), "orch.toml")
    assert "base_python" not in data["env_run_base"]
    lint = [{"replace": "if", "condition": "factor.lint", "then": ["python3.11"], "extend": True}]
    assert data["env"] == {"lint": {"commands": [["ruff"]], "base_python": lint}, "cover": {}, "x-docs": {}}
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    assert after.names == before.names
    assert after.names.additional == ("cover", "x-docs")
    for env in before.names.all:
        assert after.resolver.env(env, "base_python") == before.resolver.env(env, "base_python")


def test_platform_conditions_stay_in_env_run_base(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[testenv]\nbasepython =\n    linux: python3\n", encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    data = parse_toml((tmp_path / "orch.toml").read_text(encoding="utf-8"), "orch.toml")
    assert data["env"] == {"linux": {}}  # a name only a condition spells, as in the ini
    assert "base_python" in data["env_run_base"]


def test_conditional_lines_joined_with_others(tmp_path: Path, load_project: Load) -> None:
    """A scalar's conditional lines and a command's conditional continuation lines join others in
    the ini: each combination of their conditions is spelled, with the ini's own text for it."""
    ini = (
        "[tox]\nenv_list = a, b-x, b-y\n[testenv]\ndescription =\n    run\n    x: with x\n    y: with y\n"
        "commands =\n    pytest \\\n    x: --cov \\\n        {posargs:}\n"
    )
    (tmp_path / "tox.ini").write_text(ini, encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    for env in ("a", "b-x", "b-y"):
        for key in ("description", "commands"):
            assert after.resolver.env(env, key) == before.resolver.env(env, key), (env, key)
    assert after.resolver.env("b-x", "description") == "run with x"


def test_list_line_with_commas_splits_only_alone(tmp_path: Path, load_project: Load) -> None:
    """tox splits a list value at commas only when the factor filter leaves one line: a conditional
    ``a: x, y`` line gives two extras where it is alone, and one item where another line holds too."""
    ini = "[tox]\nenv_list = a, a-b, c\n[testenv]\nextras =\n    a: x, y\n    b: z\n"
    (tmp_path / "tox.ini").write_text(ini, encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    for env in ("a", "a-b", "c"):
        assert after.resolver.env(env, "extras") == before.resolver.env(env, "extras"), env
    assert after.resolver.env("a", "extras") == ("x", "y")


def test_reference_to_an_env_of_a_generative_section(tmp_path: Path, load_project: Load) -> None:
    """``{[testenv:py]commands}`` where only ``[testenv:py{,-posix}]`` exists reads env py's value: its
    text is inlined (split into arguments like the ini), an inherited key is an env/key ref, set_env
    a ref to ``[env_run_base]``'s."""
    ini = (
        "[tox]\nenv_list = py, py-posix, old, cover\n[base]\npytest = python -m pytest {posargs}\n"
        "[testenv]\nsetenv =\n    A = 1\n[testenv:py{,-posix}]\ncommands = {[base]pytest} acme\n"
        "[testenv:old]\nsetenv =\n    {[testenv:py]setenv}\n    B = 2\ncommands = {[testenv:py]commands}\n"
        "[testenv:cover]\ncommands = {[testenv:py]commands} --cov\n"
    )
    (tmp_path / "tox.ini").write_text(ini, encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    data = parse_toml((tmp_path / "orch.toml").read_text(encoding="utf-8"), "orch.toml")
    # env py's set_env is [testenv]'s table (tox's TOML reads no set_env of another env by name): one table of the array
    assert data["env"]["old"]["set_env"][0] == {"replace": "ref", "of": ["env_run_base", "set_env"]}
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    for env in ("old", "cover"):
        for key in ("commands", "set_env"):
            assert after.resolver.env(env, key) == before.resolver.env(env, key), (env, key)
    assert [str(c) for c in after.env("cover").commands] == ["python -m pytest acme --cov"]


def test_env_argument_that_set_env_sets(tmp_path: Path, load_project: Load) -> None:
    """An ``{env:X}`` argument that set_env sets without the caller's environment is split like the
    ini splits it, per factor condition, in a posargs default too, and per env table with its own set_env."""
    ini = (
        "[tox]\nenv_list = py, py-cov, lint\n[testenv]\nsetenv =\n    cov: CMD=coverage run -m pytest\n"
        "    ARGS=-k {env:SEL:x}\n    SEL=y\ncommands =\n    {env:CMD:pytest} {posargs:{env:ARGS}}\n"
        "    lint {env:FROM_CALLER:}\n[testenv:lint]\nsetenv =\n    CMD=ruff check\n    ARGS=-q .\n"
    )
    (tmp_path / "tox.ini").write_text(ini, encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    data = parse_toml((tmp_path / "orch.toml").read_text(encoding="utf-8"), "orch.toml")
    assert data["env"]["lint"]["commands"][0][:2] == ["ruff", "check"]
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    for env in ("py", "py-cov", "lint"):
        assert after.resolver.env(env, "commands") == before.resolver.env(env, "commands"), env
    assert [str(c) for c in after.env("py-cov").commands] == ["coverage run -m pytest -k y", "lint"]


# ------------------------------------------------------------------------ corpus round trip
COMPAT = Path(os.environ.get("ORCH_COMPAT_DIR", Path(__file__).resolve().parents[3].parent / "shared" / "compat"))
CORPUS = sorted((COMPAT / "toxini").glob("*.ini")) if (COMPAT / "toxini").is_dir() else []
_LOCATION = re.compile(r"(?:tox\.ini|orch\.toml)(?::\d+)?(?:: )?")
_LABEL = re.compile(r"\[(?:testenv:|env\.)\"?([^\]\"]+)\"?\]")  # [testenv:X] in the ini is [env.X] in TOML


def _outcome(compute: Callable[..., object], *args: str) -> tuple[str, object]:
    """A value, or an error's message without its file and line (which differ between the files)."""
    try:
        return "value", compute(*args)
    except OrchError as exc:
        return "error", _LABEL.sub(r"[\1]", _LOCATION.sub("", str(exc)))


# Files whose converted TOML still reads differently (issue 11), each with its cause. An {env:X} argument that
# set_env sets statically is split at conversion time (convert_setenv); these depend on the caller's environment.
_SPLIT = "an {env:X} whose words depend on the caller's environment, which the ini splits at run time and TOML cannot"
_POSARGS = " inside a posargs default, where no replacement spreads (an unset one is an empty argument)"
KNOWN_DIFFERENCES = {
    "pytest-dev__pytest-xdist": _SPLIT + _POSARGS + " ({env:_XDIST_TOX_POSARGS_PSUTIL:})",
    "pytest-dev__pytest": _SPLIT + _POSARGS + " ({env:_PYTEST_FILES:} and others)",
    "sqlalchemy__sqlalchemy": _SPLIT + " (WORKERS={env:TOX_WORKERS:-n4  --max-worker-restart=5})",
}


@pytest.mark.parametrize(
    "ini",
    [
        pytest.param(
            path,
            id=path.stem,
            marks=[pytest.mark.xfail(reason=KNOWN_DIFFERENCES[path.stem], strict=True)]
            if path.stem in KNOWN_DIFFERENCES
            else [],
        )
        for path in CORPUS
    ]
    or [pytest.param(None, marks=pytest.mark.skip(reason=f"no tox.ini corpus in {COMPAT / 'toxini'}"))],
)
def test_corpus_round_trip(tmp_path: Path, ini: Path, load_project: Load) -> None:
    """Every corpus tox.ini, converted to orch.toml, gives the same envs and the same value (or error)
    for every core and env key."""
    shutil.copy(ini, tmp_path / "tox.ini")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    assert after.path.name == "orch.toml"
    names = _outcome(lambda: before.names)
    assert _outcome(lambda: after.names) == names
    differences = []
    for key in field_names(CoreConfig):
        want, got = _outcome(before.resolver.core, key), _outcome(after.resolver.core, key)
        if want != got:
            differences.append(f"core {key}: ini {want!r} toml {got!r}")
    for env in before.names.all if names[0] == "value" else ():
        for key in field_names(EnvConfig):
            want, got = _outcome(before.resolver.env, env, key), _outcome(after.resolver.env, env, key)
            if want != got:
                differences.append(f"{env} {key}: ini {want!r} toml {got!r}")
    assert differences == []


# ------------------------------------------------------------------------ what tox itself reads
def _converted(tmp_path: Path, ini: str) -> dict[str, Any]:
    (tmp_path / "tox.ini").write_text(ini, encoding="utf-8")
    convert_file(tmp_path / "tox.ini", Path("orch.toml"))
    return parse_toml((tmp_path / "orch.toml").read_text(encoding="utf-8"), "orch.toml")


def test_keys_tox_reads_typed(tmp_path: Path) -> None:
    """Keys orch does not read get tox's type (its TOML loader rejects ``"False"`` for a bool);
    ``skip_missing_interpreters`` is a bool where it is spelled true/false, which orch reads back."""
    ini = (
        "[tox]\nskip_missing_interpreters = false\n[testenv]\nsitepackages = False\nsuicide_timeout = 0.5\n"
        "extra_setup_commands = pip list\nconstraints = c.txt\n[testenv:a]\nskip_missing_interpreters = config\n"
    )
    data = _converted(tmp_path, ini)
    assert data["skip_missing_interpreters"] is False
    run_base = data["env_run_base"]
    assert (run_base["system_site_packages"], run_base["suicide_timeout"]) == (False, 0.5)  # orch reads it now
    assert (run_base["extra_setup_commands"], run_base["constraints"]) == ([["pip", "list"]], ["c.txt"])


def test_section_named_like_a_tox_core_key(tmp_path: Path, load_project: Load) -> None:
    """``[base]`` would be read by tox as the core key ``base``: its table is ``ini_base``, references follow."""
    ini = (
        "[tox]\nenv_list = a\n[base]\npaths = src\nall = {[base]paths} tests\n"
        "[testenv:a]\ncommands = lint {[base]all}\ndescription = {[base]all}\n"
    )
    data = _converted(tmp_path, ini)
    assert "base" not in data
    assert data["ini_base"] == {"paths": "src", "all": "{[ini_base]paths} tests"}
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    for key in ("commands", "description"):
        assert after.resolver.env("a", key) == before.resolver.env("a", key)


def test_set_env_ref_to_a_table_is_one_table(tmp_path: Path, load_project: Load) -> None:
    """``{[testenv]setenv}`` next to own lines: a ``ref`` without ``extend`` (tox would spread the
    table's keys into the array), one table of the array."""
    ini = "[tox]\nenv_list = cover\n[testenv]\nsetenv = A=1\n[testenv:cover]\nsetenv =\n  {[testenv]setenv}\n  B=2\n"
    data = _converted(tmp_path, ini)
    assert data["env"]["cover"]["set_env"] == [{"replace": "ref", "of": ["env_run_base", "set_env"]}, {"B": "2"}]
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    assert after.resolver.env("cover", "set_env") == before.resolver.env("cover", "set_env")


def test_alias_tox_ignores_keeps_its_spelling(tmp_path: Path, load_project: Load) -> None:
    """tox 4 does not read ``whitelist_externals``; orch does, under either spelling: the ini's is kept."""
    data = _converted(tmp_path, "[tox]\nenv_list = a\n[testenv:a]\nwhitelist_externals =\n    mv\n")
    assert data["env"]["a"] == {"whitelist_externals": ["mv"]}
    before, after = load_project(tmp_path, "tox.ini"), load_project(tmp_path, "orch.toml")
    assert after.resolver.env("a", "allowlist_externals") == before.resolver.env("a", "allowlist_externals")
