"""The conda packagedef end to end: the project's wheel converted to a conda package, put into the
project's local channel, installed by the conda engine, reused, rebuilt when the sources change."""

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

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo-pkg"
version = "1.0"
requires-python = ">=3.8"
dependencies = ["iniconfig"{marker}]

[tool.hatch.build.targets.wheel]
packages = ["src/demo_pkg"]
"""

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


def make(root: Path, envs: str, marker: str = "") -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT.format(marker=marker)))
    (root / "tox.ini").write_text(textwrap.dedent(TOX_INI.format(envs=envs)))
    (root / "src" / "demo_pkg").mkdir(parents=True)
    (root / "src" / "demo_pkg" / "__init__.py").write_text("VALUE = 1\n")
    return root


def orch(root: Path, channel: LocalChannel, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "CONDA"))}
    env["ORCH_CACHE_DIR"] = str(root.parent / "orch-cache")
    argv = [sys.executable, "-m", "orch", "-x", f"testenv.conda_channels={channel.url}", *args]
    return subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=600)


def record(root: Path) -> dict[str, dict[str, object]]:
    return json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"]  # type: ignore[no-any-return]


def packages(root: Path, where: str) -> list[str]:
    return sorted(p.name for p in (root / ".tox" / ".orch" / where).rglob("*.conda"))


def test_installed_reused_and_rebuilt_on_change(tmp_path: Path, local_channel: LocalChannel) -> None:
    root = make(tmp_path / "proj", "py312-conda")
    first = orch(root, local_channel)
    assert first.returncode == 0, first.stdout + first.stderr
    prefix = root / ".tox" / ".orch" / "py312-conda"
    assert f"VALUE 1 {prefix}" in first.stdout
    env = record(root)["py312-conda"]
    assert env["actions"] == [
        "created with py-rattler",
        "installed conda specs: python 3.12.*",
        "installed demo-pkg 1.0",
    ]
    assert env["package"]["kind"] == "conda"  # type: ignore[index]
    channel = packages(root, "conda-channel")
    assert len(channel) == 1 and channel[0].startswith("demo-pkg-1.0-py_")  # noarch: one build serves all
    assert (root / ".tox" / ".orch" / "conda-channel" / "noarch" / "repodata.json").exists()
    assert list((prefix / "conda-meta").glob("demo-pkg-1.0-py_*.json"))

    again = orch(root, local_channel)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "building" not in again.stdout
    assert "package unchanged (demo-pkg 1.0)" in again.stdout
    assert record(root)["py312-conda"]["installer_runs"] == 0
    assert packages(root, "conda-channel") == channel

    (root / "src" / "demo_pkg" / "__init__.py").write_text("VALUE = 2\n")
    changed = orch(root, local_channel)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert f"VALUE 2 {prefix}" in changed.stdout
    assert "reinstalled demo-pkg 1.0" in changed.stdout
    rebuilt = packages(root, "conda-channel")
    assert len(rebuilt) == 2 and rebuilt != channel  # a new, unique build number
    installed = [p.name for p in (prefix / "conda-meta").glob("demo-pkg-*.json")]
    assert len(installed) == 1 and installed[0].removesuffix(".json") + ".conda" not in channel


def test_python_markers_give_one_package_per_python(tmp_path: Path, local_channel: LocalChannel) -> None:
    root = make(tmp_path / "proj", "py38-conda, py312-conda", marker=", \"tomli; python_version < '3.11'\"")
    done = orch(root, local_channel)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("VALUE 1") == 2
    assert len(packages(root, "conda-channel")) == 2
    assert list((root / ".tox" / ".orch" / "py38-conda" / "conda-meta").glob("tomli-*.json"))
    assert not list((root / ".tox" / ".orch" / "py312-conda" / "conda-meta").glob("tomli-*.json"))


def test_a_conda_package_does_not_go_into_a_virtualenv(tmp_path: Path, local_channel: LocalChannel) -> None:
    root = make(tmp_path / "proj", "py312-venv")
    done = orch(root, local_channel, "-x", "testenv.package=conda")
    assert done.returncode == 1
    assert "is a conda package, py312-venv is not a conda env" in done.stdout + done.stderr
