"""The file set a package's fingerprint covers: read back from a built wheel and sdist, then hashed."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from orch.builders.api import Artifact
from orch.builders.cache import FILE_SETS, ArtifactCache
from orch.builders.package_files import PackageFiles, covers, is_config, of_build, of_wheel, sdist_files
from orch.builders.source import SourceScan
from orch.config.model import PackageDef

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
LONG_AGO = time.time() - 3600
PDEF = PackageDef(
    name="sdist",
    builder="sdist",
    match=(),
    build_python="python3",
    config_settings={},
    per_python="auto",
    build_commands=(),
    package_glob="",
    description="",
)


@pytest.fixture(autouse=True)
def _plain_git(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def write(root: Path, rel: str, text: str = "content\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (LONG_AGO, LONG_AGO))
    return path


def git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=orch", "-c", "user.email=orch@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, "-C", str(root), *args], check=True, capture_output=True)


def wheel(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, text in members.items():
            zipped.writestr(name, text)
    return path


def sdist(path: Path, names: list[str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name in names:
            info = tarfile.TarInfo(f"demo-1.0/{name}")
            info.size = 1
            archive.addfile(info, io.BytesIO(b"x"))
    return path


def on_disk(root: Path) -> Callable[[str], bool]:
    return lambda rel: (root / rel).is_file()


# ------------------------------------------------------------------------------------------- the rule


def test_config_files_and_metadata_files_count_at_the_top() -> None:
    configs = ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "hatch_build.py", "README.md", "LICENSE")
    for name in (*configs, ".gitignore"):
        assert is_config(name), name
    for name in (".coverage", "coverage.xml", "tox.ini", "notes.txt", "conftest.py"):
        assert not is_config(name), name


def test_covers_packaged_files_their_folders_and_the_config() -> None:
    package = PackageFiles(("src/demo/__init__.py", "mod.py"), ("src",))
    assert covers(package, "src/demo/new.py")  # a new file where the packaged files live
    assert covers(package, "src/other/x.py")
    assert covers(package, "mod.py") and covers(package, "pyproject.toml")
    assert not covers(package, ".coverage")
    assert not covers(package, "htmlcov/index.html")
    assert not covers(package, "tests/test_demo.py")
    assert not covers(package, "new_top.py")


def test_file_set_json_round_trip_and_refuses_paths_outside() -> None:
    package = PackageFiles(("a/b.py",), ("a",))
    assert PackageFiles.from_json(package.to_json()) == package
    assert PackageFiles.from_json({"files": ["../x"], "folders": []}) is None
    assert PackageFiles.from_json({"files": ["/etc/passwd"], "folders": []}) is None
    assert PackageFiles.from_json({"files": "a", "folders": []}) is None
    assert PackageFiles.from_json(None) is None


# ---------------------------------------------------------------------------------- reading builds


def test_wheel_files_map_back_to_the_shallowest_source(tmp_path: Path) -> None:
    for rel in ("src/demo/__init__.py", "src/demo/sub/m.py", "tests/demo/__init__.py", "tool.py", "scripts/tool.py"):
        write(tmp_path, rel)
    write(tmp_path, "src/demo/table.dat")  # git-ignored: not listed, still on disk
    known = ["src/demo/__init__.py", "src/demo/sub/m.py", "tests/demo/__init__.py", "tool.py", "scripts/tool.py"]
    names = [
        "demo/__init__.py",
        "demo/sub/m.py",
        "demo/table.dat",
        "tool.py",
        "demo-1.0.dist-info/RECORD",
        "demo-1.0.data/scripts/tool.py",
    ]
    package = of_wheel(names, {}, tmp_path, known, on_disk(tmp_path))
    assert package.files == ("src/demo/__init__.py", "src/demo/sub/m.py", "src/demo/table.dat", "tool.py")
    assert package.folders == ("src",)


def test_an_editable_wheel_points_at_its_folders(tmp_path: Path) -> None:
    write(tmp_path, "src/demo/__init__.py")
    root = os.path.abspath(tmp_path)
    texts = {
        "_demo.pth": f"{root}{os.sep}src\n",
        "__editable___demo_finder.py": f"MAPPING = {{'demo': {os.path.join(root, 'lib', 'demo')!r}}}\n",
        "_flat.pth": f"{root}\n",  # the project folder itself: never all of it
    }
    package = of_wheel([*texts, "demo-1.0.dist-info/RECORD"], texts, tmp_path, [], on_disk(tmp_path))
    assert (package.files, package.folders) == ((), ("lib", "src"))


def test_an_sdist_adds_its_files_in_the_wheel_folders_and_its_native_sources(tmp_path: Path) -> None:
    for rel in ("src/demo/__init__.py", "src/demo/data.json", "csrc/fast.c", "tests/test_demo.py", "tox.ini"):
        write(tmp_path, rel)
    write(tmp_path, ".coverage")
    out = tmp_path / "out"
    out.mkdir()
    names = ["src/demo/__init__.py", "src/demo/data.json", "csrc/fast.c", "tests/test_demo.py", "tox.ini"]
    sdist(out / "demo-1.0.tar.gz", [*names, ".coverage", "PKG-INFO"])  # hatchling packs what lies around
    built = wheel(out / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": "", "demo-1.0.dist-info/RECORD": ""})
    package = of_build(out, built, tmp_path, ["x"], on_disk(tmp_path))
    assert package == PackageFiles(("csrc/fast.c", "src/demo/__init__.py", "src/demo/data.json"), ("csrc", "src"))


def test_no_wheel_no_file_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert of_build(out, sdist(out / "demo-1.0.tar.gz", ["a.py"]), tmp_path, [], on_disk(tmp_path)) is None
    broken = out / "demo-1.0-py3-none-any.whl"
    broken.write_text("not a zip")
    assert of_build(out, broken, tmp_path, [], on_disk(tmp_path)) is None


def test_sdist_files_drop_generated_ones(tmp_path: Path) -> None:
    write(tmp_path, "setup.py")
    names = ["demo-1.0/setup.py", "demo-1.0/PKG-INFO", "demo-1.0/src/demo.egg-info/SOURCES.txt", "demo-1.0/"]
    assert sdist_files(names, on_disk(tmp_path)) == ["setup.py"]


# ------------------------------------------------------------------------------------------ hashing


@pytest.fixture(params=[pytest.param(True, marks=needs_git, id="git"), pytest.param(False, id="walk")])
def tree(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(root, "pyproject.toml")
    write(root, "src/demo/__init__.py")
    write(root, "src/demo/extra.py")
    write(root, "tests/test_demo.py")
    if request.param:
        git(root, "init", "-q")
        write(root, ".gitignore", "*.dat\n")
        write(root, "src/demo/table.dat")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "first")
    else:
        write(root, "src/demo/table.dat")
    return root


PACKAGE = PackageFiles(("src/demo/__init__.py", "src/demo/extra.py", "src/demo/table.dat"), ("src",))


def state(root: Path, package: PackageFiles | None = PACKAGE) -> str:
    return SourceScan(root).state(package).hash


def test_litter_outside_the_package_does_not_change_the_hash(tree: Path) -> None:
    before = state(tree)
    for rel in (".coverage", "coverage.xml", "htmlcov/index.html", "notes/x.txt", "tests/test_new.py", "new.py"):
        write(tree, rel, "litter\n")
    assert state(tree) == before


def test_what_goes_into_the_package_changes_the_hash(tree: Path) -> None:
    before = state(tree)
    write(tree, "src/demo/new.py")  # a new module where the package lives
    assert state(tree) != before
    (tree / "src/demo/new.py").unlink()
    assert state(tree) == before
    (tree / "src/demo/extra.py").unlink()  # a deleted packaged file
    assert state(tree) != before


def test_a_git_ignored_packaged_file_counts(tree: Path) -> None:
    before = state(tree)
    write(tree, "src/demo/table.dat", "changed\n")
    assert state(tree) != before


def test_build_config_counts(tree: Path) -> None:
    before = state(tree)
    write(tree, "pyproject.toml", "[project]\nname = 'changed'\n")
    assert state(tree) != before
    write(tree, "README.md")  # a new readme: the wheel's metadata may come from it
    assert state(tree) != before


@needs_git
def test_the_dirty_flag_ignores_the_work_dir(tmp_path: Path) -> None:
    write(tmp_path, "a.py")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    write(tmp_path, ".tox/.orch/dist/x.whl")
    assert SourceScan(tmp_path, exclude=[tmp_path / ".tox" / ".orch"]).state().dirty is False
    assert SourceScan(tmp_path).state().dirty is True


# ------------------------------------------------------------------------------------ the cache's use


class Build:
    """Writes a wheel holding the package's modules and an sdist of every listed file, as a real sdist build does."""

    def __init__(self, root: Path) -> None:
        self.root, self.calls = root, 0

    def __call__(self, out_dir: Path) -> Artifact:
        self.calls += 1
        modules = sorted(p.relative_to(self.root / "src").as_posix() for p in (self.root / "src").rglob("*.py"))
        everything = sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        sdist(out_dir / "demo-1.0.tar.gz", [rel for rel in everything if not rel.startswith(".tox/.orch/")])
        path = wheel(out_dir / "demo-1.0-py3-none-any.whl", dict.fromkeys(modules, ""))
        return Artifact(path, "wheel", "demo", "1.0", pure=True)


