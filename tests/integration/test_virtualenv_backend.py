"""Env backends with real interpreters (``~/.pyenv/versions``, skipped where absent) and real installs.

Deps come from PyPI (through uv's and pip's caches) and stay tiny: ``six`` and ``iniconfig``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import runpy
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orch.config.model import EnvConfig
from orch.envs.api import EnvSetupError, PreparedEnv, SetupRequest
from orch.envs.current import CurrentBackend
from orch.envs.fingerprint import FILE_NAME
from orch.envs.interpreter import Interpreter
from orch.envs.system import SystemBackend
from orch.envs.virtualenv import VirtualenvBackend

pytestmark = pytest.mark.integration

PYENV_ROOT = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
PROJECT_HELPER = Path(__file__).parents[1] / "unit" / "config" / "_project.py"
_load = runpy.run_path(str(PROJECT_HELPER))["load"]


def interpreter(minor: str) -> Interpreter:
    """The newest pyenv CPython ``minor`` (``"3.12"``), or skip."""
    found = sorted(
        (tuple(int(n) for n in folder.name.split(".")), folder)
        for folder in PYENV_ROOT.glob(f"versions/{minor}.*")
        if re.fullmatch(r"\d+\.\d+\.\d+", folder.name) and (folder / "bin" / f"python{minor}").is_file()
    )
    if not found:
        pytest.skip(f"CPython {minor} is not installed under {PYENV_ROOT}/versions")
    version, folder = found[-1]
    return Interpreter(str(folder / "bin" / f"python{minor}"), "cpython", version, 64, platform.machine())


@pytest.fixture(autouse=True)
def _orch_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """virtualenv's app data in a cache of the test session, not the user's."""
    monkeypatch.setenv("ORCH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "orch-cache"))


def env_config(root: Path, body: str, name: str = "e") -> EnvConfig:
    config: EnvConfig = _load(root, f"[testenv:{name}]\n{body}").env(name)
    return config


PROGRESS = ("creating the env with ", "installing ")


class Setup:
    """Runs a backend's setup on one project folder and keeps the notes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.notes: list[str] = []

    def __call__(
        self, config: EnvConfig, python: Interpreter | None, *, backend: object = None, recreate: bool = False
    ) -> PreparedEnv:
        self.notes.clear()

        def note(text: str) -> None:  # what changed; not the progress lines ("creating the env with uv venv")
            if not text.startswith(PROGRESS):
                self.notes.append(text)

        request = SetupRequest(config, python, recreate, self.root, self.log(config), note)
        return (backend or VirtualenvBackend()).setup(request)

    @staticmethod
    def log(config: EnvConfig) -> Path:
        return config.env_log_dir / "setup.log"


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def run_python(python: Path, code: str) -> str:
    return subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def installs(log: Path) -> list[str]:
    """The installer command lines in a setup log."""
    return [line for line in log.read_text().splitlines() if line.startswith("$ ")]


def test_create_reuse_add_and_change_interpreter(setup: Setup) -> None:
    py312 = interpreter("3.12")
    config = env_config(setup.root, "deps = six")
    start = time.monotonic()
    first = setup(config, py312)
    cold = time.monotonic() - start
    assert first.actions == ("created", "installed deps: six")
    assert first.installer_runs == 1
    assert first.python == config.env_dir / "bin" / "python"
    assert first.bin_dirs == (config.env_dir / "bin",)
    assert first.environ == {"VIRTUAL_ENV": str(config.env_dir)}
    assert setup.notes == []
    assert run_python(first.python, "import six, sys; print(sys.version_info[:2])") == "(3, 12)"
    assert (config.env_dir / "bin" / "pip").exists()  # uv needs none, but envs have pip by default, as in tox

    start = time.monotonic()
    again = setup(config, py312)
    warm = time.monotonic() - start
    assert again == first._replace(actions=("reused",), installer_runs=0)
    assert warm < 0.5, f"reuse took {warm:.3f}s (create: {cold:.3f}s)"

    added = setup(env_config(setup.root, "deps =\n  six\n  iniconfig"), py312)
    assert added.actions == ("installed deps: iniconfig",)
    assert added.installer_runs == 1
    assert setup.notes == ["update: deps added (iniconfig)"]
    last = installs(Setup.log(config))[-1]
    assert last.endswith(" iniconfig")
    assert " six" not in last
    assert run_python(added.python, "import iniconfig, six; print('ok')") == "ok"

    py311 = interpreter("3.11")
    moved = setup(env_config(setup.root, "deps =\n  six\n  iniconfig"), py311)
    reason = f"interpreter changed ({'.'.join(map(str, py312.version))} -> {'.'.join(map(str, py311.version))})"
    assert setup.notes == [f"recreate: {reason}"]
    assert moved.actions == (f"recreated: {reason}", "installed deps: six, iniconfig")
    assert run_python(moved.python, "import sys; print(sys.version_info[:2])") == "(3, 11)"
    assert len(installs(Setup.log(config))) == 3  # pip's seed goes in with the deps; the log survived the recreation


