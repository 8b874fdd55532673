"""Which tool created an env, as its record says, and pip's seed in uv-created envs (real interpreters, real installs).

Deps come from PyPI through uv's cache and stay tiny (``six``); the conflicting dep is a wheel
written here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import runpy
import subprocess
import zipfile
from pathlib import Path

import pytest

from orch.envs import fingerprint
from orch.envs.api import PreparedEnv, SetupRequest
from orch.envs.resolutions import OnlineResolutions
from orch.envs.virtualenv import VirtualenvBackend

pytestmark = pytest.mark.integration

_helpers = runpy.run_path(str(Path(__file__).with_name("test_virtualenv_backend.py")))
interpreter, env_config = _helpers["interpreter"], _helpers["env_config"]


@pytest.fixture(autouse=True)
def _orch_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "orch-cache"))


def setup(root: Path, body: str, minor: str = "3.11", notes: list[str] | None = None) -> PreparedEnv:
    """Set env ``e`` up; ``notes`` gets the reasons for recreating it (not the progress lines)."""
    config = env_config(root, body)
    log = config.env_log_dir / "setup.log"
    kept = notes if notes is not None else []

    def note(text: str) -> None:
        if text.startswith("recreate: "):
            kept.append(text)

    return VirtualenvBackend().setup(SetupRequest(config, interpreter(minor), False, root, log, note))


def record(root: Path) -> dict[str, str]:
    options: dict[str, str] = json.loads((root / ".tox" / ".orch" / "e" / fingerprint.FILE_NAME).read_text())["options"]
    return options


def installs(root: Path) -> list[str]:
    log = root / ".tox" / ".orch" / "e" / "log" / "setup.log"
    return [line for line in log.read_text().splitlines() if line.startswith("$ ")]


def run(python: Path | None, code: str) -> str:
    assert python is not None
    return subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def test_uv_creates_the_env_and_links_the_shared_pip(tmp_path: Path) -> None:
    prepared = setup(tmp_path, "deps = six")
    assert prepared.actions == ("created", "installed deps: six")
    assert prepared.installer_runs == 1
    assert record(tmp_path)["creator"] == "uv venv"
    assert record(tmp_path)["pip"].startswith("shared pip-")
    assert "uv = " in (tmp_path / ".tox" / ".orch" / "e" / "pyvenv.cfg").read_text()  # made by uv venv
    [line] = installs(tmp_path)  # pip and setuptools are not installed: linked from the shared copy
    assert " six" in line
    assert "/pip-" not in line
    assert "/setuptools-" not in line
    assert run(prepared.python, "import setuptools, pip, six; print('ok')") == "ok"


def test_download_installs_the_seed_with_the_deps(tmp_path: Path) -> None:
    prepared = setup(tmp_path, "deps = six\ndownload = true")
    assert record(tmp_path) == {"creator": "uv venv", "pip": "seeded", "download": "true"}
    [line] = installs(tmp_path)  # one resolution for pip, setuptools and the deps
    assert line.endswith(" six pip setuptools")
    assert run(prepared.python, "import setuptools, pip, six; print(pip.__file__)").startswith(str(tmp_path))


def test_pip_installer_and_always_copy_keep_virtualenv(tmp_path: Path) -> None:
    setup(tmp_path, "deps = six\ninstaller = pip")
    assert record(tmp_path)["creator"] == "virtualenv"
    assert "virtualenv = " in (tmp_path / ".tox" / ".orch" / "e" / "pyvenv.cfg").read_text()

    notes: list[str] = []
    setup(tmp_path, "deps = six\nalways_copy = true", notes=notes)
    assert record(tmp_path) == {"creator": "virtualenv", "pip": "seeded", "always_copy": "true"}
    assert notes == ["recreate: installer changed (pip -> uv)"]


def test_system_site_packages_with_uv_venv(tmp_path: Path) -> None:
    prepared = setup(tmp_path, "seed_pip = false\nsystem_site_packages = true")
    assert record(tmp_path) == {"creator": "uv venv", "pip": "none", "system_site_packages": "true"}
    cfg = (tmp_path / ".tox" / ".orch" / "e" / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = true" in cfg
    assert run(prepared.python, "import pip; print('ok')") == "ok"  # the base interpreter's pip shows through
    assert installs(tmp_path) == []


def test_an_env_another_creator_made_is_recreated(tmp_path: Path) -> None:
    setup(tmp_path, "deps = six")
    env_dir = tmp_path / ".tox" / ".orch" / "e"
    old = fingerprint.read(env_dir)
    assert old is not None
    fingerprint.write(env_dir, old._replace(options={**old.options, "creator": "virtualenv"}))
    notes: list[str] = []
    prepared = setup(tmp_path, "deps = six", notes=notes)
    assert notes == ["recreate: creator changed (virtualenv -> uv venv)"]
    assert prepared.actions == ("recreated: creator changed (virtualenv -> uv venv)", "installed deps: six")
    assert setup(tmp_path, "deps = six").actions == ("reused",)


def test_deps_naming_setuptools_win_over_the_shared_one(tmp_path: Path) -> None:
    prepared = setup(tmp_path, "deps = setuptools<70")
    [deps] = installs(tmp_path)
    assert deps.endswith(" 'setuptools<70'")
    assert int(run(prepared.python, "import setuptools; print(setuptools.__version__)").split(".")[0]) < 70


def test_with_download_deps_naming_setuptools_are_installed_after_the_seed(tmp_path: Path) -> None:
    prepared = setup(tmp_path, "deps = setuptools<70\ndownload = true")
    seeding, deps = installs(tmp_path)
    assert seeding.endswith(" pip setuptools")
    assert deps.endswith(" 'setuptools<70'")
    assert int(run(prepared.python, "import setuptools; print(setuptools.__version__)").split(".")[0]) < 70


def _wheel(folder: Path, requires: str) -> Path:
    """A pure wheel of ``needs-old-setuptools`` 1.0 that depends on ``requires``."""
    name = "needs_old_setuptools-1.0"
    files = {
        "needs_old_setuptools.py": "",
        f"{name}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: needs-old-setuptools\nVersion: 1.0\n"
        f"Requires-Dist: {requires}\n",
        f"{name}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    lines = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(text.encode())}")
    lines.append(f"{name}.dist-info/RECORD,,")
    wheel = folder / f"{name}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(f"{name}.dist-info/RECORD", "\n".join(lines) + "\n")
    return wheel


def test_a_dep_that_needs_another_setuptools_gets_it_in_the_env(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "setuptools<70")
    prepared = setup(tmp_path, f"deps = needs-old-setuptools @ {wheel.as_uri()}")
    assert prepared.actions == ("created", "installed deps: needs-old-setuptools @ " + wheel.as_uri())
    assert len(installs(tmp_path)) == 1  # uv puts the older setuptools into the env, before the shared one
    code = "import setuptools, pip, needs_old_setuptools; print(setuptools.__version__)"
    assert int(run(prepared.python, code).split(".")[0]) < 70


class _Recorded(OnlineResolutions):
    """The run's resolutions, writing when each env is decided into the same list as the setup's notes."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events

    def decided(self, env: str) -> None:
        self.events.append(f"decided {env}")
        super().decided(env)


def test_an_env_that_installs_nothing_lets_the_others_go_before_creating_its_venv(tmp_path: Path) -> None:
    """Review of issue 15: an env ranked first that installs nothing must not hold the others' head start and
    offline installs (up to EARLIER_WAIT in a -p run) while it creates its venv: it is decided before that."""
    events: list[str] = []
    runs = _Recorded(events)
    runs.rank(["e", "later"])
    config = env_config(tmp_path, "seed_pip = false")
    log = config.env_log_dir / "setup.log"
    VirtualenvBackend().setup(
        SetupRequest(config, interpreter("3.11"), False, tmp_path, log, events.append, resolutions=runs)
    )
    creating = next(i for i, event in enumerate(events) if event.startswith("creating the env"))
    assert "decided e" in events[:creating], events
