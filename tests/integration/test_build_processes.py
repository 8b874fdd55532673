"""How many backend processes a build starts, read from the build log: the hooks of one build share
one process (:mod:`orch.builders.hook_runner`), a wheel build starts one, and so does an sdist build
(the sdist, then the wheel from the unpacked sdist) with a backend that keeps no state between hooks
(hatchling); with an in-tree backend, or setuptools, the wheel gets a fresh process. Real
interpreters, build envs and backends, as in ``test_builders.py``; the in-tree backends here need
nothing from the network except flit_core (from uv's cache, as there).
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path

import pytest

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.builders.pep517 import ONE_PROCESS
from orch.builders.sdist import SdistBuilder
from orch.builders.wheel import WheelBuilder
from orch.config.model import PackageDef
from orch.envs.interpreter import Interpreter

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[1] / "packages"


class Build:
    """Builds projects with one builder into a test's folder, the build envs in a session-wide cache."""

    def __init__(self, tmp: Path, cache_dir: Path, python: Interpreter) -> None:
        self.tmp, self.cache_dir, self.python = tmp, cache_dir, python
        self.log = tmp / "build.log"

    def __call__(self, root: Path, builder: type[SdistBuilder | WheelBuilder]) -> Artifact:
        out = self.tmp / f"out-{root.name}-{builder.__name__}"
        pdef = PackageDef("default", "sdist", (), "", {}, "auto", (), "", "")
        request = BuildRequest(pdef, root, out, self.python, self.cache_dir, self.log, lambda _: None, dict(os.environ))
        return builder().build(request)

    def processes(self) -> list[str]:
        """The hooks of each backend process, in order."""
        text = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
        return [line[len(ONE_PROCESS) :].strip() for line in text.splitlines() if line.startswith(ONE_PROCESS)]


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("build-cache")


@pytest.fixture
def build(tmp_path: Path, build_cache: Path) -> Build:
    major, minor, micro = sys.version_info[:3]
    this = Interpreter(sys.executable, "cpython", (major, minor, micro), 64, platform.machine())
    return Build(tmp_path, build_cache, this)


def project(tmp_path: Path, sample: str) -> Path:
    root = tmp_path / sample
    shutil.copytree(SAMPLES / sample, root)
    return root


def test_a_hatchling_sdist_build_starts_one_backend_process(build: Build, tmp_path: Path) -> None:
    artifact = build(project(tmp_path, "hatch_proj"), SdistBuilder)
    assert artifact.kind == "wheel" and artifact.path.name.startswith("hatch_proj-")
    assert build.processes() == [
        "get_requires_for_build_sdist, build_sdist, get_requires_for_build_wheel, build_wheel",
    ]
    assert "_in_process" not in build.log.read_text()  # pyproject_hooks' one process per hook: not used


def test_requirements_of_the_wheel_from_the_sdist_get_the_build_hook_a_process_of_their_own(
    build: Build, tmp_path: Path
) -> None:
    root = project(tmp_path, "hatch_proj")
    (root / "hatch_build.py").write_text(
        "from hatchling.builders.hooks.plugin.interface import BuildHookInterface\n\n\n"
        "class NeedsFlit(BuildHookInterface):\n"
        "    def initialize(self, version, build_data):\n"
        "        import flit_core  # only the derived env has it\n",
        encoding="utf-8",
    )
    with (root / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('[tool.hatch.build.targets.wheel.hooks.custom]\ndependencies = ["flit_core>=3.4"]\n')
    assert build(root, SdistBuilder).kind == "wheel"
    assert build.processes() == [
        "get_requires_for_build_sdist, build_sdist, get_requires_for_build_wheel, build_wheel",  # stops at the 3rd
        "build_wheel",
    ]


def test_an_in_tree_backends_sdist_build_starts_two(build: Build, tmp_path: Path) -> None:
    artifact = build(project(tmp_path, "no_editable"), SdistBuilder)
    assert artifact.kind == "wheel"
    assert build.processes() == [
        "get_requires_for_build_sdist, build_sdist",
        "get_requires_for_build_wheel, build_wheel",  # the backend imported again, from the unpacked sdist
    ]


def test_a_wheel_build_starts_one(build: Build, tmp_path: Path) -> None:
    build(project(tmp_path, "no_editable"), WheelBuilder)
    assert build.processes() == ["get_requires_for_build_wheel, build_wheel"]


def test_requirements_the_backend_asks_for_are_installed_before_its_build_hook(build: Build, tmp_path: Path) -> None:
    root = project(tmp_path, "no_editable")
    backend = root / "_backend" / "simple_backend.py"
    backend.write_text(
        backend.read_text()
        + "\n\ndef get_requires_for_build_wheel(config_settings=None):\n"
        + "    return ['flit_core>=3.4']\n\n\n"
        + "_plain_build_wheel = build_wheel\n\n\n"
        + "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        + "    import flit_core  # only the derived env has it\n\n"
        + "    return _plain_build_wheel(wheel_directory, config_settings, metadata_directory)\n"
    )
    build(root, WheelBuilder)
    assert build.processes() == ["get_requires_for_build_wheel, build_wheel", "build_wheel"]
    assert "flit-core>=3.4" in build.log.read_text()  # the derived env's install


def test_a_backend_outside_its_backend_path_is_not_available(build: Build, tmp_path: Path) -> None:
    root = tmp_path / "elsewhere"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "json"\nbackend-path = ["."]\n', encoding="utf-8"
    )
    with pytest.raises(BuildError) as caught:
        build(root, WheelBuilder)
    assert str(caught.value) == f"build backend 'json' is not available, see {build.log}"
    assert "not found in backend-path" in build.log.read_text()


def test_a_missing_build_hook_is_named(build: Build, tmp_path: Path) -> None:
    root = project(tmp_path, "no_editable")
    backend = root / "_backend" / "simple_backend.py"
    backend.write_text(backend.read_text() + "\n\ndel build_sdist\n")
    with pytest.raises(BuildError) as caught:
        build(root, SdistBuilder)
    assert str(caught.value) == "simple_backend has no build_sdist hook: building the sdist failed"
