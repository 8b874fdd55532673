"""The package builders on the sample projects of ``tests/packages``, with real interpreters
(``~/.pyenv/versions``, skipped where absent), real isolated build envs and real backends from PyPI
(setuptools, hatchling, flit_core; through uv's cache). The in-tree backend of ``no_editable`` and
the inline ones here need nothing from the network.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sys
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.builders.editable import EditableBuilder, EditableLegacyBuilder
from orch.builders.external import ExternalBuilder
from orch.builders.isolation import BuildEnvs
from orch.builders.pep517 import ONE_PROCESS
from orch.builders.sdist import SdistBuilder
from orch.builders.skip import SkipBuilder
from orch.builders.wheel import WheelBuilder
from orch.config.model import PackageDef
from orch.config.types import Command
from orch.envs.interpreter import Interpreter

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[1] / "packages"
PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
ALL_FOUR = "get_requires_for_build_sdist, build_sdist, get_requires_for_build_wheel, build_wheel"
BUILDERS = {
    "wheel": WheelBuilder,
    "sdist": SdistBuilder,
    "editable": EditableBuilder,
    "editable-legacy": EditableLegacyBuilder,
    "external": ExternalBuilder,
    "skip": SkipBuilder,
}


def find_python(minor: str) -> Interpreter | None:
    """The newest pyenv CPython ``minor`` (``"3.12"``)."""
    found = sorted(
        (tuple(int(n) for n in folder.name.split(".")), folder)
        for folder in PYENV.glob(f"{minor}.*")
        if re.fullmatch(r"\d+\.\d+\.\d+", folder.name) and (folder / "bin" / f"python{minor}").is_file()
    )
    if not found:
        return None
    version, folder = found[-1]
    major, minor_, micro = version
    return Interpreter(
        str(folder / "bin" / f"python{minor}"), "cpython", (major, minor_, micro), 64, platform.machine()
    )


def python(minor: str) -> Interpreter:
    found = find_python(minor)
    if found is None:
        pytest.skip(f"CPython {minor} is not installed under {PYENV}")
    return found


def default_python() -> Interpreter:
    for minor in ("3.11", "3.12", "3.13", "3.10"):
        found = find_python(minor)
        if found is not None:
            return found
    pytest.skip(f"no CPython 3.10-3.13 under {PYENV}")


class Builds:
    """Builds sample projects copied into a test's folder; build envs shared by the whole session."""

    def __init__(self, tmp: Path, cache_dir: Path) -> None:
        self.tmp, self.cache_dir = tmp, cache_dir
        self.log = tmp / "build.log"
        self.notes: list[str] = []
        self._outs = 0

    def project(self, sample: str) -> Path:
        root = self.tmp / sample
        if not root.exists():
            shutil.copytree(SAMPLES / sample, root)
        return root

    def run(
        self,
        sample: str | Path,
        builder: str = "wheel",
        *,
        build_python: Interpreter | None = None,
        config_settings: Mapping[str, str] | None = None,
        build_commands: Sequence[Command] = (),
        package_glob: str = "",
    ) -> Artifact:
        root = sample if isinstance(sample, Path) else self.project(sample)
        pdef = PackageDef(
            "default", builder, (), "", dict(config_settings or {}), "auto", tuple(build_commands), package_glob, ""
        )
        self._outs += 1
        request = BuildRequest(
            packagedef=pdef,
            root=root,
            out_dir=self.tmp / f"out{self._outs}",
            build_python=build_python or default_python(),
            cache_dir=self.cache_dir,
            log=self.log,
            note=self.notes.append,
            environ=dict(os.environ),
        )
        artifact = BUILDERS[builder]().build(request)
        assert artifact.path.exists()
        return artifact

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("build-cache")


@pytest.fixture
def builds(tmp_path: Path, build_cache: Path) -> Builds:
    return Builds(tmp_path, build_cache)


