"""PEP 735 dependency groups and tox-uv's runners, on the sample projects in tests/packages/.

The real CLI in a subprocess, real venvs, real uv; work done or not done is read from the run
record (`.tox/.orch/last-run.json`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from orch.envs.installer import uv_bin

pytestmark = pytest.mark.integration

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
OLD_INICONFIG = "1.1.1"  # pinned in the lock; the index's newest is 2.x
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orch-cache")


def sample(name: str, root: Path, tox_ini: str, cache: Path) -> Run:
    """Copy tests/packages/NAME to ``root``, add the tox.ini, and return a runner of the orch CLI there."""
    shutil.copytree(PACKAGES / name, root, dirs_exist_ok=True)
    (root / "tox.ini").write_text(textwrap.dedent(tox_ini))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "VIRTUAL_ENV"))}
        env["ORCH_CACHE_DIR"] = str(cache)
        command = [sys.executable, "-m", "orch", *args]
        return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)

    return run


def record(root: Path, env: str) -> dict[str, object]:
    data = json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())
    return data["envs"][env]  # type: ignore[no-any-return]


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


def test_group_is_installed_and_reused_without_installer(tmp_path: Path, cache_dir: Path) -> None:
    run = sample("groups_proj", tmp_path, GROUPS_INI, cache_dir)
    first = run("run", "-e", "test")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "GROUP-OK" in first.stdout
    env = record(tmp_path, "test")
    assert env["installer_runs"] == 1
    assert "installed dependency groups: test" in env["actions"]  # type: ignore[operator]
    again = run("run", "-e", "test")
    assert again.returncode == 0, again.stdout + again.stderr
    env = record(tmp_path, "test")
    assert (env["actions"], env["installer_runs"]) == (["reused"], 0)


def test_changed_group_sets_the_env_up_again(tmp_path: Path, cache_dir: Path) -> None:
    ini = GROUPS_INI.replace("import iniconfig;", "import iniconfig, six;")
    run = sample("groups_proj", tmp_path, ini, cache_dir)
    before = run("run", "-e", "test")
    assert before.returncode != 0  # six is in no group yet
    assert record(tmp_path, "test")["installer_runs"] == 1
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('test = ["iniconfig"]', 'test = ["iniconfig", "six"]'))
    after = run("run", "-e", "test")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "recreate: dependency group requirements changed" in after.stdout
    assert record(tmp_path, "test")["installer_runs"] == 1


def test_included_group_and_own_extra(tmp_path: Path, cache_dir: Path) -> None:
    """`{include-group = "test"}` and `groups-proj[extra]` (the project's own extra, as tox unwraps it)."""
    run = sample("groups_proj", tmp_path, GROUPS_INI, cache_dir)
    result = run("run", "-e", "all")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ALL-OK" in result.stdout


def test_missing_group_fails_that_env_with_one_line(tmp_path: Path, cache_dir: Path) -> None:
    run = sample("groups_proj", tmp_path, GROUPS_INI, cache_dir)
    result = run("run", "-e", "nope,test")
    assert result.returncode != 0
    assert "RAN" not in result.stdout
    nope = record(tmp_path, "nope")
    assert nope["status"] == "failed"
    message = str(nope["message"])
    assert "dependency group 'nope' not found" in message and "pyproject.toml" in message
    assert "\n" not in message
    assert record(tmp_path, "test")["status"] == "ok"


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


def test_lock_runner_installs_the_locked_version(tmp_path: Path, cache_dir: Path) -> None:
    run = sample("lock_proj", tmp_path, LOCK_INI, cache_dir)
    lock(tmp_path, "--upgrade-package", f"iniconfig=={OLD_INICONFIG}")
    first = run("run", "-e", "locked,unlocked")
    assert first.returncode == 0, first.stdout + first.stderr
    versions = [line for line in first.stdout.splitlines() if line.startswith("INICONFIG")]
    assert versions[0] == f"INICONFIG {OLD_INICONFIG}"  # the lock's pin, with the group (six) installed
    assert versions[1] != versions[0]  # uv-venv-runner: orch's uv path, the newest
    env = record(tmp_path, "locked")
    assert "synced from uv.lock" in env["actions"]  # type: ignore[operator]
    again = run("run", "-e", "locked")
    assert again.returncode == 0, again.stdout + again.stderr
    env = record(tmp_path, "locked")
    assert (env["actions"], env["installer_runs"]) == (["reused"], 0)
    lock(tmp_path, "--upgrade-package", "iniconfig")  # a changed lock syncs again
    newer = run("run", "-e", "locked")
    assert newer.returncode == 0, newer.stdout + newer.stderr
    assert f"INICONFIG {OLD_INICONFIG}" not in newer.stdout
    assert "uv.lock changed" in newer.stdout


def test_unknown_runner_fails_that_env_with_one_line(tmp_path: Path, cache_dir: Path) -> None:
    run = sample("lock_proj", tmp_path, LOCK_INI, cache_dir)
    result = run("run", "-e", "odd,unlocked")
    assert result.returncode != 0
    assert "RAN" not in result.stdout
    odd = record(tmp_path, "odd")
    message = str(odd["message"])
    assert odd["status"] == "failed" and "\n" not in message
    assert "tox.ini:" in message and "runner" in message and "'virtualenv-pep-723'" in message
    assert record(tmp_path, "unlocked")["status"] == "ok"
