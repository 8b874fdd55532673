"""PEP 735 dependency groups and tox-uv's runners, on the sample projects in tests/packages/.

The real CLI in a subprocess, real venvs, real uv; work done or not done is read from the run
record (`.tox/.orch/last-run.json`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from orch.envs.installer import uv_bin
from orch_project import MakeProject, Project

pytestmark = pytest.mark.integration

OLD_INICONFIG = "1.1.1"  # pinned in the lock; the index's newest is 2.x


def record(proj: Project, env: str) -> dict[str, Any]:
    envs: dict[str, dict[str, Any]] = proj.record()["envs"]
    return envs[env]


GROUPS_INI = """
[tox]
env_list = test
[testenv]
skip_install = true
[testenv:test]
dependency_groups = test
commands = python -c "import iniconfig; print('GROUP-OK')"
[testenv:all]
dependency_groups = all
commands = python -c "import iniconfig, six; print('ALL-OK')"
[testenv:nope]
dependency_groups = nope
commands = python -c "print('RAN')"
"""


def test_group_is_installed_and_reused_without_installer(project: MakeProject) -> None:
    proj = project({"tox.ini": GROUPS_INI}, sample="groups_proj", unset=["VIRTUAL_ENV"])
    first = proj.run("run", "-e", "test")
    assert first.code == 0, first.out + first.err
    assert "GROUP-OK" in first.out
    env = record(proj, "test")
    assert env["installer_runs"] == 1
    assert "installed dependency groups: test" in env["actions"]
    again = proj.run("run", "-e", "test")
    assert again.code == 0, again.out + again.err
    env = record(proj, "test")
    assert (env["actions"], env["installer_runs"]) == (["reused"], 0)


def test_changed_group_sets_the_env_up_again(project: MakeProject) -> None:
    ini = GROUPS_INI.replace("import iniconfig;", "import iniconfig, six;")
    proj = project({"tox.ini": ini}, sample="groups_proj", unset=["VIRTUAL_ENV"])
    before = proj.run("run", "-e", "test")
    assert before.code != 0  # six is in no group yet
    assert record(proj, "test")["installer_runs"] == 1
    pyproject = proj.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('test = ["iniconfig"]', 'test = ["iniconfig", "six"]'))
    after = proj.run("run", "-e", "test")
    assert after.code == 0, after.out + after.err
    assert "recreate: dependency group requirements changed" in after.out
    assert record(proj, "test")["installer_runs"] == 1


def test_included_group_and_own_extra(project: MakeProject) -> None:
    """`{include-group = "test"}` and `groups-proj[extra]` (the project's own extra, as tox unwraps it)."""
    proj = project({"tox.ini": GROUPS_INI}, sample="groups_proj", unset=["VIRTUAL_ENV"])
    result = proj.run("run", "-e", "all")
    assert result.code == 0, result.out + result.err
    assert "ALL-OK" in result.out


def test_missing_group_fails_that_env_with_one_line(project: MakeProject) -> None:
    proj = project({"tox.ini": GROUPS_INI}, sample="groups_proj", unset=["VIRTUAL_ENV"])
    result = proj.run("run", "-e", "nope,test")
    assert result.code != 0
    assert "RAN" not in result.out
    nope = record(proj, "nope")
    assert nope["status"] == "failed"
    message = str(nope["message"])
    assert "dependency group 'nope' not found" in message and "pyproject.toml" in message
    assert "\n" not in message
    assert record(proj, "test")["status"] == "ok"


LOCK_INI = """
[tox]
env_list = locked
[testenv:locked]
runner = uv-venv-lock-runner
dependency_groups = test
commands = python -c "import importlib.metadata as m, six; print('INICONFIG', m.version('iniconfig'))"
[testenv:unlocked]
runner = uv-venv-runner
skip_install = true
deps = iniconfig
commands = python -c "import importlib.metadata as m; print('INICONFIG', m.version('iniconfig'))"
[testenv:odd]
runner = virtualenv-pep-723
commands = python -c "print('RAN')"
"""


def lock(root: Path, *args: str) -> None:
    subprocess.run([uv_bin("test"), "lock", "-q", *args], cwd=root, check=True, timeout=300)


def test_lock_runner_installs_the_locked_version(project: MakeProject) -> None:
    proj = project({"tox.ini": LOCK_INI}, sample="lock_proj", unset=["VIRTUAL_ENV"])
    lock(proj.path, "--upgrade-package", f"iniconfig=={OLD_INICONFIG}")
    first = proj.run("run", "-e", "locked,unlocked")
    assert first.code == 0, first.out + first.err
    versions = [line for line in first.out.splitlines() if line.startswith("INICONFIG")]
    assert versions[0] == f"INICONFIG {OLD_INICONFIG}"  # the lock's pin, with the group (six) installed
    assert versions[1] != versions[0]  # uv-venv-runner: orch's uv path, the newest
    env = record(proj, "locked")
    assert "synced from uv.lock" in env["actions"]
    again = proj.run("run", "-e", "locked")
    assert again.code == 0, again.out + again.err
    env = record(proj, "locked")
    assert (env["actions"], env["installer_runs"]) == (["reused"], 0)
    lock(proj.path, "--upgrade-package", "iniconfig")  # a changed lock syncs again
    newer = proj.run("run", "-e", "locked")
    assert newer.code == 0, newer.out + newer.err
    assert f"INICONFIG {OLD_INICONFIG}" not in newer.out
    assert "uv.lock changed" in newer.out


def test_unknown_runner_fails_that_env_with_one_line(project: MakeProject) -> None:
    proj = project({"tox.ini": LOCK_INI}, sample="lock_proj", unset=["VIRTUAL_ENV"])
    result = proj.run("run", "-e", "odd,unlocked")
    assert result.code != 0
    assert "RAN" not in result.out
    odd = record(proj, "odd")
    message = str(odd["message"])
    assert odd["status"] == "failed" and "\n" not in message
    assert "tox.ini:" in message and "runner" in message and "'virtualenv-pep-723'" in message
    assert record(proj, "unlocked")["status"] == "ok"