def test_removed_dep_requirements_file_and_asked_recreate(setup: Setup) -> None:
    py312 = interpreter("3.12")
    (setup.root / "requirements.txt").write_text("iniconfig\n")
    config = env_config(setup.root, "deps =\n  six\n  -rrequirements.txt")
    setup(config, py312)
    assert installs(Setup.log(config))[-1].endswith(f" six -r {setup.root / 'requirements.txt'}")

    (setup.root / "requirements.txt").write_text("iniconfig>=1\n")
    config = env_config(setup.root, "deps =\n  six\n  -r requirements.txt")
    assert setup(config, py312).installer_runs == 1
    assert setup.notes == ["recreate: requirements file requirements.txt changed"]

    config = env_config(setup.root, "deps = six")
    setup(config, py312)
    assert setup.notes == ["recreate: deps changed (removed: -r requirements.txt)"]
    assert run_python(config.env_python, "import importlib.util as u; print(u.find_spec('iniconfig'))") == "None"

    assert setup(config, py312, recreate=True).actions == ("recreated: asked (-r)", "installed deps: six")
    assert setup.notes == ["recreate: asked (-r)"]


@pytest.mark.parametrize(
    ("minor", "installer"),
    [("3.12", "pip"), ("3.8", "uv"), ("3.8", "pip"), ("3.7", "uv")],
)
def test_interpreters_and_installers(setup: Setup, minor: str, installer: str) -> None:
    python = interpreter(minor)
    # seed_pip = false: the uv installer on 3.7 and 3.8 then creates the env with uv venv, no pip
    config = env_config(setup.root, f"deps = six\ninstaller = {installer}\nseed_pip = false")
    prepared = setup(config, python)
    assert prepared.installer_runs == 1
    assert run_python(prepared.python, "import six, sys; print(sys.version_info[:2])") == str(tuple(python.version[:2]))
    assert (config.env_dir / "bin" / "pip").exists() == (installer == "pip")
    assert setup(config, python).actions == ("reused",)


def test_old_interpreters_are_refused(setup: Setup) -> None:
    config = env_config(setup.root, "")
    old = Interpreter("/py/bin/python3.6", "cpython", (3, 6, 15), 64, "x86_64")
    backend = VirtualenvBackend()

    def reason(python: Interpreter | None) -> str | None:
        return backend.cannot_create(SetupRequest(config, python, False, setup.root, Setup.log(config), print))

    assert reason(old) == "Python 3.6 is older than the 3.7 orch can create envs for"
    assert reason(old._replace(version=(2, 7, 18))) == "Python 2.7 is older than the 3.7 orch can create envs for"
    assert reason(None) == "no interpreter"
    assert reason(old._replace(version=(3, 7, 0))) is None


def test_failed_install_names_the_log_and_is_not_reused(setup: Setup) -> None:
    py312 = interpreter("3.12")
    config = env_config(setup.root, "deps = -r missing.txt")
    with pytest.raises(EnvSetupError) as failed:
        setup(config, py312)
    assert str(failed.value) == f"e: installing deps failed (exit 2), see {Setup.log(config)}"
    assert failed.value.log == Setup.log(config)
    assert not (config.env_dir / FILE_NAME).exists()

    (setup.root / "missing.txt").write_text("six\n")
    assert setup(config, py312).actions == (
        "recreated: no record of a finished setup",
        "installed deps: -r missing.txt",
    )


CHILD = """
import json, runpy, sys
from pathlib import Path
from orch.envs.api import SetupRequest
from orch.envs.interpreter import Interpreter
from orch.envs.virtualenv import VirtualenvBackend

helper, root = sys.argv[1], Path(sys.argv[2])
path, implementation, version, *rest = json.loads(sys.argv[3])
interpreter = Interpreter(path, implementation, tuple(version), *rest)
config = runpy.run_path(helper)["load_file"](root).env("e")
note = lambda line: print("note:", line, flush=True)
log = config.env_log_dir / "setup.log"
prepared = VirtualenvBackend().setup(SetupRequest(config, interpreter, False, root, log, note))
print("actions:", json.dumps(prepared.actions), flush=True)
"""