def test_the_first_build_is_kept_under_its_file_set_key(tree: Path) -> None:
    cache, build = ArtifactCache(tree / ".tox" / ".orch"), Build(tree)
    write(tree, ".coverage", "1")  # lying around at the first build: the sdist packs it
    first = cache.get_or_build(PDEF, SourceScan(tree, exclude=[tree / ".tox" / ".orch"]), build)
    assert (first.reused, first.provenance["source_scope"]) == (False, "package")
    assert (tree / ".tox" / ".orch" / "dist" / "sdist" / FILE_SETS).is_file()
    write(tree, ".coverage", "2")
    write(tree, "htmlcov/index.html")
    again = cache.get_or_build(PDEF, SourceScan(tree, exclude=[tree / ".tox" / ".orch"]), build)
    assert (again.reused, build.calls, again.provenance["key"]) == (True, 1, first.provenance["key"])
    write(tree, "src/demo/new.py")
    rebuilt = cache.get_or_build(PDEF, SourceScan(tree, exclude=[tree / ".tox" / ".orch"]), build)
    assert (rebuilt.reused, build.calls) == (False, 2)
    warm = cache.get_or_build(PDEF, SourceScan(tree, exclude=[tree / ".tox" / ".orch"]), build)
    assert (warm.reused, build.calls) == (True, 2)
