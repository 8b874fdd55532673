"""SIGTERM, SIGHUP, a kill of orch's process group and ``kill -9`` leave no command behind.

The real CLI runs a command that writes its pid and the pid of a child that ignores SIGINT and
SIGTERM; orch is signalled once both are written, and the test asserts, by pid, that both are gone
within seconds, that orch exited with 128 + the signal, and that ``--resume`` finishes the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orch_project import MakeProject, Project

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups"),
]

PY = sys.executable
STARTUP = 120.0  # seconds for orch to start the commands (2 shared cores, other suites running)
GONE = 15.0  # seconds for every process of a command to be gone after orch is signalled

# A command: its child ignores SIGINT and SIGTERM (``regroup``: and moves to a process group of its
# own); each writes its pid once it is ready. With a ``release`` file it passes at once (--resume).
STUBBORN = """
import os, pathlib, signal, subprocess, sys, time

name, regroup = sys.argv[1], sys.argv[2:] == ["regroup"]
if pathlib.Path("release").exists():
    sys.exit(0)

def mark(path, pid):
    pathlib.Path(path + ".tmp").write_text(str(pid))
    os.replace(path + ".tmp", path)

CHILD = (
    "import os, signal, sys, time\\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
    "if sys.argv[2] == 'regroup': os.setpgid(0, 0)\\n"
    "p = sys.argv[1]; open(p + '.tmp', 'w').write(str(os.getpid())); os.replace(p + '.tmp', p)\\n"
    "time.sleep(300)\\n"
)
subprocess.Popen([sys.executable, "-c", CHILD, name + ".child", "regroup" if regroup else "-"])
mark(name + ".pid", os.getpid())
time.sleep(300)
"""

KILLS = {
    "SIGTERM": (lambda p: p.send_signal(signal.SIGTERM), 143),
    "SIGHUP": (lambda p: p.send_signal(signal.SIGHUP), 129),
    "group": (lambda p: os.killpg(p.pid, signal.SIGTERM), 143),  # kill -TERM -PGID, as `timeout` or a CI runner
    "kill-9": (lambda p: p.send_signal(signal.SIGKILL), -9),
}


def alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (dead, not yet reaped by whoever adopted it) counts as gone."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except (OSError, IndexError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stubborn_project(project: MakeProject, sleepers: list[str], regroup: bool = False) -> Project:
    """``first`` passes at once (counting its runs); each of ``sleepers`` runs STUBBORN."""
    extra = " regroup" if regroup else ""
    lines = ["[tox]", f"env_list = first, {', '.join(sleepers)}", "[testenv]", "env_type = system"]
    lines += ["[testenv:first]", f"commands = {PY} -c \"open('first.runs', 'a').write('x')\""]
    for name in sleepers:
        lines += [f"[testenv:{name}]", f"commands = {PY} stubborn.py {name}{extra}"]
    return project({"stubborn.py": STUBBORN, "tox.ini": "\n".join(lines) + "\n"})


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """The orch processes a test starts; whatever a failing test leaves is killed afterwards."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for pid_file in [*tmp_path.glob("*.pid"), *tmp_path.glob("*.child")]:
        pid = int(pid_file.read_text())
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def start(proj: Project, procs: list[subprocess.Popen[str]], *args: str) -> subprocess.Popen[str]:
    """The real CLI, leading a process group of its own (so that a test can kill that group)."""
    proc = proj.start(*args, new_session=True)
    procs.append(proc)
    return proc


def pids_of(root: Path, names: list[str], proc: subprocess.Popen[str]) -> list[int]:
    """Each command's pid and its child's, once all are written."""
    files = [root / f"{name}.{kind}" for name in names for kind in ("pid", "child")]
    deadline = time.monotonic() + STARTUP
    while not all(f.exists() for f in files):
        assert proc.poll() is None, f"orch ended before the commands started: {proc.communicate()[0]}"
        assert time.monotonic() < deadline, "the commands never started"
        time.sleep(0.05)
    return [int(f.read_text()) for f in files]


def assert_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + GONE
    while left := [pid for pid in pids if alive(pid)]:
        assert time.monotonic() < deadline, f"still running {GONE}s after orch was stopped: {left}"
        time.sleep(0.05)


def status(proj: Project, name: str) -> object:
    envs = proj.record()["envs"]
    return envs.get(name, {}).get("status") if isinstance(envs, dict) else None


def parallel() -> list[str]:
    return ["-p", "auto"] if (os.cpu_count() or 1) >= 2 else ["-p", "2"]  # both sleepers at once


def stop(proc: subprocess.Popen[str], kill: str) -> str:
    send, code = KILLS[kill]
    send(proc)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == code, out
    return out


def assert_resumes(proj: Project, sleepers: list[str]) -> None:
    """The stopped run's record is incomplete; ``--resume`` runs what did not pass, not ``first`` again."""
    before = proj.record()
    assert before["complete"] is False
    envs = before["envs"]
    assert isinstance(envs, dict)
    assert envs["first"]["status"] == "ok"
    (proj.path / "release").write_text("")
    again = proj.run("run", "--resume")
    assert again.code == 0, again.out + again.err
    after = proj.record()
    assert after["complete"] is True
    assert (proj.path / "first.runs").read_text() == "x"  # kept from the stopped run, not run again
    assert all(after["envs"][name]["status"] == "ok" for name in ["first", *sleepers])


