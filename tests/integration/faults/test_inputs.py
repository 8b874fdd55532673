"""Hostile and broken inputs: the real CLI in a subprocess must end with a one-line ``error:``, never a traceback.

Each case is a user mistake or an attack seen by a probe (issue 12, sections 3, 5 and 7): memory-eating env lists,
nesting past the recursion limit, bad paths for reports, a damaged run record, a broken stdout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orch_project import MakeProject, Outcome, Project

pytestmark = pytest.mark.integration

RUN_ENV = "[testenv]\npackage = skip\ncommands = python -c \"print('ran')\"\n"


RUN_INI = {"tox.ini": f"[tox]\nenv_list = a\n{RUN_ENV}"}


# ------------------------------------------------------------------------------------ memory and recursion
def test_env_list_past_the_expansion_limit_is_an_error_naming_the_expression(project: MakeProject) -> None:
    digits = "{0,1,2,3,4,5,6,7,8,9}"
    proj = project({"tox.ini": f"[tox]\nenv_list = huge{digits * 8}\n"})
    result = proj.run("list", timeout=30)
    result.assert_error("tox.ini:2", "env_list", "huge{0,1", "more than 100,000 env names")


def test_a_huge_range_is_an_error(project: MakeProject) -> None:
    proj = project({"tox.ini": "[tox]\nenv_list = py{0-100000000}\n"})
    proj.run("list", timeout=30).assert_error("tox.ini:2", "0-100000000")


@pytest.mark.parametrize(
    "line",
    [
        "env_list = " + "{a" * 1000 + "}" * 1000,
        "env_list = a\n[testenv]\ncommands = echo " + "{env:X:" * 1000 + "}" * 1000,
    ],
    ids=["env_list", "substitution"],
)
def test_braces_1000_deep_are_an_error(project: MakeProject, line: str) -> None:
    proj = project({"tox.ini": f"[tox]\n{line}\n"})
    proj.run("config", "-e", "a", "-k", "commands").assert_error("nested more than")


@pytest.mark.parametrize(
    ("name", "table"), [("orch.toml", ""), ("tox.toml", ""), ("pyproject.toml", "[tool.orch]\n")], ids=str
)
def test_toml_nested_500_deep_is_an_error(project: MakeProject, name: str, table: str) -> None:
    proj = project({name: f"{table}x = {'[' * 500}{']' * 500}\n"})
    proj.run("list").assert_error(f"{name}: nested too deep")


def test_a_2000_long_reference_chain_stops_without_a_traceback(project: MakeProject) -> None:
    chain = "".join(f"[s{i}]\nx = {{[s{i + 1}]x}}\n" for i in range(2000))
    proj = project({"tox.ini": f"[tox]\nenv_list = a\n[testenv]\ncommands = echo {{[s0]x}}\n{chain}[s2000]\nx = end\n"})
    result = proj.run("config", "-e", "a", "-k", "commands")
    assert "Traceback" not in result.err, result.err


# ------------------------------------------------------------------------------------ values orch cannot use
def test_a_section_name_with_a_space_is_an_error(project: MakeProject) -> None:
    proj = project({"tox.ini": "[tox]\nenv_list = a\n[testenv:a b]\ncommands = python -c 1\n"})
    proj.run("list").assert_error("tox.ini:3", "[testenv:a b]", "not an env name")


@pytest.mark.parametrize(
    ("lines", "key", "expected"),
    [
        ('commands = python -c "1\0"', "commands", "NUL byte"),
        ("platform = [", "platform", "not a valid regular expression"),
        ("commands_retry = -1", "commands_retry", "0 or more"),
        ("timeout = -5", "timeout", "0 or more"),
        ("command_timeout = nan", "command_timeout", "0 or more"),
    ],
    ids=["nul", "platform", "retry", "timeout", "nan"],
)
def test_values_no_run_can_use_are_errors_naming_the_key(
    project: MakeProject, lines: str, key: str, expected: str
) -> None:
    proj = project({"tox.ini": f"[tox]\nenv_list = a\n[testenv]\npackage = skip\n{lines}\n"})
    proj.run("config", "-e", "a", "-k", key).assert_error("tox.ini:5", f"[testenv:a] {key}:", expected)


@pytest.mark.parametrize(
    ("lines", "key"),
    [
        ("set_env = A=a\0b", "set_env"),
        ("deps = a\0b", "deps"),
        ("change_dir = a\0b", "change_dir"),
        ("env_dir = a\0b", "env_dir"),
        ("install_command = pip install \0 {packages}\ndeps = six", "install_command"),
        ("commands_pre = python -c 1\0", "commands_pre"),
    ],
)
def test_a_nul_byte_in_any_value_is_an_error_naming_the_key(project: MakeProject, lines: str, key: str) -> None:
    proj = project({"tox.ini": f"[tox]\nenv_list = a\n[testenv]\npackage = skip\n{lines}\ncommands = python -c 1\n"})
    proj.run("config", "-e", "a", "-k", key).assert_error("tox.ini:5", f"[testenv:a] {key}:", "NUL byte")
    result = proj.run("run")
    assert result.code == 1, result
    assert "Traceback" not in result.err + result.out
    assert f"[testenv:a] {key}: a NUL byte" in result.out + result.err


def test_a_nul_byte_in_the_work_dir_or_a_toml_value_is_an_error(project: MakeProject) -> None:
    proj = project({"tox.ini": "[tox]\nwork_dir = a\0b\n[testenv]\npackage = skip\ncommands = python -c 1\n"})
    proj.run("run").assert_error("tox.ini:2", "[tox] work_dir:", "NUL byte")
    (proj.path / "tox.ini").unlink()
    toml = '[env_run_base]\npackage = "skip"\nset_env = { A = "a\\u0000b" }\ncommands = [["python", "-c", "1"]]\n'
    proj.write({"tox.toml": toml})
    proj.run("config", "-e", "py", "-k", "set_env").assert_error("tox.toml:3", "[env.py] set_env:", "NUL byte")


def test_a_nul_byte_in_a_command_fails_the_env_without_a_traceback(project: MakeProject) -> None:
    proj = project({"tox.ini": '[tox]\nenv_list = a\n[testenv]\npackage = skip\ncommands = python -c "1\0"\n'})
    result = proj.run("run")
    assert result.code == 1, result
    assert "Traceback" not in result.err + result.out
    assert "NUL byte" in result.out


@pytest.mark.parametrize(
    ("table", "key", "expected"),
    [
        ("env_list = 5", "env_list", "must be a list"),
        ('env_list = ["a"]\n[env.a]\ndeps = 3', "deps", "must be a list"),
        ('env_list = ["a"]\n[env.a]\ncommands_retry = -1', "commands_retry", "0 or more"),
        ('env_list = ["a"]\n[env.a]\ntimeout = -5', "timeout", "0 or more"),
    ],
    ids=["env_list", "deps", "retry", "timeout"],
)
def test_orch_toml_type_errors_name_the_file_and_key(project: MakeProject, table: str, key: str, expected: str) -> None:
    proj = project({"orch.toml": table + "\n"})
    result = proj.run("config", "-e", "a", "-k", key)
    result.assert_error("orch.toml:", key, expected)


# ------------------------------------------------------------------------------------ command line
@pytest.mark.parametrize(
    "command", [["exec", "-e", "a", "-p", "abc", "--", "python", "-c", "1"], ["build", "-p", "abc"]]
)
def test_a_bad_parallel_value_is_a_usage_error(project: MakeProject, command: list[str]) -> None:
    proj = project(RUN_INI)
    proj.run(*command).assert_error("-p abc", "auto or all")


def test_an_empty_workdir_is_a_usage_error(project: MakeProject) -> None:
    proj = project(RUN_INI)
    result = proj.run("run", "--workdir", "")
    result.assert_error("--workdir ''", "empty path")
    assert not (proj.path / ".tox").exists()


def test_an_empty_env_name_is_a_config_error(project: MakeProject) -> None:
    proj = project({"tox.toml": '[env.""]\ncommands = [["python", "-c", "1"]]\n'})
    proj.run("list").assert_error("environment name '' is not a valid single path component")


@pytest.mark.parametrize("n", ["99999999999999999999", "100001"])
def test_a_shard_count_past_the_limit_is_a_usage_error(project: MakeProject, n: str) -> None:
    proj = project(RUN_INI)
    result = proj.run("run", "--shard", f"1/{n}")
    result.assert_error(f"--shard 1/{n}", "more than 100,000 shards")
    assert "ran" not in result.out


@pytest.mark.parametrize("option", ["--result-json", "--junit"])
def test_a_report_under_a_file_is_refused_before_any_env_runs(project: MakeProject, option: str) -> None:
    proj = project(RUN_INI)
    result = proj.run("run", option, "tox.ini/report")
    result.assert_error(option, "tox.ini is not a folder")
    assert "ran" not in result.out
    assert not (proj.path / ".tox" / ".orch" / "a").exists()


def test_a_report_that_is_a_folder_is_refused(project: MakeProject) -> None:
    proj = project(RUN_INI)
    proj.run("run", "--junit", str(proj.path)).assert_error("--junit", "is a folder")


@pytest.mark.parametrize("command", [["run"], ["exec", "-e", "a", "--", "python", "-c", "1"], ["build"]])
def test_a_workdir_that_is_a_file_is_a_usage_error(project: MakeProject, command: list[str]) -> None:
    proj = project(RUN_INI)
    proj.run("--workdir", "tox.ini", *command).assert_error("--workdir tox.ini", "is not a folder")


def test_an_empty_e_runs_the_default_envs_as_tox_does_and_says_so(project: MakeProject) -> None:
    proj = project(RUN_INI)
    result = proj.run("run", "-e", "")
    assert result.code == 0, result
    assert "ran" in result.out
    assert "warning: -e names no env" in result.err


# ------------------------------------------------------------------------------------ a damaged run record
@pytest.mark.parametrize(
    "record",
    [
        "[1, 2]",
        '{"envs": [1]}',
        '{"envs": {"a": 5}}',
        '{"envs": {"a": {"status": "ok", "duration": "x"}}, "complete": false}',
        '{"envs": {"a": {"status": "failed", "commands": [{"phase": 1}]}}}',
        '{"envs": {"a": {"status": "maybe"}}}',
    ],
)
@pytest.mark.parametrize("option", ["--failed", "--resume", "-p2", None])
def test_a_run_record_of_the_wrong_shape_is_ignored_with_a_warning_and_replaced(
    project: MakeProject, record: str, option: str | None
) -> None:
    """Runs that read the record (--failed, --resume, and -p for the last durations) warn about a bad
    one; a plain sequential run does not read it (nothing it does depends on it) and replaces it."""
    proj = project(RUN_INI)
    (proj.path / ".tox" / ".orch").mkdir(parents=True)
    target = proj.path / ".tox" / ".orch" / "last-run.json"
    target.write_text(record)
    result = proj.run("run", *([option] if option else []))
    assert result.code == 0, result
    assert "Traceback" not in result.err
    if option is not None:
        assert "warning: ignoring the run record" in result.err
    if option is None:
        assert '"status": "ok"' in target.read_text()
        assert proj.run("run", "--failed").err == ""


def test_a_folder_named_like_the_run_record_is_a_warning_and_leaves_no_temp_file(project: MakeProject) -> None:
    proj = project(RUN_INI)
    work = proj.path / ".tox" / ".orch"
    (work / "last-run.json").mkdir(parents=True)
    for _ in range(2):
        result = proj.run("run")
        assert result.code == 0, result
        assert "Traceback" not in result.err, result.err
        assert f"warning: cannot write the run record {work / 'last-run.json'}: Is a directory" in result.err
    assert not [p.name for p in work.iterdir() if p.name.startswith(".last-run-")]
    assert (work / "last-run.json").is_dir()


# ------------------------------------------------------------------------------------ a broken stdout
BROKEN_PIPE_INI = """\
[tox]
env_list = a, b
[testenv]
package = skip
commands =
    python -c "print('x' * 200000)"
    python -c "import pathlib; pathlib.Path('ran-{env_name}').write_text('')"
