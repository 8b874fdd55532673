"""The conda packagedef with a ``recipe``: rattler-build builds the project's recipe.yaml offline, the
package goes through the project's local channel into a conda env, and is rebuilt only on a change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from conda_channel import LocalChannel
from orch_project import MakeProject, Project

pytestmark = [
    pytest.mark.integration,
    pytest.mark.conda,
    pytest.mark.skipif(importlib.util.find_spec("rattler_build") is None, reason="py-rattler-build is not installed"),
]

RECIPE = """
package:
  name: demo-data
  version: "1.0"

build:
  noarch: generic
  script:
    - mkdir -p $PREFIX/share/demo-data
    - cp $RECIPE_DIR/data.txt $PREFIX/share/demo-data/data.txt
"""

TOX_INI = """
[tox]
env_list = py312-conda

[testenv]
commands = python -c "import sys; print('DATA', open(sys.prefix + '/share/demo-data/data.txt').read().strip())"

[packagedef:conda]
match = conda
recipe = conda/recipe.yaml
"""


@pytest.fixture
def proj(project: MakeProject, tmp_path: Path, local_channel: LocalChannel) -> Project:
    """A project (envs get a package) with the recipe, in ``proj``: its runs take the local channel, without
    the caller's ``CONDA*`` variables, with an orch cache of the test's own beside it."""
    files = {
        "pyproject.toml": '[project]\nname = "demo-data"\nversion = "1.0"\n',
        "conda/recipe.yaml": RECIPE,
        "conda/data.txt": "first\n",
        "tox.ini": TOX_INI,
    }
    cache = tmp_path / "orch-cache"
    return project(files, at="proj", cache=cache, unset=["CONDA"], options=local_channel.options)


def packages(proj: Project) -> list[str]:
    return sorted(p.name for p in (proj.path / ".tox" / ".orch" / "conda-channel").rglob("*.conda"))


def test_recipe_built_installed_reused_and_rebuilt(proj: Project) -> None:
    first = proj.run(timeout=600)
    assert first.code == 0, first.out + first.err
    assert "DATA first" in first.out
    assert "with rattler-build" in first.out
    env = proj.record()["envs"]["py312-conda"]
    assert env["actions"][-1] == "installed demo-data 1.0"
    assert env["package"]["kind"] == "conda"
    built = packages(proj)
    assert len(built) == 1 and built[0].startswith("demo-data-1.0-")
    assert (proj.path / ".tox" / ".orch" / "conda-channel" / "noarch" / built[0]).exists()

    again = proj.run(timeout=600)
    assert again.code == 0, again.out + again.err
    assert "building" not in again.out
    assert "package unchanged (demo-data 1.0)" in again.out
    assert packages(proj) == built

    (proj.path / "conda" / "data.txt").write_text("second\n")
    changed = proj.run(timeout=600)
    assert changed.code == 0, changed.out + changed.err
    assert "DATA second" in changed.out
    assert "reinstalled demo-data 1.0" in changed.out
    rebuilt = packages(proj)
    assert len(rebuilt) == 2 and built[0] in rebuilt  # a new, unique build number


def test_a_failing_recipe_fails_the_env_with_the_log(proj: Project) -> None:
    recipe = proj.path / "conda" / "recipe.yaml"
    recipe.write_text(recipe.read_text().replace("cp $RECIPE_DIR/data.txt", "cp $RECIPE_DIR/missing.txt"))
    done = proj.run(timeout=600)
    assert done.code == 1
    assert "rattler-build failed" in done.out + done.err
    log = (proj.path / ".tox" / ".orch" / "dist" / "conda.log").read_text()
    assert "missing.txt" in log