def names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.mark.parametrize("sample", ["setuptools_proj", "hatch_proj", "flit_proj"])
def test_wheel_of_each_backend(builds: Builds, sample: str) -> None:
    artifact = builds.run(sample)
    assert artifact.path.name == f"{sample}-1.0-py3-none-any.whl"
    assert artifact.path.parent == builds.tmp / "out1"
    assert (artifact.kind, artifact.name, artifact.version, artifact.pure) == (
        "wheel",
        sample.replace("_", "-"),
        "1.0",
        True,
    )
    assert f"{sample}/__init__.py" in names(artifact.path)


def test_sdist_builder_installs_the_wheel_built_from_the_sdist(builds: Builds) -> None:
    artifact = builds.run("hatch_proj", "sdist")
    assert (artifact.kind, artifact.path.name, artifact.pure) == ("wheel", "hatch_proj-1.0-py3-none-any.whl", True)
    assert sorted(p.name for p in artifact.path.parent.iterdir()) == [
        "hatch_proj-1.0-py3-none-any.whl",
        "hatch_proj-1.0.tar.gz",
    ]
    assert "building the sdist and the wheel from it with hatchling.build" in builds.notes
    runners = [line for line in builds.log_text().splitlines() if line.startswith(ONE_PROCESS)]
    assert runners == [f"{ONE_PROCESS} {ALL_FOUR}"]  # hatchling is imported once for both builds


def test_broken_sdist_fails_when_the_wheel_is_built_from_it(builds: Builds) -> None:
    assert builds.run("broken_sdist").kind == "wheel"  # from the source tree, requirements.txt is there
    with pytest.raises(BuildError) as caught:
        builds.run("broken_sdist", "sdist")
    assert str(caught.value) == f"building the wheel from the sdist failed (exit 1), see {builds.log}"
    assert caught.value.log == builds.log
    assert "requirements.txt" in builds.log_text()  # the backend's traceback names the missing file
    # setuptools runs setup.py, whose imports a shared process would keep: the wheel gets a process of its own
    assert f"{ONE_PROCESS} get_requires_for_build_wheel, build_wheel\n" in builds.log_text()


HOOK_NEEDS_DATA = """\
import os
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

class NeedsData(BuildHookInterface):
    def initialize(self, version, build_data):
        with open(os.path.join(self.root, "data.txt"), encoding="utf-8") as stream:
            stream.read()
"""


