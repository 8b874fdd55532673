"""Packages in `orch run` and `orch build`: built only when needed, once, reused while the sources
stay the same, reinstalled only when the artifact changed. Asserted from the run record and the
artifact cache, never from timing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
SAMPLES = Path(__file__).resolve().parents[1] / "packages"


def installed(minor: str) -> bool:
    return any(PYENV.glob(f"{minor}.*/bin/python{minor}"))


TWO = [m for m in ("3.11", "3.12", "3.13", "3.10") if installed(m)][:2]
needs_two = pytest.mark.skipif(len(TWO) < 2, reason="needs two CPython versions under ~/.pyenv/versions")
ENVS = [f"py{m.replace('.', '')}" for m in TWO]

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo-pkg"
version = "1.0"
requires-python = ">=3.8"
dependencies = ["iniconfig"]

[tool.hatch.build.targets.wheel]
packages = ["src/demo_pkg"]
"""


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orch-cache")


def orch(root: Path, cache_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "GITHUB_"))}
    env["ORCH_CACHE_DIR"] = str(cache_dir)
    return subprocess.run(
        [sys.executable, "-m", "orch", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )


def record(root: Path) -> dict[str, dict[str, object]]:
    return json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"]  # type: ignore[no-any-return]


def artifacts(root: Path, packagedef: str) -> list[Path]:
    folder = root / ".tox" / ".orch" / "dist" / packagedef
    return sorted(p for p in folder.glob("*/*") if p.suffix in (".whl", ".gz")) if folder.is_dir() else []


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    package = tmp_path / "src" / "demo_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    check = "python -c \"import demo_pkg, iniconfig; print('VALUE', demo_pkg.VALUE)\""
    (tmp_path / "tox.ini").write_text(
        textwrap.dedent(f"""
        [tox]
        env_list = {", ".join(ENVS)}, lint
        [testenv]
        package = wheel
        commands = {check}
        [testenv:lint]
        skip_install = true
        commands = python -c "print('lint')"
        """)
    )
    return tmp_path


@needs_two
def test_built_once_for_two_envs_then_reused(demo: Path, cache_dir: Path) -> None:
    first = orch(demo, cache_dir, "run", "-e", ",".join(ENVS))
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.count("VALUE 1") == 2
    assert len(artifacts(demo, "wheel")) == 1  # a pure wheel: one build serves both envs
    envs = record(demo)
    assert all(envs[e]["package"]["name"] == "demo-pkg" for e in ENVS)  # type: ignore[index]
    second = orch(demo, cache_dir, "run", "-e", ",".join(ENVS))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "building" not in second.stdout
    for env in ENVS:
        assert record(demo)[env]["installer_runs"] == 0
        assert "package unchanged (demo-pkg 1.0)" in record(demo)[env]["actions"]  # type: ignore[operator]


@needs_two
def test_changed_source_rebuilds_and_reinstalls_without_deps(demo: Path, cache_dir: Path) -> None:
    assert orch(demo, cache_dir, "run", "-e", ENVS[0]).returncode == 0
    (demo / "src" / "demo_pkg" / "__init__.py").write_text("VALUE = 2\n")
    result = orch(demo, cache_dir, "run", "-e", ENVS[0])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALUE 2" in result.stdout
    env = record(demo)[ENVS[0]]
    assert env["installer_runs"] == 1
    assert "reinstalled demo-pkg 1.0 (no deps)" in env["actions"]  # type: ignore[operator]


def test_skip_env_builds_nothing(demo: Path, cache_dir: Path) -> None:
    result = orch(demo, cache_dir, "run", "-e", "lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (demo / ".tox" / ".orch" / "dist").exists()


@needs_two
def test_build_json_shows_provenance(demo: Path, cache_dir: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=demo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=demo, check=True)
    git_env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "commit", "-qm", "init"], cwd=demo, check=True, env=git_env)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=demo, capture_output=True, text=True).stdout.strip()
    result = orch(demo, cache_dir, "build", "-e", ENVS[0], "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    [item] = json.loads(result.stdout)
    assert item["git_commit"] == commit
    assert item["dirty"] is False
    assert item["packagedef"] == "wheel"
    assert len(item["source_hash"]) == 64 and len(item["config_hash"]) == 64
    assert item["reused"] is False
    again = json.loads(orch(demo, cache_dir, "build", "-e", ENVS[0], "--json").stdout)
    assert again[0]["reused"] is True and again[0]["sha256"] == item["sha256"]


@needs_two
def test_requires_python_mismatch_is_incompatible(demo: Path, cache_dir: Path) -> None:
    newest = max(TWO, key=lambda m: tuple(map(int, m.split("."))))
    pyproject = (demo / "pyproject.toml").read_text().replace('">=3.8"', f'">={newest}"')
    (demo / "pyproject.toml").write_text(pyproject)
    result = orch(demo, cache_dir, "run", "-e", ",".join(ENVS))
    assert result.returncode == 1
    older = next(e for e in ENVS if e != f"py{newest.replace('.', '')}")
    assert record(demo)[older]["status"] == "failed"
    assert f"incompatible: demo-pkg 1.0 requires Python >={newest}" in record(demo)[older]["message"]  # type: ignore[operator]


@needs_two
def test_installpkg_installs_the_given_wheel(
    demo: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert orch(demo, cache_dir, "build", "-e", ENVS[0]).returncode == 0
    [wheel] = artifacts(demo, "wheel")[-1:]
    given = tmp_path_factory.mktemp("given") / wheel.name
    shutil.copy(wheel, given)
    shutil.rmtree(demo / ".tox" / ".orch" / "dist")
    result = orch(demo, cache_dir, "run", "-e", ENVS[0], "--installpkg", str(given))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (demo / ".tox" / ".orch" / "dist" / "wheel").exists()  # nothing was built
    assert record(demo)[ENVS[0]]["package"]["given"] == str(given)  # type: ignore[index]


@needs_two
def test_c_extension_is_built_per_interpreter(tmp_path: Path, cache_dir: Path) -> None:
    sample = SAMPLES / "cext_proj"
    if not sample.is_dir():
        pytest.skip("tests/packages/cext_proj is missing")
    shutil.copytree(sample, tmp_path / "p")
    root = tmp_path / "p"
    module = next(p.stem.split(".")[0] for p in root.rglob("*.c")).lstrip("_")
    (root / "tox.ini").write_text(
        f"[tox]\nenv_list = {', '.join(ENVS)}\n[testenv]\npackage = wheel\ncommands = python -c \"print('ok')\"\n"
    )
    result = orch(root, cache_dir, "run")
    assert result.returncode == 0, result.stdout + result.stderr + module
    wheels = artifacts(root, "wheel")
    tags = {w.name.split("-")[2] for w in wheels}
    assert {f"cp{m.replace('.', '')}" for m in TWO} <= tags, wheels


@needs_two
def test_incompatible_package_can_be_a_skip(demo: Path, cache_dir: Path) -> None:
    newest = max(TWO, key=lambda m: tuple(map(int, m.split("."))))
    pyproject = (demo / "pyproject.toml").read_text().replace('">=3.8"', f'">={newest}"')
    (demo / "pyproject.toml").write_text(pyproject)
    result = orch(demo, cache_dir, "run", "-e", ",".join(ENVS), "-x", "testenv.package_incompatible=skip")
    assert result.returncode == 0, result.stdout + result.stderr
    older = next(e for e in ENVS if e != f"py{newest.replace('.', '')}")
    assert record(demo)[older]["status"] == "skipped"


@needs_two
def test_sdist_never_packs_the_work_dir(demo: Path, cache_dir: Path) -> None:
    """hatchling packs every file it does not know to skip; orch builds the sdist from the sources."""
    import tarfile

    subprocess.run(["git", "init", "-q"], cwd=demo, check=True)  # no .gitignore: .orch is not ignored
    (demo / "tox.ini").write_text((demo / "tox.ini").read_text().replace("package = wheel", "package = sdist"))
    first = orch(demo, cache_dir, "run", "-e", ENVS[0])
    assert first.returncode == 0, first.stdout + first.stderr
    [sdist] = sorted((demo / ".tox" / ".orch" / "dist" / "sdist").glob("*/*.tar.gz"))
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert not [n for n in names if "/.orch" in n], names
    assert any(n.endswith("src/demo_pkg/__init__.py") for n in names)
