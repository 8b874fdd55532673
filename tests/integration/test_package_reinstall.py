"""Reinstalling a rebuilt package with uv: no ``--reinstall-package`` (it makes uv query the env's
interpreter again), since uv replaces a file requirement whose URL or mtime changed and each build is
a new file. Real envs and builds; asserted from the env's setup log and the installed module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from orch_project import MakeProject, Project, hatchling_pyproject

pytestmark = pytest.mark.integration

PYPROJECT = hatchling_pyproject()

TOX_INI = """
[tox]
env_list = py
[testenv]
package = wheel
commands = python -c "import demo_pkg; print('VALUE', demo_pkg.VALUE)"
"""


@pytest.fixture
def demo(project: MakeProject) -> Project:
    files = {"pyproject.toml": PYPROJECT, "src/demo_pkg/__init__.py": "VALUE = 1\n", "tox.ini": TOX_INI}
    return project(files)


def install_lines(proj: Path) -> list[str]:
    log = proj / ".tox" / ".orch" / "py" / "log" / "setup.log"
    return [line for line in log.read_text(encoding="utf-8").splitlines() if "demo-pkg @ file:" in line]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX env layout")
def test_a_new_build_replaces_the_package_and_an_old_one_comes_back(demo: Project) -> None:
    module = demo.path / "src" / "demo_pkg" / "__init__.py"
    for value in (1, 2, 1):  # back to 1: the first build's file, from the artifact cache or built again
        module.write_text(f"VALUE = {value}\n")
        result = demo.run("run", "-e", "py")
        assert result.code == 0, result.out + result.err
        assert f"VALUE {value}" in result.out
    lines = install_lines(demo.path)
    assert len(lines) == 3 and all("--no-deps" in line for line in lines[1:])
    assert not any("--reinstall-package" in line or "--force-reinstall" in line for line in lines)
