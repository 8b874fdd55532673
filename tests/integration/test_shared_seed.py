"""pip and setuptools shared by the uv-made envs, linked by a ``.pth`` file (real interpreters, real pip).

Each test has its own orch cache, so the shared copy is unpacked in the test.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import threading
from pathlib import Path

import pytest

from orch.envs import seed, seed_image
from orch.envs.api import PreparedEnv, SetupRequest
from orch.envs.virtualenv import VirtualenvBackend
from orch.schedule.resultkey import distributions

pytestmark = pytest.mark.integration

_helpers = runpy.run_path(str(Path(__file__).with_name("test_virtualenv_backend.py")))
interpreter, env_config = _helpers["interpreter"], _helpers["env_config"]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "orch-cache"
    monkeypatch.setenv("ORCH_CACHE_DIR", str(folder))
    return folder


def setup(root: Path, body: str, minor: str = "3.11", name: str = "e", notes: list[str] | None = None) -> PreparedEnv:
    config = env_config(root, body, name)
    kept = notes if notes is not None else []
    request = SetupRequest(config, interpreter(minor), False, root, config.env_log_dir / "setup.log", kept.append)
    return VirtualenvBackend().setup(request)


def run(*argv: object) -> str:
    done = subprocess.run([str(arg) for arg in argv], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def shared_folders(cache: Path) -> list[Path]:
    return sorted((cache / "seed").iterdir())


def test_envs_share_one_copy_and_nothing_is_installed_into_them(tmp_path: Path, cache: Path) -> None:
    first = setup(tmp_path, "", name="a")
    [shared] = shared_folders(cache)
    stamp = shared.stat().st_ino, sorted(os.listdir(shared))
    second = setup(tmp_path, "", name="b", minor="3.10")  # 3.10 gets the same pip and setuptools wheels
    assert shared_folders(cache) == [shared]
    assert (shared.stat().st_ino, sorted(os.listdir(shared))) == stamp  # not unpacked again
    for prepared in (first, second):
        assert prepared.installer_runs == 0  # no deps: no installer started, pip included
        assert prepared.python is not None
        env_dir = prepared.python.parent.parent
        [site_packages] = env_dir.glob("lib/python3.*/site-packages")
        assert not (site_packages / "pip").exists()
        assert (site_packages / seed_image.PTH).read_text() == f"{shared}\n"
        assert run(prepared.python, "-m", "pip", "--version").startswith(f"pip {_pip_version(shared)} from {shared}")
        assert run(prepared.python, "-c", "import setuptools; print('ok')") == "ok"
    bin_dir = first.python.parent if first.python else tmp_path
    for script in ("pip", "pip3", "pip3.11"):
        assert run(bin_dir / script, "--version").startswith("pip ")
    assert "setuptools==" not in run(bin_dir / "pip", "freeze")  # as in tox's env: freeze leaves them out
    assert {"pip", "setuptools"} <= {line.split()[0] for line in run(bin_dir / "pip", "list").splitlines()[2:]}


def _pip_version(shared: Path) -> str:
    [info] = shared.glob("pip-*.dist-info")
    return info.name.removeprefix("pip-").removesuffix(".dist-info")


def test_pip_changes_the_env_never_the_shared_copy(tmp_path: Path, cache: Path) -> None:
    prepared = setup(tmp_path, "")
    assert prepared.python is not None
    [shared] = shared_folders(cache)
    before = sorted(path.relative_to(shared) for path in shared.rglob("*") if "__pycache__" not in path.parts)
    bundled = {wheel for minor in range(8, 14) for wheel in seed.embedded_wheels((3, minor)) or ()}
    mine = {f"{info.name.removesuffix('.dist-info')}-py3-none-any.whl" for info in shared.glob("*.dist-info")}
    other = sorted(wheel for wheel in bundled if wheel.name.startswith("pip-") and wheel.name not in mine)
    if not other:
        pytest.skip("virtualenv embeds one pip for every Python: no other pip offline")
    run(prepared.python, "-m", "pip", "install", "-q", "--no-index", other[0])
    out = run(prepared.python, "-m", "pip", "--version")
    assert out.startswith(f"pip {other[0].name.split('-')[1]} from {prepared.python.parent.parent}")  # the env's wins
    uninstall = subprocess.run(
        [str(prepared.python), "-m", "pip", "uninstall", "-y", "setuptools"], capture_output=True, text=True
    )
    assert "outside environment" in uninstall.stdout + uninstall.stderr
    after = sorted(path.relative_to(shared) for path in shared.rglob("*") if "__pycache__" not in path.parts)
    assert after == before


def test_an_env_whose_shared_copy_is_gone_is_recreated(tmp_path: Path, cache: Path) -> None:
    setup(tmp_path, "")
    [shared] = shared_folders(cache)
    for path in sorted(shared.rglob("*"), reverse=True):  # a cleared cache
        path.unlink() if not path.is_dir() or path.is_symlink() else path.rmdir()
    shared.rmdir()
    notes: list[str] = []
    prepared = setup(tmp_path, "", notes=notes)
    assert f"recreate: the shared pip at {shared} is missing" in notes
    assert prepared.actions == (f"recreated: the shared pip at {shared} is missing",)
    assert run(prepared.python, "-m", "pip", "--version").startswith("pip ")


def test_the_result_key_sees_the_shared_distributions(tmp_path: Path) -> None:
    prepared = setup(tmp_path, "")
    assert prepared.python is not None
    names = distributions(prepared.python.parent.parent)
    assert any(name.startswith("pip-") for name in names)
    assert any(name.startswith("setuptools-") for name in names)


def test_envs_set_up_at_once_unpack_one_copy(tmp_path: Path, cache: Path) -> None:
    wheels = seed.embedded_wheels((3, 11))
    assert wheels is not None
    found: list[Path] = []
    threads = [threading.Thread(target=lambda: found.append(seed_image.ensure(wheels))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1
    assert [path.name for path in (cache / "seed").iterdir()] == [found[0].name]  # no staging folder left
    assert (found[0] / "pip" / "__init__.py").is_file()


def test_a_long_env_path_gets_a_working_pip_script(tmp_path: Path) -> None:
    root = tmp_path / ("deep-" * 30)
    root.mkdir()
    prepared = setup(root, "")
    assert prepared.python is not None
    script = prepared.python.parent / "pip"
    assert script.read_text().startswith("#!/bin/sh\n")  # the first line would be over the kernel's limit
    assert run(script, "--version").startswith("pip ")


def test_an_env_linked_to_another_cache_is_recreated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    setup(tmp_path, "")  # linked to the copy in the test's cache
    monkeypatch.setenv("ORCH_CACHE_DIR", str(tmp_path / "another-cache"))  # the user points orch elsewhere
    notes: list[str] = []
    prepared = setup(tmp_path, "", notes=notes)
    [note] = [note for note in notes if note.startswith("recreate: ")]
    assert note.startswith("recreate: the shared pip is now at ") and "another-cache" in note
    assert run(prepared.python, "-m", "pip", "--version").startswith(f"pip {_pip_version_of(tmp_path)} from ")
    assert setup(tmp_path, "").actions == ("reused",)


def _pip_version_of(root: Path) -> str:
    [shared] = (root / "another-cache" / "seed").iterdir()
    return _pip_version(shared)


def test_a_relative_cache_folder_still_gives_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ORCH_CACHE_DIR", "relative-cache")
    prepared = setup(tmp_path, "")
    [site_packages] = (tmp_path / ".tox" / ".orch" / "e").glob("lib/python3.*/site-packages")
    assert Path((site_packages / seed_image.PTH).read_text().strip()).is_absolute()
    assert run(prepared.python, "-m", "pip", "--version").startswith("pip ")


def test_the_shared_copy_is_readable_by_everyone(tmp_path: Path, cache: Path) -> None:
    setup(tmp_path, "")
    [shared] = shared_folders(cache)
    assert shared.stat().st_mode & 0o755 == 0o755  # a cache shared by users (a CI image) serves them all