@pytest.fixture
def child(setup: Setup) -> Iterator[Callable[[Interpreter], subprocess.Popen[str]]]:
    """Start ``setup`` of env ``e`` (from the tox.ini in the project folder) in another Python process."""
    started: list[subprocess.Popen[str]] = []

    def start(python: Interpreter) -> subprocess.Popen[str]:
        argv = [sys.executable, "-c", CHILD, str(PROJECT_HELPER), str(setup.root), json.dumps(python)]
        started.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        return started[-1]

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


# Records its pid, counts setups in a file, and takes its time; ``{packages}`` become ignored arguments.
SLOW_INSTALL = (
    'install_command = python -c "import os, sys, time; '
    "open(sys.argv[1] + '.pid', 'w').write(str(os.getpid())); open(sys.argv[1], 'a').write('x'); "
    'time.sleep(float(sys.argv[2]))" {root}/installs {seconds} {{packages}}'
)


def test_killed_setup_is_recreated(setup: Setup, child: Callable[[Interpreter], subprocess.Popen[str]]) -> None:
    py312 = interpreter("3.12")
    env_config(setup.root, "deps = six\n" + SLOW_INSTALL.format(root=setup.root, seconds=30))
    proc = child(py312)
    pid_file = setup.root / "installs.pid"
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "the install never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    os.kill(int(pid_file.read_text()), signal.SIGKILL)  # the installer has its own process group: an orphan now

    config = env_config(setup.root, "deps = six")
    prepared = setup(config, py312)
    assert setup.notes == ["recreate: no record of a finished setup"]
    assert prepared.actions == ("recreated: no record of a finished setup", "installed deps: six")
    assert setup(config, py312).actions == ("reused",)


def test_concurrent_setups_wait_for_each_other(
    setup: Setup, child: Callable[[Interpreter], subprocess.Popen[str]]
) -> None:
    py312 = interpreter("3.12")
    env_config(setup.root, "deps = six\n" + SLOW_INSTALL.format(root=setup.root, seconds=1.5))
    procs = [child(py312), child(py312)]
    outputs = [proc.communicate(timeout=30)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    assert (setup.root / "installs").read_text() == "x"  # one creation, one install
    actions = sorted(line for out in outputs for line in out.splitlines() if line.startswith("actions:"))
    assert actions == ['actions: ["created", "installed deps: six"]', 'actions: ["reused"]']
    assert "note: waiting for another orch on e" in "".join(outputs)


def test_current_backend_installs_into_an_existing_venv(setup: Setup) -> None:
    py312 = interpreter("3.12")
    from uv import find_uv_bin

    venv = setup.root / "existing"
    subprocess.run([find_uv_bin(), "venv", "-q", "--python", py312.path, str(venv)], check=True)
    existing = py312._replace(path=str(venv / "bin" / "python"))
    config = env_config(setup.root, "deps = iniconfig\nenv_type = current")
    backend = CurrentBackend()

    prepared = setup(config, existing, backend=backend)
    assert prepared == PreparedEnv(
        (venv / "bin",),
        venv / "bin" / "python",
        {"VIRTUAL_ENV": str(venv)},
        (f"installed deps into {venv / 'bin' / 'python'}: iniconfig",),
        1,
    )
    assert run_python(venv / "bin" / "python", "import iniconfig; print('ok')") == "ok"
    assert sorted(p.name for p in config.env_dir.iterdir()) == [FILE_NAME, "log"]  # nothing created but the record
    assert setup(config, existing, backend=backend).actions == ("reused",)

    bare = setup(env_config(setup.root, "env_type = current", name="bare"), None, backend=backend)
    assert bare.python == Path(sys.executable)
    assert bare.installer_runs == 0


def test_system_backend_installs_nothing(setup: Setup) -> None:
    backend = SystemBackend()
    prepared = setup(env_config(setup.root, "env_type = system"), None, backend=backend)
    assert prepared == PreparedEnv((), None, {}, (), 0)
    with pytest.raises(
        EnvSetupError, match=r"^e: system envs install nothing; remove deps or use env_type = virtualenv$"
    ):
        setup(env_config(setup.root, "env_type = system\ndeps = six"), None, backend=backend)
