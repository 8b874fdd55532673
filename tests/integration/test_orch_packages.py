"""Packages in `orch run` and `orch build`: built only when needed, once, reused while the sources
stay the same, reinstalled only when the artifact changed. Asserted from the run record and the
artifact cache, never from timing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from orch_project import MakeProject, Project, hatchling_pyproject

pytestmark = pytest.mark.integration

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
SAMPLES = Path(__file__).resolve().parents[1] / "packages"


def installed(minor: str) -> bool:
    return any(PYENV.glob(f"{minor}.*/bin/python{minor}"))


TWO = [m for m in ("3.11", "3.12", "3.13", "3.10") if installed(m)][:2]
needs_two = pytest.mark.skipif(len(TWO) < 2, reason="needs two CPython versions under ~/.pyenv/versions")
ENVS = [f"py{m.replace('.', '')}" for m in TWO]

PYPROJECT = hatchling_pyproject('requires-python = ">=3.8"\ndependencies = ["iniconfig"]')


def record(proj: Project) -> dict[str, dict[str, Any]]:
    return proj.record()["envs"]


def artifacts(root: Path, packagedef: str) -> list[Path]:
    folder = root / ".tox" / ".orch" / "dist" / packagedef
    return sorted(p for p in folder.glob("*/*") if p.suffix in (".whl", ".gz")) if folder.is_dir() else []


@pytest.fixture
def demo(project: MakeProject) -> Project:
    check = "python -c \"import demo_pkg, iniconfig; print('VALUE', demo_pkg.VALUE)\""
    tox_ini = f"""
        [tox]
        env_list = {", ".join(ENVS)}, lint
        [testenv]
        package = wheel
        commands = {check}
        [testenv:lint]
        skip_install = true
        commands = python -c "print('lint')"
        """
    return project({"pyproject.toml": PYPROJECT, "src/demo_pkg/__init__.py": "VALUE = 1\n", "tox.ini": tox_ini})


@needs_two
def test_built_once_for_two_envs_then_reused(demo: Project) -> None:
    first = demo.run("run", "-e", ",".join(ENVS))
    assert first.code == 0, first.out + first.err
    assert first.out.count("VALUE 1") == 2
    assert len(artifacts(demo.path, "wheel")) == 1  # a pure wheel: one build serves both envs
    envs = record(demo)
    assert all(envs[e]["package"]["name"] == "demo-pkg" for e in ENVS)
    second = demo.run("run", "-e", ",".join(ENVS))
    assert second.code == 0, second.out + second.err
    assert "building" not in second.out
    for env in ENVS:
        assert record(demo)[env]["installer_runs"] == 0
        assert "package unchanged (demo-pkg 1.0)" in record(demo)[env]["actions"]


@needs_two
def test_changed_source_rebuilds_and_reinstalls_without_deps(demo: Project) -> None:
    assert demo.run("run", "-e", ENVS[0]).code == 0
    (demo.path / "src" / "demo_pkg" / "__init__.py").write_text("VALUE = 2\n")
    result = demo.run("run", "-e", ENVS[0])
    assert result.code == 0, result.out + result.err
    assert "VALUE 2" in result.out
    env = record(demo)[ENVS[0]]
    assert env["installer_runs"] == 1
    assert "reinstalled demo-pkg 1.0 (no deps)" in env["actions"]


def test_skip_env_builds_nothing(demo: Project) -> None:
    result = demo.run("run", "-e", "lint")
    assert result.code == 0, result.out + result.err
    assert not (demo.path / ".tox" / ".orch" / "dist").exists()


@needs_two
def test_build_json_shows_provenance(demo: Project) -> None:
    subprocess.run(["git", "init", "-q"], cwd=demo.path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=demo.path, check=True)
    git_env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "commit", "-qm", "init"], cwd=demo.path, check=True, env=git_env)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=demo.path, capture_output=True, text=True).stdout.strip()
    result = demo.run("build", "-e", ENVS[0], "--json")
    assert result.code == 0, result.out + result.err
    [item] = json.loads(result.out)
    assert item["git_commit"] == commit
    assert item["dirty"] is False
    assert item["packagedef"] == "wheel"
    assert len(item["source_hash"]) == 64 and len(item["config_hash"]) == 64
    assert item["reused"] is False
    again = json.loads(demo.run("build", "-e", ENVS[0], "--json").out)
    assert again[0]["reused"] is True and again[0]["sha256"] == item["sha256"]


@needs_two
def test_requires_python_mismatch_is_incompatible(demo: Project) -> None:
    newest = max(TWO, key=lambda m: tuple(map(int, m.split("."))))
    pyproject = (demo.path / "pyproject.toml").read_text().replace('">=3.8"', f'">={newest}"')
    (demo.path / "pyproject.toml").write_text(pyproject)
    result = demo.run("run", "-e", ",".join(ENVS))
    assert result.code == 1
    older = next(e for e in ENVS if e != f"py{newest.replace('.', '')}")
    assert record(demo)[older]["status"] == "failed"
    assert f"incompatible: demo-pkg 1.0 requires Python >={newest}" in record(demo)[older]["message"]


@needs_two
def test_installpkg_installs_the_given_wheel(demo: Project, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert demo.run("build", "-e", ENVS[0]).code == 0
    [wheel] = artifacts(demo.path, "wheel")[-1:]
    given = tmp_path_factory.mktemp("given") / wheel.name
    shutil.copy(wheel, given)
    shutil.rmtree(demo.path / ".tox" / ".orch" / "dist")
    result = demo.run("run", "-e", ENVS[0], "--installpkg", str(given))
    assert result.code == 0, result.out + result.err
    assert not (demo.path / ".tox" / ".orch" / "dist" / "wheel").exists()  # nothing was built
    assert record(demo)[ENVS[0]]["package"]["given"] == str(given)


@needs_two
def test_c_extension_is_built_per_interpreter(project: MakeProject) -> None:
    if not (SAMPLES / "cext_proj").is_dir():
        pytest.skip("tests/packages/cext_proj is missing")
    tox_ini = f"[tox]\nenv_list = {', '.join(ENVS)}\n[testenv]\npackage = wheel\ncommands = python -c \"print('ok')\"\n"
    proj = project({"tox.ini": tox_ini}, sample="cext_proj", at="p")
    root = proj.path
    module = next(p.stem.split(".")[0] for p in root.rglob("*.c")).lstrip("_")
    result = proj.run("run")
    assert result.code == 0, result.out + result.err + module
    wheels = artifacts(root, "wheel")
    tags = {w.name.split("-")[2] for w in wheels}
    assert {f"cp{m.replace('.', '')}" for m in TWO} <= tags, wheels


@needs_two
def test_incompatible_package_can_be_a_skip(demo: Project) -> None:
    newest = max(TWO, key=lambda m: tuple(map(int, m.split("."))))
    pyproject = (demo.path / "pyproject.toml").read_text().replace('">=3.8"', f'">={newest}"')
    (demo.path / "pyproject.toml").write_text(pyproject)
    result = demo.run("run", "-e", ",".join(ENVS), "-x", "testenv.package_incompatible=skip")
    assert result.code == 0, result.out + result.err
    older = next(e for e in ENVS if e != f"py{newest.replace('.', '')}")
    assert record(demo)[older]["status"] == "skipped"


@needs_two
def test_sdist_never_packs_the_work_dir(demo: Project) -> None:
    """hatchling packs every file it does not know to skip; orch builds the sdist from the sources."""
    import tarfile

    subprocess.run(["git", "init", "-q"], cwd=demo.path, check=True)  # no .gitignore: .orch is not ignored
    (demo.path / "tox.ini").write_text(
        (demo.path / "tox.ini").read_text().replace("package = wheel", "package = sdist")
    )
    first = demo.run("run", "-e", ENVS[0])
    assert first.code == 0, first.out + first.err
    [sdist] = sorted((demo.path / ".tox" / ".orch" / "dist" / "sdist").glob("*/*.tar.gz"))
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert not [n for n in names if "/.orch" in n], names
    assert any(n.endswith("src/demo_pkg/__init__.py") for n in names)


@needs_two
def test_an_added_extra_installs_its_deps(project: MakeProject) -> None:
    """The same artifact with one more extra: the extra's deps are installed, not a --no-deps reinstall."""
    pyproject = PYPROJECT.replace(
        'dependencies = ["iniconfig"]', 'dependencies = []\noptional-dependencies = {ini = ["iniconfig"]}'
    )
    tox_ini = f"""
        [tox]
        env_list = {ENVS[0]}
        [testenv]
        package = wheel
        commands = python -c "import demo_pkg"
        """
    proj = project({"pyproject.toml": pyproject, "src/demo_pkg/__init__.py": "VALUE = 1\n", "tox.ini": tox_ini})
    assert proj.run("run").code == 0
    with_extra = proj.run("run", "-x", "testenv.extras=ini", "-x", 'testenv.commands=python -c "import iniconfig"')
    assert with_extra.code == 0, with_extra.out + with_extra.err
    assert "reinstalled demo-pkg 1.0 with its deps" in record(proj)[ENVS[0]]["actions"]
