"""``examples/matrix``: the ``{py38,py312}-{venv,conda}`` matrix under ``orch -p auto``, each env with
its own packagedef (sdist, wheel, conda), the conda envs solved from the local test channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from conda_channel import LocalChannel
from orch_project import MakeProject

pytestmark = [pytest.mark.integration, pytest.mark.conda]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "matrix"


def test_matrix_runs_in_parallel_then_reuses_everything(
    project: MakeProject, tmp_path: Path, local_channel: LocalChannel
) -> None:
    proj = project(sample=EXAMPLE, at="matrix", cache=tmp_path / "cache", unset=["CONDA"])
    root = proj.path
    argv = ["-p", "auto", "-x", f"testenv.conda_channels={local_channel.url}"]

    first = proj.run(*argv, timeout=900)
    assert first.code == 0, first.out + first.err
    assert "orch: 4 ok" in first.out
    envs = proj.record()["envs"]
    builders = {name: (env["package"]["builder"], env["package"]["kind"]) for name, env in envs.items()}
    assert builders == {
        "py38-venv": ("sdist", "wheel"),  # the sdist builder installs a wheel built from the sdist
        "py312-venv": ("wheel", "wheel"),
        "py38-conda": ("conda", "conda"),
        "py312-conda": ("conda", "conda"),
    }
    assert len(list((root / ".tox" / ".orch" / "conda-channel" / "noarch").glob("matrix-demo-*.conda"))) == 1
    assert len(list((root / ".tox" / ".orch" / "dist" / "conda").glob("*/noarch/*.conda"))) == 1  # built once

    again = proj.run(*argv, timeout=900)
    assert again.code == 0, again.out + again.err
    envs = proj.record()["envs"]
    for name, result in envs.items():
        assert result["installer_runs"] == 0, name
        assert result["actions"] == ["reused", "package unchanged (matrix-demo 0.1)"], name