[testenv:b]
commands =
    python -c "import pathlib; pathlib.Path('ran-{env_name}').write_text('')"
    python -c "import sys; sys.exit({env:B_EXIT:0})"
"""


def closed_after_one_line(proj: Project, *args: str, b_exit: int = 0) -> tuple[int, str]:
    """``orch ARGS | head -1``: the reader goes away after the first line; orch's exit code and stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "orch", *args],
        cwd=proj.path,
        env=proj.environ({"B_EXIT": str(b_exit)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(),
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err.decode()


@pytest.mark.parametrize("parallel", [[], ["-p", "2"]], ids=["sequential", "parallel"])
@pytest.mark.parametrize("b_exit", [0, 4])
def test_a_broken_stdout_still_runs_every_env_and_exits_with_the_real_result(
    project: MakeProject, parallel: list[str], b_exit: int
) -> None:
    proj = project({"tox.ini": BROKEN_PIPE_INI})
    code, err = closed_after_one_line(proj, "run", *parallel, b_exit=b_exit)
    assert "Traceback" not in err, err
    assert (proj.path / "ran-a").exists()
    assert (proj.path / "ran-b").exists()
    assert code == (1 if b_exit else 0), err
    assert "broken pipe" in err


def test_a_broken_stdout_keeps_the_exit_code_of_exec(project: MakeProject) -> None:
    proj = project({"tox.ini": BROKEN_PIPE_INI})
    code, err = closed_after_one_line(proj, "exec", "-e", "a", "--", "python", "-c", "print('y' * 200000); exit(3)")
    assert code == 3, err
    assert "Traceback" not in err


def with_stdout(proj: Project, redirect: str, *args: str) -> Outcome:
    """``orch ARGS REDIRECT`` through a shell: ``>&-`` closes stdout, ``>/dev/full`` fills it."""
    script = f'exec "$0" -m orch "$@" {redirect}'
    argv = ["sh", "-c", script, sys.executable, *args]
    proc = subprocess.run(argv, cwd=proj.path, env=proj.environ(), stderr=subprocess.PIPE, text=True, check=False)
    return Outcome(proc.returncode, "", proc.stderr)


@pytest.mark.parametrize("b_exit", [0, 4])
def test_a_closed_stdout_runs_every_env_and_exits_with_the_real_result(project: MakeProject, b_exit: int) -> None:
    proj = project({"tox.ini": BROKEN_PIPE_INI.replace("{env:B_EXIT:0}", str(b_exit))})
    result = with_stdout(proj, ">&-", "run")
    assert "Traceback" not in result.err, result.err
    assert (proj.path / "ran-a").exists()
    assert (proj.path / "ran-b").exists()
    assert result.code == (1 if b_exit else 0), result


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "command", [["run"], ["list"], ["config", "-e", "a"], ["exec", "-e", "a", "--", "python", "-c", "exit(3)"]]
)
def test_a_full_stdout_is_discarded_like_a_broken_pipe(project: MakeProject, command: list[str]) -> None:
    proj = project({"tox.ini": BROKEN_PIPE_INI})
    result = with_stdout(proj, ">/dev/full", *command)
    assert "Traceback" not in result.err, result.err
    assert result.code == (3 if command[0] == "exec" else 0), result
    if command[0] != "exec":  # exec's command writes to the inherited fd itself; orch prints nothing on stdout
        assert "stdout failed (no space left on device): the rest of the output was discarded" in result.err
    if command == ["run"]:
        assert (proj.path / "ran-b").exists()


# ------------------------------------------------------------------------------------ discovery
def test_an_inline_tool_orch_table_is_the_config(project: MakeProject) -> None:
    proj = project({"tox.ini": "[tox]\nenv_list = from_tox\n"})
    proj.write({"pyproject.toml": '[tool]\norch = { env_list = ["from_orch"] }\n'})
    result = proj.run("list")
    assert result.code == 0, result
    assert "from_orch" in result.out


def test_a_2000_long_set_env_chain_is_an_error(project: MakeProject) -> None:
    chain = "".join(f"    V{i} = {{env:V{i + 1}}}\n" for i in range(2000))
    proj = project(
        {"tox.ini": f"[tox]\nenv_list = a\n[testenv]\nset_env =\n{chain}    V2000 = end\ncommands = echo {{env:V0}}\n"}
    )
    proj.run("config", "-e", "a", "-k", "commands").assert_error("commands", "more than 100 set_env values")
