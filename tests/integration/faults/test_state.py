"""State that recovers: a damaged build env is made again, and orch processes sharing an env keep out
of each other's way (issue 12, §6).

Every test runs the real CLI; the concurrency tests run two ``orch`` processes at once and make them
overlap with files (a command waits for a file the test or the other run writes), never with sleeps.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orch_project import MakeProject, Project

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(sys.platform == "win32", reason="runs of one env take turns on Windows (no shared lock)"),
]

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
NEWEST = next((m for m in ("3.12", "3.13", "3.11", "3.10", "3.9") if any(PYENV.glob(f"{m}.*/bin/python{m}"))), None)
needs_python = pytest.mark.skipif(NEWEST is None, reason="no CPython 3.9+ under ~/.pyenv/versions")
ENV = f"py{NEWEST.replace('.', '')}" if NEWEST else "py3"
WHEEL_INI = {"tox.ini": "[tox]\nenv_list = x\n[testenv]\npackage = wheel\n"}
WAIT = 120.0  # seconds a command or the test waits for the other side (2 shared cores): a bound, not a measure


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


def orch(proj: Project, *args: str) -> subprocess.Popen[str]:
    proc = proj.start(*args, env={"PYTHONUNBUFFERED": "1"})
    STARTED[proc] = proj.path
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
def test_a_damaged_cached_build_env_is_made_again(project: MakeProject, tmp_path: Path, damage: str) -> None:
    proj = project(WHEEL_INI, sample="flit_proj", at="flit_proj", cache=tmp_path / "cache")
    code, out = finish(orch(proj, "build"))
    assert code == 0, out
    [env] = [p for p in (proj.cache / "build-envs").iterdir() if p.is_dir()]
    [site] = env.glob("lib/python*/site-packages")
    if damage == "site-packages emptied":
        for entry in site.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    else:
        shutil.rmtree(site / "flit_core")
    assert (env / ".orch-finished").is_file()  # finished, as far as its marker says
    with (proj.path / "flit_proj" / "__init__.py").open("a") as source:  # a changed source: built again
        source.write("# changed\n")

    code, out = finish(orch(proj, "build"))
    assert code == 0, out
    assert "is damaged (flit-core" in out, out
    assert (site / "flit_core").is_dir()
    with (proj.path / "flit_proj" / "__init__.py").open("a") as source:
        source.write("# changed again\n")
    code, out = finish(orch(proj, "build"))  # the env made again is whole: reused as it is
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
def test_two_runs_of_one_env_keep_their_tmp_files_and_logs(project: MakeProject, tmp_path: Path) -> None:
    ini = f"""
        [tox]
        env_list = {ENV}
        [testenv]
        skip_install = true
        commands = python overlap.py {{envtmpdir}} {{posargs}} {WAIT}
        """
    proj = project({"overlap.py": OVERLAP, "tox.ini": ini}, at="project", cache=tmp_path / "cache")
    code, out = finish(orch(proj, "run", "--notest"))
    assert code == 0, out
    first = orch(proj, "run", "--", "one", "two")
    wait_for(proj.path / ".tox" / ".orch" / ENV / "tmp" / "one", [first])  # the first run is in its command
    second = orch(proj, "run", "--", "two", "one")
    results = [finish(first), finish(second)]
    assert [code for code, _ in results] == [0, 0], results

    tmp = proj.path / ".tox" / ".orch" / ENV / "tmp"
    assert (tmp / "one").read_text() == "one" and (tmp / "two").read_text() == "two"
    logs = {path: path.read_text() for path in (proj.path / ".tox" / ".orch" / ENV / "log").rglob("commands.log")}
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
def test_recreate_waits_for_a_run_using_the_env(project: MakeProject, tmp_path: Path) -> None:
    ini = f"[tox]\nenv_list = {ENV}\n[testenv]\nskip_install = true\ncommands = python hold.py {WAIT}\n"
    proj = project({"hold.py": HOLD, "tox.ini": ini}, at="project", cache=tmp_path / "cache")
    user = orch(proj, "run")
    wait_for(proj.path / "started", [user])  # the command runs in the env
    recreate = orch(proj, "run", "-r", "-x", "testenv.commands=python -c \"print('recreated')\"")
    seen: list[str] = []
    assert recreate.stdout is not None
    for line in recreate.stdout:  # until orch says it waits (or, without the lock, until it ends)
        seen.append(line)
        if "waiting for the other orch runs" in line:
            break
    assert any(ENV in line and "waiting for the other orch runs" in line for line in seen), "".join(seen)
    assert recreate.poll() is None  # still waiting: the env is not deleted under the running command
    (proj.path / "go").write_text("")
    code, out = finish(user)
    assert code == 0 and "env intact: True" in out, out
    code, rest = finish(recreate)
    assert code == 0, "".join(seen) + rest
    record = proj.record()["envs"][ENV]
    assert record["actions"][0].startswith("recreated"), record


@needs_python
def test_a_package_reinstall_waits_for_a_run_using_the_env(project: MakeProject, tmp_path: Path) -> None:
    ini = f"[tox]\nenv_list = {ENV}\n[testenv]\npackage = wheel\ncommands = python hold.py {WAIT}\n"
    proj = project({"hold.py": HOLD, "tox.ini": ini}, sample="flit_proj", at="flit_proj", cache=tmp_path / "cache")
    user = orch(proj, "run")
    wait_for(proj.path / "started", [user])
    with (proj.path / "flit_proj" / "__init__.py").open("a") as source:  # a new wheel: reinstalled in the env
        source.write("CHANGED = True\n")
    update = orch(proj, "run", "-x", 'testenv.commands=python -c "import flit_proj; print(flit_proj.CHANGED)"')
    seen: list[str] = []
    assert update.stdout is not None
    for line in update.stdout:
        seen.append(line)
        if "waiting for the other orch runs" in line:
            break
    assert any("waiting for the other orch runs" in line for line in seen), "".join(seen)
    assert update.poll() is None  # the package is not replaced under the running command
    (proj.path / "go").write_text("")
    code, out = finish(user)
    assert code == 0 and "env intact: True" in out, out
    code, rest = finish(update)
    assert code == 0 and "True" in rest, "".join(seen) + rest


def test_a_folder_in_place_of_a_build_lock_is_an_error_line(project: MakeProject, tmp_path: Path) -> None:
    proj = project(WHEEL_INI, sample="flit_proj", at="flit_proj", cache=tmp_path / "cache")
    (proj.path / ".tox" / ".orch" / "dist" / "wheel.lock").mkdir(parents=True)
    code, out = finish(orch(proj, "build"))
    assert code != 0 and "Traceback" not in out, out
    assert "wheel.lock is a folder, not orch's lock file" in out, out


@pytest.mark.parametrize("recreate", [[], ["-r"]], ids=["run", "recreate"])
def test_a_folder_in_place_of_the_env_record_is_an_error_line_and_stays(
    project: MakeProject, tmp_path: Path, recreate: list[str]
) -> None:
    ini = "[tox]\nenv_list = a\n[testenv]\nskip_install = true\ncommands = python -c 1\n"
    proj = project({"tox.ini": ini}, at="proj", cache=tmp_path / "cache")
    code, out = finish(orch(proj, "run"))
    assert code == 0, out
    record = proj.path / ".tox" / ".orch" / "a" / ".orch-env.json"
    record.unlink()
    record.mkdir()
    (record / "mine").write_text("")
    code, out = finish(orch(proj, "run", *recreate))
    assert code == 1 and "Traceback" not in out, out
    assert f"{record} is a folder, not orch's record of the env" in out, out
    assert (record / "mine").exists()


@pytest.mark.parametrize("in_the_way", ["dist", "dist/wheel"])
def test_a_file_in_place_of_a_package_folder_is_an_error_line_and_stays(
    project: MakeProject, tmp_path: Path, in_the_way: str
) -> None:
    proj = project(WHEEL_INI, sample="flit_proj", at="flit_proj", cache=tmp_path / "cache")
    blocker = proj.path / ".tox" / ".orch" / in_the_way
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("mine")
    for command in ("build", "run"):
        code, out = finish(orch(proj, command))
        assert code != 0 and "Traceback" not in out, out
        assert f"{blocker} is a file where the package folder should be; move it away" in out, out
    assert blocker.read_text() == "mine"
