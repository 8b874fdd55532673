"""tox keys that orch accepted and then ignored: pip in every env, system_site_packages, constraints,
extra_setup_commands, and a warning for a key orch does not honour.

The real CLI in a subprocess (the shared ``project`` fixture), real interpreters, real venvs; work
done or not done is read from the run record, never from timing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_orch_run import NEWEST, PYENV_NAME, needs_python

from orch_project import MakeProject

pytestmark = [pytest.mark.integration, needs_python]

PIP = "python -m pip --version"


def record(root: Path) -> dict[str, Any]:
    """The envs of the last run's record in the project at ``root``."""
    envs: dict[str, Any] = json.loads((root / ".tox" / ".orch" / "last-run.json").read_text(encoding="utf-8"))["envs"]
    return envs


def test_pip_is_in_every_env_unless_left_out(project: MakeProject) -> None:
    run = project(
        {
            "tox.ini": f"""
        [tox]
        env_list = {PYENV_NAME}, nopip, uvseed
        skipsdist = true
        [testenv]
        base_python = {NEWEST}
        commands = {PIP}
        [testenv:nopip]
        seed_pip = false
        commands = python -c "import importlib.util as u, sys; sys.exit(u.find_spec('pip') is not None)"
        [testenv:uvseed]
        uv_seed = false
        commands = python -c "import importlib.util as u, sys; sys.exit(u.find_spec('pip') is not None)"
        """
        }
    ).run
    result = run("run")
    assert result.code == 0, result.out + result.err
    assert "pip " in result.out  # pip's own version line, from the env's pip
    assert "orch ignores" not in result.err and "unknown key" not in result.err


def test_seed_pip_is_in_the_env_record(project: MakeProject, tmp_path: Path) -> None:
    ini = f"""
        [tox]
        env_list = {PYENV_NAME}
        skipsdist = true
        [testenv]
        seed_pip = {{env:SEED:true}}
        commands = {PIP}
        """
    run = project({"tox.ini": ini}).run
    assert run("run").code == 0
    off = run("run", env={"SEED": "false"})
    assert off.code == 1  # no pip in the env
    assert record(tmp_path)[PYENV_NAME]["actions"][0].startswith("recreated: pip changed")
    again = run("run")
    assert again.code == 0, again.out + again.err
    assert record(tmp_path)[PYENV_NAME]["actions"][0].startswith("recreated: pip changed")
    assert run("run").code == 0
    assert record(tmp_path)[PYENV_NAME]["actions"] == ["reused"]


def test_system_site_packages(project: MakeProject) -> None:
    # every pyenv Python has pip in its own site-packages: with seed_pip off, only system_site_packages shows it
    check = (
        "python -c \"import os, sys, pip; sys.exit(os.path.realpath(pip.__file__).startswith(os.environ['ENV_DIR']))\""
    )
    run = project(
        {
            "tox.ini": f"""
        [tox]
        env_list = sees, blind
        skipsdist = true
        [testenv]
        base_python = {NEWEST}
        seed_pip = false
        set_env = ENV_DIR = {{env_dir}}
        [testenv:sees]
        sitepackages = true
        commands = {check}
        [testenv:blind]
        commands = python -c "import importlib.util as u, sys; sys.exit(u.find_spec('pip') is not None)"
        """
        }
    ).run
    result = run("run")
    assert result.code == 0, result.out + result.err


def test_constraints_pin_deps(project: MakeProject, tmp_path: Path) -> None:
    run = project(
        {
            "tox.ini": f"""
        [tox]
        env_list = {PYENV_NAME}
        skipsdist = true
        [testenv]
        deps = iniconfig
        constraints = constraints.txt
        commands = python -c "import importlib.metadata as m; print('iniconfig', m.version('iniconfig'))"
        """,
            "constraints.txt": "iniconfig==1.1.1\n",
        },
    ).run
    result = run("run")
    assert result.code == 0, result.out + result.err
    assert "iniconfig 1.1.1" in result.out
    (tmp_path / "constraints.txt").write_text("iniconfig==2.0.0\n")
    changed = run("run")
    assert "iniconfig 2.0.0" in changed.out
    assert record(tmp_path)[PYENV_NAME]["actions"][0] == "recreated: requirements file constraints.txt changed"


def test_extra_setup_commands_run_after_setup_before_commands_pre(project: MakeProject, tmp_path: Path) -> None:
    # as tox 4 (tox_env/python/runner.py): on every run that sets the env up, reused or not
    log = tmp_path / "order.txt"
    append = "python -c \"import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')\" " + str(log)
    run = project(
        {
            "tox.ini": f"""
        [tox]
        env_list = {PYENV_NAME}
        skipsdist = true
        [testenv]
        extra_setup_commands = {append} setup
        commands_pre = {append} pre
        commands = {append} main
        """
        }
    ).run
    assert run("run").code == 0
    second = run("run")
    assert second.code == 0
    assert record(tmp_path)[PYENV_NAME]["actions"] == ["reused"]
    assert log.read_text().split() == ["setup", "pre", "main"] * 2


def test_a_failing_extra_setup_command_fails_the_env(project: MakeProject) -> None:
    run = project(
        {
            "tox.ini": f"""
        [tox]
        env_list = {PYENV_NAME}
        skipsdist = true
        [testenv]
        extra_setup_commands = python -c "raise SystemExit(3)"
        commands = python -c "print('not reached')"
        """
        }
    ).run
    result = run("run")
    assert result.code != 0
    assert "extra_setup_commands[0] exit 3" in result.out + result.err
    assert "not reached" not in result.out


def test_a_key_orch_ignores_is_named_once(project: MakeProject) -> None:
    run = project(
        {
            "tox.ini": f"""
        [tox]
        env_list = {PYENV_NAME}
        skipsdist = true
        [testenv]
        uv_resolution = lowest
        commands = python -c "pass"
        [testenv:other]
        uv_resolution = lowest-direct
        """
        }
    ).run
    result = run("list")
    assert result.err.count("orch ignores 'uv_resolution'") == 1
