"""What tox users type: tox 4's spellings, commands and TOX_* variables, taken by orch (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orch.cli.parser import build_parser, spell_out
from orch.envs.environ import command_environ

TOX_INI = """
[tox]
env_list = a, b
skip_missing_interpreters = false

[testenv]
description = in {tox_root}
skip_install = true
commands = python -c pass

[testenv:b]
depends = a

[testenv:docs]
commands = python -c pass
"""


@pytest.fixture
def orch(project):
    return project({"tox.ini": TOX_INI}, unset=("PYTHONHASHSEED",)).run_inprocess


def parse(*argv: str):
    return build_parser().parse_args(spell_out(argv))


# ------------------------------------------------------------------------------ spellings
@pytest.mark.parametrize(
    ("argv", "dest", "value"),
    [
        (["-p"], "parallel", "auto"),
        (["-p", "run"], "parallel", "auto"),
        (["run", "-p", "-e", "a"], "parallel", "auto"),
        (["-p", "3"], "parallel", "3"),
        (["-n"], "notest", True),
        (["run", "-n"], "notest", True),
        (["-s"], "skip_missing_interpreters", "true"),
        (["run", "-s", "false"], "skip_missing_interpreters", "false"),
        (["--parallel-live"], "live", True),
        (["--parallel-no-spinner"], "parallel_no_spinner", True),
        (["--hashseed", "5"], "hash_seed", 5),
        (["run", "--hashseed", "notset"], "hash_seed", "notset"),
        (["--colored", "no"], "colored", "no"),
        (["--no-provision"], "no_provision", True),
        (["--no-provision", "req.json"], "no_provision", "req.json"),
        (["--develop"], "develop", True),
        (["--skip-pkg-install"], "skip_pkg_install", True),
        (["-l"], "list_envs", True),
        (["-a"], "list_all", True),
    ],
)
def test_tox_spellings_parse(argv: list[str], dest: str, value: object) -> None:
    assert getattr(parse(*argv), dest) == value


def test_develop_and_skip_pkg_install_change_every_env(orch) -> None:
    assert "use_develop = True" in orch("--develop", "config", "-e", "docs", "-k", "use_develop").out
    keep = ("config", "-e", "docs", "-k", "skip_install", "-x", "testenv.skip_install=0")
    assert "skip_install = False" in orch(*keep).out
    shown = orch("--skip-pkg-install", *keep).out
    assert "skip_install = True" in shown  # the option wins over the file and -x, as in tox


def test_root_replaces_the_project_root(orch, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    out = orch("config", "-e", "a", "-k", "description", "--root", "elsewhere").out
    assert f"in {tmp_path / 'elsewhere'}" in out


def test_list_d_lists_the_default_envs(orch) -> None:
    assert orch("list", "-d", "--no-desc").out.split() == ["a", "b"]


def test_config_o_writes_a_file(orch, tmp_path: Path) -> None:
    result = orch("config", "-e", "a", "-k", "commands", "-o", "out.ini")
    assert result.code == 0 and result.out == ""
    assert "[testenv:a]" in (tmp_path / "out.ini").read_text()


def test_accepted_options_say_they_change_nothing(orch) -> None:
    result = orch("list", "--no-provision", "--colored", "yes")
    assert result.code == 0
    assert "orch: --no-provision changes nothing: orch never provisions a tox" in result.err


# ----------------------------------------------------------------------------- commands
def test_depends_prints_order_and_tree(orch) -> None:
    assert orch("depends").out.splitlines() == ["Execution order: a, b", "ALL", "   a", "   b", "      a"]


def test_quickstart_writes_and_never_overwrites(orch, tmp_path: Path) -> None:
    assert orch("quickstart", "new").code == 0
    text = (tmp_path / "new" / "tox.ini").read_text()
    assert "[testenv]" in text and "pytest" in text
    again = orch("quickstart", "new")
    assert again.code == 1 and "never replaces" in again.err
    assert (tmp_path / "new" / "tox.ini").read_text() == text
    assert orch("quickstart", "new", "--format", "toml").code == 0
    assert "commands" in orch("-c", "new/tox.toml", "config", "-k", "commands").out


def test_schema_validates_tox_toml_and_orch_keys(orch, tmp_path: Path) -> None:
    schema = json.loads(orch("schema").out)
    env_keys = schema["definitions"]["env_run_base"]["properties"]
    assert {"deps", "commands", "set_env", "usedevelop", "env_type", "resources"} <= set(env_keys)  # tox's, orch's
    assert {"env_list", "envlist", "requires", "env_run_base", "env_pkg_base", "env", "packagedef"} <= set(
        schema["properties"]
    )
    assert env_keys["skip_install"]["default"] is False and env_keys["deps"]["description"]
    assert orch("schema", "-o", "s.json").code == 0 and json.loads((tmp_path / "s.json").read_text()) == schema
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft7Validator.check_schema(schema)
    good = {
        "env_list": ["py312"],
        "requires": ["tox>=4"],
        "env_run_base": {"deps": ["pytest"], "commands": [["pytest", {"replace": "posargs", "extend": True}]]},
        "env": {"lint": {"skip_install": True, "resources": ["db"], "set_env": {"A": "1"}}},
        "packagedef": {"wheel": {"kind": "wheel"}},
    }
    jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"env": {"lint": {"skip_install": [1]}}}, schema)


def test_legacy_maps_tox3_flags(orch) -> None:
    assert orch("legacy", "-l").out.split() == ["a", "b"]
    assert orch("-a").out.split() == ["a", "b", "docs"]
    assert "[testenv:a]" in orch("le", "--showconfig", "-e", "a").out
    assert "a -> in" in orch("legacy", "-l", "-v").out


def test_help_says_where_orch_differs() -> None:
    text = build_parser().format_help()
    assert "where orch differs from tox:" in text and "never provisions" in text
    assert all(f" {command} " in text or f"{command}," in text for command in ("devenv", "depends", "schema"))


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--hashsed", "5"], "error: unrecognized option --hashsed (did you mean --hashseed?)"),
        (["--hashseed", "x"], "error: argument --hashseed: 'x' is not a number from 1 to 4294967295, nor notset"),
        (["--hashseed", "0"], "error: argument --hashseed: '0' is not a number"),
        (["-e"], "error: argument -e/--env: expected one argument"),
        (["bogus"], "error: unknown command 'bogus'"),
        (["list", "--colored", "maybe"], "error: orch list: argument --colored: invalid choice: 'maybe'"),
    ],
)
def test_misuse_is_one_error_line_and_exit_2(orch, argv: list[str], message: str) -> None:
    result = orch(*argv)
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[0].startswith(message)
    assert len(lines) == 2 and lines[1].startswith(("hint: usage: ", "hint: orch"))
    assert "invalid choice: '5'" not in result.err


# ------------------------------------------------------------------------------ env vars
def test_tox_override_and_orch_override(orch, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOX_OVERRIDE", "testenv:a.description=one;testenv:b.description=two")
    assert orch("list").out.splitlines()[1:] == ["a -> one", "b -> two"]
    monkeypatch.setenv("ORCH_OVERRIDE", "testenv:a.description=mine")
    assert orch("list").out.splitlines()[1] == "a -> mine"  # ORCH_ wins over TOX_
    assert orch("list", "-x", "testenv:a.description=cli").out.splitlines()[1] == "a -> cli"  # the command line wins


def test_tox_workdir_and_skip_missing(orch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOX_WORKDIR", str(tmp_path / "w"))
    monkeypatch.setenv("TOX_SKIP_MISSING_INTERPRETERS", "true")
    args = build_parser()
    from orch.cli import env_options

    warnings: list[str] = []
    env_options.apply(args, {"TOX_WORKDIR": "w", "TOX_SKIP_MISSING_INTERPRETERS": "true"}, warnings.append)
    parsed = args.parse_args(["run"])
    assert (parsed.workdir, parsed.skip_missing_interpreters, warnings) == ("w", "true", [])
    assert args.parse_args(["run", "-s", "false"]).skip_missing_interpreters == "false"
    assert f"work_dir = {tmp_path / 'w'}" in orch("config", "--core", "-k", "work_dir", "-e", "a").out


def test_env_var_rule_general_and_guarded() -> None:
    from orch.cli import env_options

    parser = build_parser()
    warnings: list[str] = []
    env_options.apply(
        parser,
        {
            "TOX_PARALLEL_NO_SPINNER": "1",
            "TOX_PARALLEL": "auto",
            "TOXNO_TEST": "yes",
            "TOX_HASH_SEED": "0",  # not a seed: warned, ignored
            "TOX_WORK_DIR": "/outer",  # set by an enclosing env run: not for this orch
            "TOX_ENV_DIR": "/outer/py",
        },
        warnings.append,
    )
    parsed = parser.parse_args([])
    assert (parsed.parallel_no_spinner, parsed.parallel, parsed.notest, parsed.workdir) == (True, "auto", True, None)
    assert len(warnings) == 1 and warnings[0].startswith("env var TOX_HASH_SEED='0' ignored")


# ---------------------------------------------------------------------- commands' env
def test_commands_see_what_tox_gives_them(tmp_path: Path) -> None:
    environ = command_environ(
        caller={"PATH": "/bin"},
        pass_env=(),
        set_env={},
        backend={},
        bin_dirs=(),
        env_name="a",
        env_dir=tmp_path / "a",
        work_dir=tmp_path,
        hash_seed=7,
        packages=[tmp_path / "p-1.whl"],
    )
    assert (environ["PYTHONHASHSEED"], environ["TOX_WORK_DIR"], environ["TOX_PACKAGE"]) == (
        "7",
        str(tmp_path),
        str(tmp_path / "p-1.whl"),
    )
    overridden = command_environ(
        caller={}, pass_env=(), set_env={"PYTHONHASHSEED": "0"}, backend={}, bin_dirs=(), env_name="a", env_dir=tmp_path
    )
    assert overridden["PYTHONHASHSEED"] == "0"
