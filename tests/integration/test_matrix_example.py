"""``examples/matrix``: the ``{py38,py312}-{venv,conda}`` matrix under ``orch -p auto``, each env with
its own packagedef (sdist, wheel, conda), the conda envs solved from the local test channel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conda_channel import LocalChannel

pytestmark = [pytest.mark.integration, pytest.mark.conda]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "matrix"


def test_matrix_runs_in_parallel_then_reuses_everything(tmp_path: Path, local_channel: LocalChannel) -> None:
    root = tmp_path / "matrix"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tox/.orch", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "CONDA"))}
    env["ORCH_CACHE_DIR"] = str(tmp_path / "cache")
    argv = [sys.executable, "-m", "orch", "-p", "auto", "-x", f"testenv.conda_channels={local_channel.url}"]

    first = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "orch: 4 ok" in first.stdout
    envs = json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"]
    builders = {name: (env["package"]["builder"], env["package"]["kind"]) for name, env in envs.items()}
    assert builders == {
        "py38-venv": ("sdist", "wheel"),  # the sdist builder installs a wheel built from the sdist
        "py312-venv": ("wheel", "wheel"),
        "py38-conda": ("conda", "conda"),
        "py312-conda": ("conda", "conda"),
    }
    assert len(list((root / ".tox" / ".orch" / "conda-channel" / "noarch").glob("matrix-demo-*.conda"))) == 1
    assert len(list((root / ".tox" / ".orch" / "dist" / "conda").glob("*/noarch/*.conda"))) == 1  # built once

    again = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    envs = json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"]
    for name, result in envs.items():
        assert result["installer_runs"] == 0, name
        assert result["actions"] == ["reused", "package unchanged (matrix-demo 0.1)"], name