def test_a_wheel_built_in_the_sdists_process_sees_only_the_sdists_files(builds: Builds) -> None:
    root = builds.project("hatch_proj")
    (root / "hatch_build.py").write_text(HOOK_NEEDS_DATA, encoding="utf-8")
    (root / "data.txt").write_text("needed by the wheel's build hook\n", encoding="utf-8")
    with (root / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write(
            '[tool.hatch.build.targets.wheel.hooks.custom]\n[tool.hatch.build.targets.sdist]\nexclude = ["data.txt"]\n'
        )
    assert builds.run(root).kind == "wheel"  # from the source tree, data.txt is there
    with pytest.raises(BuildError) as caught:
        builds.run(root, "sdist")
    assert str(caught.value) == f"building the wheel from the sdist failed (exit 1), see {builds.log}"
    log = builds.log_text()
    assert "FileNotFoundError" in log and "data.txt" in log and f"{ONE_PROCESS} {ALL_FOUR}\n" in log


def test_editable_wheel(builds: Builds) -> None:
    artifact = builds.run("hatch_proj", "editable")
    assert (artifact.kind, artifact.name, artifact.version, artifact.path.suffix) == (
        "editable",
        "hatch-proj",
        "1.0",
        ".whl",
    )
    assert any(name.endswith(".pth") for name in names(artifact.path))


def test_editable_refused_by_a_backend_without_pep_660(builds: Builds) -> None:
    with pytest.raises(BuildError) as caught:
        builds.run("no_editable", "editable")
    assert str(caught.value) == (
        "simple_backend cannot build editable installs (PEP 660): use package = wheel or a newer backend"
    )


def test_editable_legacy_points_at_the_project(builds: Builds) -> None:
    root = builds.project("hatch_proj")
    artifact = builds.run(root, "editable-legacy")
    assert artifact == Artifact(root, "editable-legacy", "hatch-proj", "1.0")
    assert not builds.log.exists()  # name and version from pyproject.toml: nothing ran

    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "1.0"', 'dynamic = ["version"]'))
    pyproject.write_text(pyproject.read_text() + '[tool.hatch.version]\npath = "src/hatch_proj/__init__.py"\n')
    init = root / "src" / "hatch_proj" / "__init__.py"
    init.write_text(init.read_text() + '\n__version__ = "2.5"\n')
    assert builds.run(root, "editable-legacy") == Artifact(root, "editable-legacy", "hatch-proj", "2.5")


def test_c_extension_wheel_per_interpreter(builds: Builds) -> None:
    first, second = python("3.11"), python("3.12")
    wheels = [builds.run("cext_proj", build_python=p) for p in (first, second)]
    tags = [w.path.name.split("-", 2)[2] for w in wheels]
    assert tags[0].startswith("cp311-cp311-") and tags[1].startswith("cp312-cp312-"), tags
    assert all(w.pure is False and w.kind == "wheel" and w.name == "cext-proj" for w in wheels)
    assert any(n.startswith("cext_proj/_speed.cpython-312") for n in names(wheels[1].path))


def test_config_settings_reach_the_backend(builds: Builds) -> None:
    artifact = builds.run("no_editable", config_settings={"answer": "42", "mode": "fast"})
    with zipfile.ZipFile(artifact.path) as wheel:
        assert json.loads(wheel.read("no_editable/_config_settings.json")) == {"answer": "42", "mode": "fast"}


def test_requires_python_is_kept_in_the_metadata(builds: Builds) -> None:
    artifact = builds.run("requires_python")  # built by any Python; the installer refuses older ones
    with zipfile.ZipFile(artifact.path) as wheel:
        assert "Requires-Python: >=3.12" in wheel.read("requires_python-1.0.dist-info/METADATA").decode()


def test_build_env_is_made_once_and_reused(tmp_path: Path) -> None:
    builds = Builds(tmp_path, tmp_path / "own-cache")
    builds.run("hatch_proj")
    first = builds.log_text()
    assert first.count(" venv --no-project ") == 1 and first.count(" pip install ") == 1
    builds.run("hatch_proj")
    second = builds.log_text()[len(first) :]
    assert " venv " not in second and " pip install " not in second  # no installer started
    assert "build_wheel" in second
    [env] = (p for p in (tmp_path / "own-cache" / "build-envs").iterdir() if p.is_dir())
    assert len(env.name) == 16 and (env / ".orch-finished").is_file()


def test_extra_requirements_get_a_derived_env(tmp_path: Path) -> None:
    envs, log, interp = BuildEnvs(tmp_path), tmp_path / "envs.log", default_python()
    base = envs.env_for(interp, ["flit_core>=3.4"], log=log, environ=os.environ)
    same = envs.with_extra(interp, ["flit_core>=3.4"], ["flit-core", "FLIT_CORE>=3.4"], log=log, environ=os.environ)
    assert same == base
    derived = envs.with_extra(interp, ["flit_core>=3.4"], ["flit_core<3.10"], log=log, environ=os.environ)
    assert derived != base and derived.exists()
    assert derived == envs.env_for(interp, ["flit-core<3.10", "flit-core>=3.4"], log=log, environ=os.environ)
    assert log.read_text().count(" pip install ") == 2  # the last call found the derived env made


def test_a_build_envs_marker_keeps_the_files_its_check_looks_at(tmp_path: Path) -> None:
    envs, log, interp = BuildEnvs(tmp_path), tmp_path / "envs.log", default_python()
    python = envs.env_for(interp, ["flit_core"], log=log, environ=os.environ)
    marker_file = python.parent.parent / ".orch-finished"
    marker = json.loads(marker_file.read_text())
    assert ["flit-core", "flit_core"] in [entry[:2] for entry in marker["files"]]
    del marker["files"]  # as an older orch wrote it: checked from the metadata once, and given the files
    marker_file.write_text(json.dumps(marker))
    assert envs.env_for(interp, ["flit_core"], log=log, environ=os.environ) == python
    assert "files" in json.loads(marker_file.read_text())
    [package] = python.parent.parent.glob("lib/python*/site-packages/flit_core")
    shutil.rmtree(package)
    notes: list[str] = []
    envs.env_for(interp, ["flit_core"], log=log, environ=os.environ, note=notes.append)
    assert len(notes) == 1 and "is damaged (flit-core lost flit_core)" in notes[0]
    assert log.read_text().count(" pip install ") == 2  # made, then made again: never for the marker alone


def test_nothing_to_build(builds: Builds, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        BuildError, match=re.escape(f"no pyproject.toml or setup.py in {tmp_path / 'empty'}: nothing to build")
    ):
        builds.run(tmp_path / "empty")


def test_backend_failure_points_at_the_log(builds: Builds, tmp_path: Path) -> None:
    root = tmp_path / "failing"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "failing"\nbackend-path = ["."]\n', encoding="utf-8"
    )
    (root / "failing.py").write_text(
        "def build_wheel(*args, **kwargs):\n    raise RuntimeError('boom')\n", encoding="utf-8"
    )
    with pytest.raises(BuildError) as caught:
        builds.run(root)
    assert str(caught.value) == f"building the wheel failed (exit 1), see {builds.log}"
    assert "RuntimeError: boom" in builds.log_text()


