"""The conda packagedef end to end: the project's wheel converted to a conda package, put into the
project's local channel, installed by the conda engine, reused, rebuilt when the sources change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conda_channel import LocalChannel
from orch_project import MakeProject, Project, hatchling_pyproject

pytestmark = [pytest.mark.integration, pytest.mark.conda]

PYPROJECT = hatchling_pyproject('requires-python = ">=3.8"\ndependencies = ["iniconfig"{marker}]')

TOX_INI = """
[tox]
env_list = {envs}

[testenv]
commands = python -c "import demo_pkg, iniconfig, sys; print('VALUE', demo_pkg.VALUE, sys.prefix)"

[packagedef:conda]
match = conda

[packagedef:wheel]
match = venv
"""


@pytest.fixture
def make(project: MakeProject, tmp_path: Path, local_channel: LocalChannel) -> Callable[..., Project]:
    """``make(envs, marker="")``: the demo project in ``proj``, its runs from the local channel, without
    the caller's ``CONDA*`` variables, with an orch cache of the test's own beside it."""

    def made(envs: str, marker: str = "") -> Project:
        files = {
            "pyproject.toml": PYPROJECT.format(marker=marker),
            "tox.ini": TOX_INI.format(envs=envs),
            "src/demo_pkg/__init__.py": "VALUE = 1\n",
        }
        cache = tmp_path / "orch-cache"
        return project(files, at="proj", cache=cache, unset=["CONDA"], options=local_channel.options)

    return made


def record(proj: Project) -> dict[str, dict[str, Any]]:
    return proj.record()["envs"]


def packages(proj: Project, where: str) -> list[str]:
    return sorted(p.name for p in (proj.path / ".tox" / ".orch" / where).rglob("*.conda"))


def test_installed_reused_and_rebuilt_on_change(make: Callable[..., Project]) -> None:
    proj = make("py312-conda")
    first = proj.run(timeout=600)
    assert first.code == 0, first.out + first.err
    prefix = proj.path / ".tox" / ".orch" / "py312-conda"
    assert f"VALUE 1 {prefix}" in first.out
    env = record(proj)["py312-conda"]
    assert env["actions"] == [
        "created with py-rattler",
        "installed conda specs: python 3.12.*",
        "installed demo-pkg 1.0",
    ]
    assert env["package"]["kind"] == "conda"
    channel = packages(proj, "conda-channel")
    assert len(channel) == 1 and channel[0].startswith("demo-pkg-1.0-py_")  # noarch: one build serves all
    assert (proj.path / ".tox" / ".orch" / "conda-channel" / "noarch" / "repodata.json").exists()
    assert list((prefix / "conda-meta").glob("demo-pkg-1.0-py_*.json"))

    again = proj.run(timeout=600)
    assert again.code == 0, again.out + again.err
    assert "building" not in again.out
    assert "package unchanged (demo-pkg 1.0)" in again.out
    assert record(proj)["py312-conda"]["installer_runs"] == 0
    assert packages(proj, "conda-channel") == channel

    (proj.path / "src" / "demo_pkg" / "__init__.py").write_text("VALUE = 2\n")
    changed = proj.run(timeout=600)
    assert changed.code == 0, changed.out + changed.err
    assert f"VALUE 2 {prefix}" in changed.out
    assert "reinstalled demo-pkg 1.0" in changed.out
    rebuilt = packages(proj, "conda-channel")
    assert len(rebuilt) == 2 and rebuilt != channel  # a new, unique build number
    installed = [p.name for p in (prefix / "conda-meta").glob("demo-pkg-*.json")]
    assert len(installed) == 1 and installed[0].removesuffix(".json") + ".conda" not in channel


def test_python_markers_give_one_package_per_python(make: Callable[..., Project]) -> None:
    proj = make("py38-conda, py312-conda", marker=", \"tomli; python_version < '3.11'\"")
    done = proj.run(timeout=600)
    assert done.code == 0, done.out + done.err
    assert done.out.count("VALUE 1") == 2
    assert len(packages(proj, "conda-channel")) == 2
    assert list((proj.path / ".tox" / ".orch" / "py38-conda" / "conda-meta").glob("tomli-*.json"))
    assert not list((proj.path / ".tox" / ".orch" / "py312-conda" / "conda-meta").glob("tomli-*.json"))


def test_a_conda_package_does_not_go_into_a_virtualenv(make: Callable[..., Project]) -> None:
    proj = make("py312-venv")
    done = proj.run("-x", "testenv.package=conda", timeout=600)
    assert done.code == 1
    assert "is a conda package, py312-venv is not a conda env" in done.out + done.err
