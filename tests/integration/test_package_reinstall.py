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


def wait_for_package(env: str, value: int, seconds: float) -> str:
    """A command that waits up to ``seconds`` until ``env``'s installed demo_pkg has ``VALUE = value``."""
    code = (
        "import glob, sys, time; end = time.time() + float(sys.argv[2]); "
        "found = lambda: any(open(p).read().startswith(sys.argv[3]) for p in glob.glob(sys.argv[1])); "
        "[time.sleep(0.05) for _ in iter(lambda: found() or time.time() > end, True)]; "
        "print('NEXT-HAS-IT' if found() else 'NEXT-HAS-IT-NOT')"
    )
    pattern = f"{{toxworkdir}}/{env}/lib/python*/site-packages/demo_pkg/__init__.py"
    return f'python -c "{code}" "{pattern}" {seconds} "VALUE = {value}"'


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX env layout")
def test_a_new_package_goes_into_the_next_envs_while_the_first_one_runs(project: MakeProject) -> None:
    """One after another, the next envs get the rebuilt package with their setup, ahead of their turn: a
    touched source costs one build and no install on the way from one env's commands to the next's."""
    ini = f"""
    [tox]
    env_list = first, later
    [testenv]
    package = wheel
    commands = python -c "import demo_pkg; print('VALUE', demo_pkg.VALUE)"
    [testenv:first]
    commands = {wait_for_package("later", 2, 30)}
    """
    proj = project({"pyproject.toml": PYPROJECT, "src/demo_pkg/__init__.py": "VALUE = 1\n", "tox.ini": ini})
    proj.run("run", "-e", "later").assert_success()
    (proj.path / "src" / "demo_pkg" / "__init__.py").write_text("VALUE = 2\n")
    result = proj.run("run")
    result.assert_success()
    assert "NEXT-HAS-IT" in result.out.splitlines()  # `later` had the new package while `first` ran
    out = result.out
    assert out.index("first: ok") < out.index("later: installing demo-pkg 1.0") < out.index("VALUE 2")
    assert proj.record()["envs"]["later"]["installer_runs"] == 1