def test_backend_warnings_go_to_the_log(builds: Builds, tmp_path: Path) -> None:
    root = tmp_path / "warning"
    shutil.copytree(SAMPLES / "no_editable", root)
    backend = root / "_backend" / "simple_backend.py"
    backend.write_text(backend.read_text() + "\nimport warnings\nwarnings.warn('careful', UserWarning)\n")
    builds.run(root)  # a warning raised in orch would fail this test (filterwarnings = error)
    assert "careful" in builds.log_text()


def write_command(*code: str) -> Command:
    return Command((sys.executable, "-c", "; ".join(("from pathlib import Path", *code))))


def test_external_builder(builds: Builds, tmp_path: Path) -> None:
    root = tmp_path / "ext"
    root.mkdir()
    make = write_command("Path('dist').mkdir()", "Path('dist/ext_proj-2.0-py3-none-any.whl').write_text('x')")
    artifact = builds.run(root, "external", build_commands=[make], package_glob="dist/*.whl")
    assert (artifact.kind, artifact.name, artifact.version, artifact.pure) == ("wheel", "ext-proj", "2.0", True)
    assert artifact.path.parent.name.startswith("out") and (root / "dist" / artifact.path.name).exists()

    other = builds.run(
        root,
        "external",
        build_commands=[write_command("Path('dist/thing.bin').write_text('x')")],
        package_glob="dist/*.bin",
    )
    assert (other.kind, other.name, other.version, other.pure) == ("external", "", "", None)

    with pytest.raises(
        BuildError,
        match=re.escape("package_glob 'dist/*' matched 2 files (dist/ext_proj-2.0-py3-none-any.whl, dist/thing.bin)"),
    ):
        builds.run(root, "external", package_glob="dist/*")
    with pytest.raises(BuildError, match=re.escape(f"package_glob 'out/*.whl' matched nothing in {root}")):
        builds.run(root, "external", package_glob="out/*.whl")
    failing = Command((sys.executable, "-c", "raise SystemExit(3)"))
    with pytest.raises(BuildError, match=r"failed \(exit 3\), see "):
        builds.run(root, "external", build_commands=[failing], package_glob="dist/*.whl")
    tolerated = failing._replace(ignore_exit=True)
    assert builds.run(root, "external", build_commands=[tolerated], package_glob="dist/*.whl").kind == "wheel"


def test_skip_builds_nothing(builds: Builds) -> None:
    with pytest.raises(BuildError, match="skip builds nothing"):
        builds.run("hatch_proj", "skip")
