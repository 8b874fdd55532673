"""State that recovers: a damaged build env is made again, and orch processes sharing an env keep out
of each other's way (issue 12, §6).

Every test runs the real CLI; the concurrency tests run two ``orch`` processes at once and make them
overlap with files (a command waits for a file the test or the other run writes), never with sleeps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(sys.platform == "win32", reason="runs of one env take turns on Windows (no shared lock)"),
]

PACKAGES = Path(__file__).resolve().parents[2] / "packages"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
NEWEST = next((m for m in ("3.12", "3.13", "3.11", "3.10", "3.9") if any(PYENV.glob(f"{m}.*/bin/python{m}"))), None)
needs_python = pytest.mark.skipif(NEWEST is None, reason="no CPython 3.9+ under ~/.pyenv/versions")
ENV = f"py{NEWEST.replace('.', '')}" if NEWEST else "py3"
WAIT = 120.0  # seconds a command or the test waits for the other side (2 shared cores): a bound, not a measure


def environ(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX"))}
    return {**env, "ORCH_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}


STARTED: dict[subprocess.Popen[str], Path] = {}  # orch processes of the running test, and their folders


@pytest.fixture(autouse=True)
def _no_orch_left() -> Iterator[None]:
    """A failed test leaves no orch behind: a command still waiting is told to go on (``go``), and an
    orch that does not end then is killed."""
    yield
    for proc, root in STARTED.items():
        if proc.poll() is None:
            (root / "go").write_text("")
            try:
                proc.communicate(timeout=WAIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
    STARTED.clear()


def orch(root: Path, cache: Path, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "orch", *args],
        cwd=root,
        env=environ(cache),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    STARTED[proc] = root
    return proc


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out = proc.communicate(timeout=600)[0]
    return proc.returncode, out


def wait_for(path: Path, procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + WAIT
    while not path.exists():
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"orch ended before {path.name} appeared:\n{proc.communicate()[0]}")
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


# ------------------------------------------------------------------------------ build envs
@pytest.mark.parametrize("damage", ["site-packages emptied", "requirement package deleted"])
def test_a_damaged_cached_build_env_is_made_again(tmp_path: Path, damage: str) -> None:
    root, cache = tmp_path / "flit_proj", tmp_path / "cache"
    shutil.copytree(PACKAGES / "flit_proj", root)
    (root / "tox.ini").write_text("[tox]\nenv_list = x\n[testenv]\npackage = wheel\n")
    code, out = finish(orch(root, cache, "build"))
    assert code == 0, out
    [env] = [p for p in (cache / "build-envs").iterdir() if p.is_dir()]
    [site] = env.glob("lib/python*/site-packages")
    if damage == "site-packages emptied":
        for entry in site.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    else:
        shutil.rmtree(site / "flit_core")
    assert (env / ".orch-finished").is_file()  # finished, as far as its marker says
    with (root / "flit_proj" / "__init__.py").open("a") as source:  # a changed source: built again
        source.write("# changed\n")

    code, out = finish(orch(root, cache, "build"))
    assert code == 0, out
    assert "is damaged (flit-core" in out, out
    assert (site / "flit_core").is_dir()
    with (root / "flit_proj" / "__init__.py").open("a") as source:
        source.write("# changed again\n")
    code, out = finish(orch(root, cache, "build"))  # the env made again is whole: reused as it is
    assert code == 0 and "is damaged" not in out and "creating build env" not in out, out


# ----------------------------------------------------------------------------- concurrency
OVERLAP = """
import pathlib, sys, time

tmp, me, other = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
(tmp / me).write_text(me)
print(f"start {me}", flush=True)
deadline = time.monotonic() + float(sys.argv[4])
while not (tmp / other).exists() and not pathlib.Path("go").exists() and time.monotonic() < deadline:
    time.sleep(0.05)
mine, theirs = (tmp / me).exists(), (tmp / other).exists()
print(f"end {me} mine={mine} theirs={theirs}", flush=True)
sys.exit(0 if mine and theirs else 1)
"""


@needs_python
def test_two_runs_of_one_env_keep_their_tmp_files_and_logs(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    root = tmp_path / "project"
    root.mkdir()
    (root / "overlap.py").write_text(OVERLAP)
    (root / "tox.ini").write_text(
        textwrap.dedent(f"""
        [tox]
        env_list = {ENV}
        [testenv]
        skip_install = true
        commands = python overlap.py {{envtmpdir}} {{posargs}} {WAIT}
        """)
    )
    code, out = finish(orch(root, cache, "run", "--notest"))
    assert code == 0, out
    first = orch(root, cache, "run", "--", "one", "two")
    wait_for(root / ".tox" / ".orch" / ENV / "tmp" / "one", [first])  # the first run is in its command
    second = orch(root, cache, "run", "--", "two", "one")
    results = [finish(first), finish(second)]
    assert [code for code, _ in results] == [0, 0], results

    tmp = root / ".tox" / ".orch" / ENV / "tmp"
    assert (tmp / "one").read_text() == "one" and (tmp / "two").read_text() == "two"
    logs = {path: path.read_text() for path in (root / ".tox" / ".orch" / ENV / "log").rglob("commands.log")}
    for me, other in (("one", "two"), ("two", "one")):
        [text] = [text for text in logs.values() if f"start {me}" in text]  # each run's log, whole
        assert f"end {me} mine=True theirs=True" in text, logs
        assert f"start {other}" not in text, logs


HOLD = """
import os, pathlib, sys, time