@pytest.mark.parametrize("kill", list(KILLS))
def test_a_sequential_run_leaves_no_command_and_resumes(project: MakeProject, started: list, kill: str) -> None:
    proj = stubborn_project(project, ["second"])
    proc = start(proj, started, "run")
    pids = pids_of(proj.path, ["second"], proc)
    deadline = time.monotonic() + STARTUP  # the record is rewritten in the background, soon after first ends
    while (proj.path / ".tox" / ".orch" / "last-run.json").exists() is False or status(proj, "first") != "ok":
        assert time.monotonic() < deadline, "first never made it into the record"
        time.sleep(0.05)
    out = stop(proc, kill)
    assert_gone(pids)
    if kill != "kill-9":
        assert "interrupted" in out
        assert proj.record()["envs"]["second"]["status"] == "interrupted"
    assert_resumes(proj, ["second"])


@pytest.mark.parametrize("kill", list(KILLS))
def test_a_parallel_run_leaves_no_command_and_resumes(project: MakeProject, started: list, kill: str) -> None:
    proj = stubborn_project(project, ["a", "b"])
    proc = start(proj, started, "run", *parallel())
    pids = pids_of(proj.path, ["a", "b"], proc)
    deadline = time.monotonic() + STARTUP  # with 3 jobs or more, first may end after a and b start
    while (proj.path / ".tox" / ".orch" / "last-run.json").exists() is False or status(proj, "first") != "ok":
        assert time.monotonic() < deadline, "first never made it into the record"
        time.sleep(0.05)
    stop(proc, kill)
    assert_gone(pids)
    if kill != "kill-9":
        envs = proj.record()["envs"]
        assert {envs[n]["status"] for n in ("a", "b")} == {"interrupted"}
    assert_resumes(proj, ["a", "b"])


@pytest.mark.parametrize("kill", list(KILLS))
def test_exec_leaves_no_command(project: MakeProject, started: list, kill: str) -> None:
    proj = stubborn_project(project, ["second"])
    proc = start(proj, started, "exec", "-e", "second", "--", PY, "stubborn.py", "exec")
    pids = pids_of(proj.path, ["exec"], proc)
    stop(proc, kill)
    assert_gone(pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the session sweep reads /proc (Linux)")
@pytest.mark.parametrize("kill", ["SIGTERM", "kill-9"])
def test_a_child_in_a_group_of_its_own_goes_too(project: MakeProject, started: list, kill: str) -> None:
    """A child that left its command's process group (a job-control shell's pipeline) is still in its session."""
    proj = stubborn_project(project, ["second"], regroup=True)
    proc = start(proj, started, "run")
    pids = pids_of(proj.path, ["second"], proc)
    assert os.getpgid(pids[1]) != os.getpgid(pids[0])
    stop(proc, kill)
    assert_gone(pids)


def test_a_nohup_run_ignores_sighup(project: MakeProject, started: list) -> None:
    """A SIGHUP the caller set to be ignored (``nohup orch``) stays ignored: the run goes on."""
    proj = stubborn_project(project, ["second"])
    script = "import signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); from orch.cli.main import run; run()"
    proc = subprocess.Popen(
        [PY, "-c", script, "run"],
        cwd=proj.path,
        env=proj.environ(),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    started.append(proc)
    pids = pids_of(proj.path, ["second"], proc)
    proc.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    assert proc.poll() is None
    assert all(alive(pid) for pid in pids)
    stop(proc, "SIGTERM")
    assert_gone(pids)


def test_the_watchdog_ends_with_orch_and_stops_nothing_after_a_clean_run(tmp_path: Path) -> None:
    """orch's end closes the pipe: the watchdog exits; the command that had ended is not signalled."""
    script = "from orch.execute import capture, watchdog; capture(['true']); print(watchdog._client.pid, flush=True)"
    argv = [PY, "-X", "dev", "-W", "error", "-c", script]  # and no "still running" warning at exit
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert_gone([int(done.stdout)])


def test_the_watchdog_outlives_signals_until_the_pipe_ends_and_starts_light(tmp_path: Path) -> None:
    """SIGINT, SIGHUP and SIGTERM are blocked in the watchdog from its start: only orch's end ends it.
    Its program imports none of the modules that made its start cost a first command's CPU."""
    script = (
        "import os, signal, sys, time\n"
        "from orch.execute import capture, watchdog\n"
        "capture(['true'])\n"
        "pid = watchdog._client.pid\n"
        "for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):\n"
        "    os.kill(pid, signum)\n"
        "time.sleep(0.3)\n"
        "os.kill(pid, 0)\n"  # still there (ProcessLookupError otherwise)
        "print(pid, flush=True)\n"
    )
    done = subprocess.run([PY, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert_gone([int(done.stdout)])  # and gone with orch's end

    from orch.execute import watchdog

    folder = str(Path(watchdog.__file__).parent)
    argv = [PY, "-I", "-S", "-X", "importtime", "-c", watchdog._BOOT, folder]
    traced = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert traced.returncode == 0, traced.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in traced.stderr.splitlines() if "|" in line}
    assert "watchdog" in imported
    assert not imported & {"signal", "enum", "threading", "contextlib", "collections", "typing"}
