"""One env's run (orch.schedule.envrun), in-process on ``current`` and ``system`` envs: where a command is
found, whether it may run, and what the result records."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orch.schedule.commands import CommandRejected, allowed, locate
from orch.schedule.envrun import RunOptions
from orch.schedule.results import EnvStatus


def tool(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


# ------------------------------------------------------------------------------ locate and allowed
@pytest.mark.skipif(os.name == "nt", reason="executable bits")
def test_locate_prefers_the_envs_bin_dirs_over_path(tmp_path: Path) -> None:
    inside, outside = tool(tmp_path / "env" / "bin", "t"), tool(tmp_path / "host", "t")
    env = (tmp_path / "env",)
    found = locate("t", bin_dirs=(tmp_path / "env" / "bin",), path=str(outside.parent), cwd=tmp_path, env_dir=env[0])
    assert found == (str(inside), True)
    assert locate("t", bin_dirs=(), path=str(outside.parent), cwd=tmp_path, env_dir=None) == (str(outside), False)


@pytest.mark.skipif(os.name == "nt", reason="executable bits")
def test_locate_a_path_is_relative_to_cwd_and_inside_when_below_the_env(tmp_path: Path) -> None:
    script = tool(tmp_path / "env" / "scripts", "run.sh")
    relative = locate("env/scripts/run.sh", bin_dirs=(), path="", cwd=tmp_path, env_dir=tmp_path / "env")
    assert relative == (str(script.resolve()), True)
    assert locate(str(script), bin_dirs=(), path="", cwd=tmp_path, env_dir=tmp_path / "other") == (str(script), False)


def test_locate_rejects_what_it_cannot_find(tmp_path: Path) -> None:
    with pytest.raises(CommandRejected, match=r"^command not found: no-such-tool$") as missing:
        locate("no-such-tool", bin_dirs=(tmp_path,), path=str(tmp_path), cwd=tmp_path, env_dir=None)
    assert missing.value.status == "not found"
    (tmp_path / "data.txt").write_text("not a program")
    with pytest.raises(CommandRejected, match=r"not executable: \./data\.txt"):
        locate("./data.txt", bin_dirs=(), path="", cwd=tmp_path, env_dir=None)


@pytest.mark.parametrize(
    ("name", "resolved", "patterns", "expected"),
    [
        ("make", "/usr/bin/make", ("make",), True),
        ("make", "/usr/bin/make", ("/usr/bin/*",), True),
        ("make", "/usr/bin/make", ("ma?e",), True),
        ("make", "/usr/bin/make", ("cmake", "/opt/*"), False),
        ("make", "/usr/bin/make", (), False),
        ("Make", "/usr/bin/Make", ("make",), False),
    ],
)
def test_allowed_matches_globs_on_the_name_or_the_path(
    name: str, resolved: str, patterns: tuple[str, ...], expected: bool
) -> None:
    assert allowed(name, resolved, patterns) is expected


# ------------------------------------------------------------------------------ EnvRunner.run
def test_a_current_env_runs_its_commands_in_order_with_posargs(runner, tmp_path: Path) -> None:
    run = runner(
        {
            "tox.ini": """
            [tox]
            env_list = here
            [testenv:here]
            env_type = current
            commands_pre = python -c "print('PRE')"
            commands = python -c "import sys; print('ARGS', sys.argv[1:])" {posargs:none}
            commands_post = python -c "print('POST')"
            """
        }
    )
    result = run.run("here")
    assert result.status is EnvStatus.OK, result.message
    assert [(c.phase, c.exit_code) for c in result.commands] == [
        ("commands_pre", 0),
        ("commands", 0),
        ("commands_post", 0),
    ]
    log = (tmp_path / ".tox" / ".orch" / "here" / "log" / "commands.log").read_text()
    assert log.index("PRE") < log.index("ARGS ['none']") < log.index("POST")
    assert result.started <= result.ended


def test_a_failing_command_fails_the_env_and_post_commands_still_run(runner) -> None:
    run = runner(
        {
            "tox.ini": """
            [tox]
            env_list = bad
            [testenv:bad]
            env_type = current
            commands =
                python -c "raise SystemExit(3)"
                python -c "print('never')"
            commands_post = python -c "print('POST')"
            """
        }
    )
    result = run.run("bad")
    assert result.status is EnvStatus.FAILED
    assert [(c.phase, c.exit_code) for c in result.commands] == [("commands", 3), ("commands_post", 0)]


def test_an_outside_command_needs_the_allowlist(runner) -> None:
    ini = """
    [tox]
    env_list = sys
    [testenv:sys]
    env_type = current
    commands = sh -c "exit 0"
    """
    run = runner({"tox.ini": ini})
    result = run.run("sys")
    assert result.status is EnvStatus.FAILED
    assert [c.status for c in result.commands] == ["rejected"]
    assert "allowlist_externals" in run.console.stream.getvalue()
    allowed_ini = ini + "allowlist_externals = sh\n"
    assert runner({"tox.ini": allowed_ini}).run("sys").status is EnvStatus.OK


def test_a_system_env_runs_host_tools_and_a_missing_one_is_not_found(runner) -> None:
    ini = """
    [tox]
    env_list = host, missing
    [testenv]
    env_type = system
    [testenv:host]
    commands = sh -c "exit 0"
    [testenv:missing]
    commands = no-such-command-anywhere
    """
    run = runner({"tox.ini": ini})
    assert run.run("host").status is EnvStatus.OK
    missing = run.run("missing")
    assert missing.status is EnvStatus.FAILED
    assert [c.status for c in missing.commands] == ["not found"]


def test_notest_sets_up_and_runs_no_command(runner) -> None:
    ini = '[tox]\nenv_list = a\n[testenv:a]\nenv_type = current\ncommands = python -c "raise SystemExit(1)"\n'
    result = runner({"tox.ini": ini}, RunOptions(notest=True)).run("a")
    assert (result.status, result.commands) == (EnvStatus.OK, [])


def test_a_value_that_cannot_be_computed_fails_that_env_only(runner) -> None:
    ini = """
    [tox]
    env_list = ok, broken
    [testenv]
    env_type = current
    [testenv:broken]
    base_python =
    """
    run = runner({"tox.ini": ini})
    broken = run.run("broken")
    assert broken.status is EnvStatus.FAILED
    assert broken.message.startswith("error: ") and "base_python is empty" in broken.message
    assert run.run("ok").status is EnvStatus.OK