pathlib.Path("started").write_text(str(os.getpid()))
deadline = time.monotonic() + float(sys.argv[1])
while not pathlib.Path("go").exists() and time.monotonic() < deadline:
    time.sleep(0.05)
intact = os.path.exists(sys.executable) and os.path.exists(os.path.join(sys.prefix, "pyvenv.cfg"))
print(f"env intact: {intact}", flush=True)
sys.exit(0 if intact else 1)
"""


@needs_python
def test_recreate_waits_for_a_run_using_the_env(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    root = tmp_path / "project"
    root.mkdir()
    (root / "hold.py").write_text(HOLD)
    (root / "tox.ini").write_text(
        f"[tox]\nenv_list = {ENV}\n[testenv]\nskip_install = true\ncommands = python hold.py {WAIT}\n"
    )
    user = orch(root, cache, "run")
    wait_for(root / "started", [user])  # the command runs in the env
    recreate = orch(root, cache, "run", "-r", "-x", "testenv.commands=python -c \"print('recreated')\"")
    seen: list[str] = []
    assert recreate.stdout is not None
    for line in recreate.stdout:  # until orch says it waits (or, without the lock, until it ends)
        seen.append(line)
        if "waiting for the other orch runs" in line:
            break
    assert any(ENV in line and "waiting for the other orch runs" in line for line in seen), "".join(seen)
    assert recreate.poll() is None  # still waiting: the env is not deleted under the running command
    (root / "go").write_text("")
    code, out = finish(user)
    assert code == 0 and "env intact: True" in out, out
    code, rest = finish(recreate)
    assert code == 0, "".join(seen) + rest
    record = json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"][ENV]
    assert record["actions"][0].startswith("recreated"), record


@needs_python
def test_a_package_reinstall_waits_for_a_run_using_the_env(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    root = tmp_path / "flit_proj"
    shutil.copytree(PACKAGES / "flit_proj", root)
    (root / "hold.py").write_text(HOLD)
    (root / "tox.ini").write_text(
        f"[tox]\nenv_list = {ENV}\n[testenv]\npackage = wheel\ncommands = python hold.py {WAIT}\n"
    )
    user = orch(root, cache, "run")
    wait_for(root / "started", [user])
    with (root / "flit_proj" / "__init__.py").open("a") as source:  # a new wheel: reinstalled in the env
        source.write("CHANGED = True\n")
    update = orch(root, cache, "run", "-x", 'testenv.commands=python -c "import flit_proj; print(flit_proj.CHANGED)"')
    seen: list[str] = []
    assert update.stdout is not None
    for line in update.stdout:
        seen.append(line)
        if "waiting for the other orch runs" in line:
            break
    assert any("waiting for the other orch runs" in line for line in seen), "".join(seen)
    assert update.poll() is None  # the package is not replaced under the running command
    (root / "go").write_text("")
    code, out = finish(user)
    assert code == 0 and "env intact: True" in out, out
    code, rest = finish(update)
    assert code == 0 and "True" in rest, "".join(seen) + rest


def test_a_folder_in_place_of_a_build_lock_is_an_error_line(tmp_path: Path) -> None:
    root, cache = tmp_path / "flit_proj", tmp_path / "cache"
    shutil.copytree(PACKAGES / "flit_proj", root)
    (root / "tox.ini").write_text("[tox]\nenv_list = x\n[testenv]\npackage = wheel\n")
    (root / ".tox" / ".orch" / "dist" / "wheel.lock").mkdir(parents=True)
    code, out = finish(orch(root, cache, "build"))
    assert code != 0 and "Traceback" not in out, out
    assert "wheel.lock is a folder, not orch's lock file" in out, out


@pytest.mark.parametrize("recreate", [[], ["-r"]], ids=["run", "recreate"])
def test_a_folder_in_place_of_the_env_record_is_an_error_line_and_stays(tmp_path: Path, recreate: list[str]) -> None:
    root, cache = tmp_path / "proj", tmp_path / "cache"
    root.mkdir()
    (root / "tox.ini").write_text("[tox]\nenv_list = a\n[testenv]\nskip_install = true\ncommands = python -c 1\n")
    code, out = finish(orch(root, cache, "run"))
    assert code == 0, out
    record = root / ".tox" / ".orch" / "a" / ".orch-env.json"
    record.unlink()
    record.mkdir()
    (record / "mine").write_text("")
    code, out = finish(orch(root, cache, "run", *recreate))
    assert code == 1 and "Traceback" not in out, out
    assert f"{record} is a folder, not orch's record of the env" in out, out
    assert (record / "mine").exists()


@pytest.mark.parametrize("in_the_way", ["dist", "dist/wheel"])
def test_a_file_in_place_of_a_package_folder_is_an_error_line_and_stays(tmp_path: Path, in_the_way: str) -> None:
    root, cache = tmp_path / "flit_proj", tmp_path / "cache"
    shutil.copytree(PACKAGES / "flit_proj", root)
    (root / "tox.ini").write_text("[tox]\nenv_list = x\n[testenv]\npackage = wheel\n")
    blocker = root / ".tox" / ".orch" / in_the_way
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("mine")
    for command in ("build", "run"):
        code, out = finish(orch(root, cache, command))
        assert code != 0 and "Traceback" not in out, out
        assert f"{blocker} is a file where the package folder should be; move it away" in out, out
    assert blocker.read_text() == "mine"
