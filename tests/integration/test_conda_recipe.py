"""The conda packagedef with a ``recipe``: rattler-build builds the project's recipe.yaml offline, the
package goes through the project's local channel into a conda env, and is rebuilt only on a change."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conda_channel import LocalChannel

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


def make(root: Path) -> Path:
    (root / "conda").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo-data"\nversion = "1.0"\n'
    )  # a project: envs get a package
    (root / "conda" / "recipe.yaml").write_text(textwrap.dedent(RECIPE))
    (root / "conda" / "data.txt").write_text("first\n")
    (root / "tox.ini").write_text(textwrap.dedent(TOX_INI))
    return root


def orch(root: Path, channel: LocalChannel, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "CONDA"))}
    env["ORCH_CACHE_DIR"] = str(root.parent / "orch-cache")
    argv = [sys.executable, "-m", "orch", "-x", f"testenv.conda_channels={channel.url}", *args]
    return subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=600)


def packages(root: Path) -> list[str]:
    return sorted(p.name for p in (root / ".tox" / ".orch" / "conda-channel").rglob("*.conda"))


def test_recipe_built_installed_reused_and_rebuilt(tmp_path: Path, local_channel: LocalChannel) -> None:
    root = make(tmp_path / "proj")
    first = orch(root, local_channel)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "DATA first" in first.stdout
    assert "with rattler-build" in first.stdout
    env = json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"]["py312-conda"]
    assert env["actions"][-1] == "installed demo-data 1.0"
    assert env["package"]["kind"] == "conda"
    built = packages(root)
    assert len(built) == 1 and built[0].startswith("demo-data-1.0-")
    assert (root / ".tox" / ".orch" / "conda-channel" / "noarch" / built[0]).exists()

    again = orch(root, local_channel)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "building" not in again.stdout
    assert "package unchanged (demo-data 1.0)" in again.stdout
    assert packages(root) == built

    (root / "conda" / "data.txt").write_text("second\n")
    changed = orch(root, local_channel)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "DATA second" in changed.stdout
    assert "reinstalled demo-data 1.0" in changed.stdout
    rebuilt = packages(root)
    assert len(rebuilt) == 2 and built[0] in rebuilt  # a new, unique build number


def test_a_failing_recipe_fails_the_env_with_the_log(tmp_path: Path, local_channel: LocalChannel) -> None:
    root = make(tmp_path / "proj")
    recipe = root / "conda" / "recipe.yaml"
    recipe.write_text(recipe.read_text().replace("cp $RECIPE_DIR/data.txt", "cp $RECIPE_DIR/missing.txt"))
    done = orch(root, local_channel)
    assert done.returncode == 1
    assert "rattler-build failed" in done.stdout + done.stderr
    log = (root / ".tox" / ".orch" / "dist" / "conda.log").read_text()
    assert "missing.txt" in log
