"""Conda envs end to end: real solves and installs through py-rattler from the local test channel
(no conda, no internet for conda), deps installed with uv inside, reuse and updates asserted from the
run record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conda_channel import LocalChannel
from orch_project import MakeProject, Project

pytestmark = [pytest.mark.integration, pytest.mark.conda]

TOX_INI = """
[tox]
env_list = py38-conda, py312-conda
skip_missing_interpreters = false

[testenv]
skip_install = true
deps = iniconfig
conda_deps = pytest
commands =
    pytest --version
    python -c "import os, sys, iniconfig; print('PREFIX', os.environ['CONDA_PREFIX'], sys.prefix)"
"""


def record(proj: Project) -> dict[str, dict[str, Any]]:
    return proj.record()["envs"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orch-cache")


@pytest.fixture
def proj(project: MakeProject, cache: Path, local_channel: LocalChannel) -> Project:
    """TOX_INI's project, its envs from the local channel, its runs without the caller's ``CONDA*`` variables."""
    return project({"tox.ini": TOX_INI}, cache=cache, unset=["CONDA"], options=local_channel.options)


def test_py38_and_py312_conda_envs_are_created_then_reused(proj: Project) -> None:
    first = proj.run(timeout=600)
    assert first.code == 0, first.out + first.err
    assert "pytest 8.3" in first.out and "pytest 9." in first.out
    for name in ("py38-conda", "py312-conda"):
        prefix = proj.path / ".tox" / ".orch" / name
        assert f"PREFIX {prefix} {prefix}" in first.out
        assert (prefix / "conda-meta").is_dir()
    envs = record(proj)
    assert envs["py38-conda"]["actions"] == [
        "created with py-rattler",
        "installed conda specs: python 3.8.* pytest",
        "installed deps: iniconfig",
    ]
    assert envs["py38-conda"]["installer_runs"] == 2  # the conda engine, then uv for deps
    assert list(
        (proj.path / ".tox" / ".orch" / "py312-conda" / "lib" / "python3.12" / "site-packages").glob("iniconfig*")
    )

    again = proj.run(timeout=600)
    assert again.code == 0, again.out + again.err
    for env in record(proj).values():
        assert env["actions"] == ["reused"]
        assert env["installer_runs"] == 0


def test_added_specs_are_installed_without_recreating(proj: Project) -> None:
    assert proj.run("-e", "py312-conda", timeout=600).code == 0
    marker = proj.path / ".tox" / ".orch" / "py312-conda" / "kept"
    marker.write_text("")
    more = proj.run("-e", "py312-conda", "-x", "testenv.conda_deps=pytest\npygments", timeout=600)
    assert more.code == 0, more.out + more.err
    env = record(proj)["py312-conda"]
    assert env["actions"] == ["installed deps: pygments"]
    assert env["installer_runs"] == 1
    assert marker.exists()  # the same prefix
    removed = proj.run("-e", "py312-conda", timeout=600)
    assert removed.code == 0
    assert record(proj)["py312-conda"]["actions"][0] == (
        "recreated with py-rattler: deps changed (removed: conda:pygments)"
    )


def test_an_unsolvable_spec_fails_the_env_with_the_log(proj: Project) -> None:
    done = proj.run("-e", "py312-conda", "-x", "testenv.conda_deps=no-such-thing", timeout=600)
    assert done.code == 1
    assert "creating the conda env with py-rattler failed: Cannot solve the request" in done.out + done.err
    assert "no-such-thing" in (proj.path / ".tox" / ".orch" / "py312-conda" / "log" / "setup.log").read_text()


def test_no_engine_is_a_reason(project: MakeProject, cache: Path) -> None:
    proj = project({"tox.ini": TOX_INI}, cache=cache, env={"ORCH_CONDA_EXE": "/nowhere/micromamba"})
    done = proj.run("-e", "py312-conda")
    assert done.code == 1
    assert "ORCH_CONDA_EXE = /nowhere/micromamba: no such executable" in done.out + done.err


def test_a_conda_env_needs_no_interpreter_of_its_version_on_the_machine(
    proj: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Discovery sees no Python 3.12 (no pyenv, no uv Pythons, a PATH without one): the conda env brings
    its own, and that is the interpreter orch shows and records."""
    nowhere = tmp_path_factory.mktemp("no-pythons")
    hidden = {"PYENV_ROOT": str(nowhere), "UV_PYTHON_INSTALL_DIR": str(nowhere), "PATH": "/usr/bin:/bin"}
    if any(Path(folder, "python3.12").exists() for folder in ("/usr/bin", "/bin")):
        pytest.skip("this machine has a system python3.12, which discovery would find")
    done = proj.run("-e", "py312-conda", env=hidden, timeout=600)
    assert done.code == 0, done.out + done.err
    prefix = proj.path / ".tox" / ".orch" / "py312-conda"
    assert "py312-conda: CPython 3.12." in done.out
    shown = record(proj)["py312-conda"]["interpreter"]
    assert str(prefix) in str(shown), shown  # the env's own Python, not one found on the machine
    recorded = json.loads((prefix / ".orch-env.json").read_text())
    assert (recorded["python_version"], recorded["python_path"]) == ("3.12", "")
    again = proj.run("-e", "py312-conda", timeout=600)  # with pyenv visible again: still reused
    assert again.code == 0, again.out + again.err
    assert record(proj)["py312-conda"]["actions"] == ["reused"]
