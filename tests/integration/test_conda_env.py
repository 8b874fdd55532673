"""Conda envs end to end: real solves and installs through py-rattler from the local test channel
(no conda, no internet for conda), deps installed with uv inside, reuse and updates asserted from the
run record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conda_channel import LocalChannel

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


def orch(
    root: Path, cache: Path, channel: LocalChannel, *args: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "CONDA"))}
    env["ORCH_CACHE_DIR"] = str(cache)
    env.update(extra or {})
    argv = [sys.executable, "-m", "orch", "-x", f"testenv.conda_channels={channel.url}", *args]
    return subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=600)


def record(root: Path) -> dict[str, dict[str, object]]:
    return json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"]  # type: ignore[no-any-return]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tox.ini").write_text(textwrap.dedent(TOX_INI))
    return tmp_path


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orch-cache")


def test_py38_and_py312_conda_envs_are_created_then_reused(
    project: Path, cache: Path, local_channel: LocalChannel
) -> None:
    first = orch(project, cache, local_channel)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "pytest 8.3" in first.stdout and "pytest 9." in first.stdout
    for name in ("py38-conda", "py312-conda"):
        prefix = project / ".tox" / ".orch" / name
        assert f"PREFIX {prefix} {prefix}" in first.stdout
        assert (prefix / "conda-meta").is_dir()
    envs = record(project)
    assert envs["py38-conda"]["actions"] == [
        "created with py-rattler",
        "installed conda specs: python 3.8.* pytest",
        "installed deps: iniconfig",
    ]
    assert envs["py38-conda"]["installer_runs"] == 2  # the conda engine, then uv for deps
    assert list(
        (project / ".tox" / ".orch" / "py312-conda" / "lib" / "python3.12" / "site-packages").glob("iniconfig*")
    )

    again = orch(project, cache, local_channel)
    assert again.returncode == 0, again.stdout + again.stderr
    for env in record(project).values():
        assert env["actions"] == ["reused"]
        assert env["installer_runs"] == 0


def test_added_specs_are_installed_without_recreating(project: Path, cache: Path, local_channel: LocalChannel) -> None:
    assert orch(project, cache, local_channel, "-e", "py312-conda").returncode == 0
    marker = project / ".tox" / ".orch" / "py312-conda" / "kept"
    marker.write_text("")
    more = orch(project, cache, local_channel, "-e", "py312-conda", "-x", "testenv.conda_deps=pytest\npygments")
    assert more.returncode == 0, more.stdout + more.stderr
    env = record(project)["py312-conda"]
    assert env["actions"] == ["installed deps: pygments"]
    assert env["installer_runs"] == 1
    assert marker.exists()  # the same prefix
    removed = orch(project, cache, local_channel, "-e", "py312-conda")
    assert removed.returncode == 0
    assert record(project)["py312-conda"]["actions"][0] == (
        "recreated with py-rattler: deps changed (removed: conda:pygments)"
    )


def test_an_unsolvable_spec_fails_the_env_with_the_log(project: Path, cache: Path, local_channel: LocalChannel) -> None:
    done = orch(project, cache, local_channel, "-e", "py312-conda", "-x", "testenv.conda_deps=no-such-thing")
    assert done.returncode == 1
    assert "creating the conda env with py-rattler failed: Cannot solve the request" in done.stdout + done.stderr
    assert "no-such-thing" in (project / ".tox" / ".orch" / "py312-conda" / "log" / "setup.log").read_text()


def test_no_engine_is_a_reason(project: Path, cache: Path, local_channel: LocalChannel) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX"))}
    env.update(ORCH_CACHE_DIR=str(cache), ORCH_CONDA_EXE="/nowhere/micromamba")
    done = subprocess.run(
        [sys.executable, "-m", "orch", "-e", "py312-conda"], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "ORCH_CONDA_EXE = /nowhere/micromamba: no such executable" in done.stdout + done.stderr


def test_a_conda_env_needs_no_interpreter_of_its_version_on_the_machine(
    project: Path, cache: Path, local_channel: LocalChannel, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Discovery sees no Python 3.12 (no pyenv, no uv Pythons, a PATH without one): the conda env brings
    its own, and that is the interpreter orch shows and records."""
    nowhere = tmp_path_factory.mktemp("no-pythons")
    hidden = {"PYENV_ROOT": str(nowhere), "UV_PYTHON_INSTALL_DIR": str(nowhere), "PATH": "/usr/bin:/bin"}
    if any(Path(folder, "python3.12").exists() for folder in ("/usr/bin", "/bin")):
        pytest.skip("this machine has a system python3.12, which discovery would find")
    done = orch(project, cache, local_channel, "-e", "py312-conda", extra=hidden)
    assert done.returncode == 0, done.stdout + done.stderr
    prefix = project / ".tox" / ".orch" / "py312-conda"
    assert "py312-conda: CPython 3.12." in done.stdout
    shown = record(project)["py312-conda"]["interpreter"]
    assert str(prefix) in str(shown), shown  # the env's own Python, not one found on the machine
    recorded = json.loads((prefix / ".orch-env.json").read_text())
    assert (recorded["python_version"], recorded["python_path"]) == ("3.12", "")
    again = orch(project, cache, local_channel, "-e", "py312-conda")  # with pyenv visible again: still reused
    assert again.returncode == 0, again.stdout + again.stderr
    assert record(project)["py312-conda"]["actions"] == ["reused"]
