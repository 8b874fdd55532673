"""Parallel runs through the real CLI: ordering, exclusive resources, timeouts, fail-fast, Ctrl-C,
bounded memory, reports and reruns. Envs are `system` envs running this Python, so no env has to
be created and the tests stay fast; order is checked from recorded start and end times."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from orch_project import MakeProject, Project

pytestmark = pytest.mark.integration

PY = sys.executable


def py(code: str) -> str:
    """A command line running ``code`` with this Python (quoted for the ini)."""
    return f'{PY} -c "{code}"'


def write(project: MakeProject, envs: dict[str, str], extra: str = "") -> Project:
    """A project whose tox.ini has ``envs`` (name -> section body), all ``system`` envs."""
    lines = ["[tox]", f"env_list = {', '.join(envs)}", extra, "[testenv]", "env_type = system"]
    for name, body in envs.items():
        lines += [f"[testenv:{name}]", body]
    return project({"tox.ini": "\n".join(lines) + "\n"})


def span(proj: Project, name: str) -> tuple[float, float]:
    env = proj.record()["envs"][name]
    return env["started"], env["ended"]


SLEEP = py("import time; time.sleep(0.6)")


def test_depends_orders_envs(project: MakeProject) -> None:
    proj = write(
        project, {"a": f"commands = {SLEEP}", "b": f"depends = a\ncommands = {SLEEP}", "c": f"commands = {SLEEP}"}
    )
    result = proj.run("run", "-p", "all")
    assert result.code == 0, result.out + result.err
    assert span(proj, "b")[0] >= span(proj, "a")[1]
    assert span(proj, "c")[0] < span(proj, "a")[1]  # c did not wait: it runs beside a


def test_depends_cycle_is_a_config_error(project: MakeProject) -> None:
    proj = write(project, {"a": "depends = b\ncommands = true", "b": "depends = a\ncommands = true"})
    result = proj.run("run", "-p", "2")
    assert result.code == 2
    assert "depends forms a cycle: a -> b -> a" in result.err


def test_envs_sharing_a_resource_never_overlap(project: MakeProject) -> None:
    envs = dict.fromkeys(("r1", "r2", "r3"), f"resources = db\ncommands = {SLEEP}")
    envs["free"] = f"commands = {SLEEP}"
    proj = write(project, envs)
    result = proj.run("run", "-p", "all")
    assert result.code == 0, result.out + result.err
    spans = sorted(span(proj, n) for n in ("r1", "r2", "r3"))
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:]))
    free = span(proj, "free")
    assert any(free[0] < s[1] and s[0] < free[1] for s in spans)  # the rest still runs in parallel


def test_timeout_kills_the_whole_process_tree(project: MakeProject, tmp_path: Path) -> None:
    script = "sleep 100 & echo $! > pids; sleep 100 & echo $! >> pids; wait"
    proj = write(project, {"slow": f"command_timeout = 1\ncommands = sh -c '{script}'"})
    started = time.monotonic()
    result = proj.run("run", "-p", "all")
    assert time.monotonic() - started < 60
    assert result.code == 1
    assert proj.record()["envs"]["slow"]["status"] == "timeout"
    for pid in map(int, (tmp_path / "pids").read_text().split()):
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z", f"{pid} survived"


def test_fail_fast_stops_the_others(project: MakeProject) -> None:
    proj = write(
        project,
        {
            "bad": f"commands = {py('raise SystemExit(3)')}",
            "long": f"commands = {py('import time; time.sleep(60)')}",
            "later": "depends = bad\ncommands = true",
        },
    )
    result = proj.run("run", "-p", "all", "--fail-fast")
    assert result.code == 3, result.out + result.err  # as tox: the first failed env's code
    envs = proj.record()["envs"]
    assert envs["bad"]["status"] == "failed"
    assert envs["long"]["status"] == "interrupted" and envs["long"]["duration"] < 30
    assert envs["later"]["message"] == "not started (fail-fast)"


def test_ctrl_c_leaves_no_child_and_exits_130(project: MakeProject, tmp_path: Path) -> None:
    code = "import os, time; open(os.environ['ORCH_ENV_NAME'] + '.pid', 'w').write(str(os.getpid())); time.sleep(60)"
    proj = write(project, {"s1": f"commands = {py(code)}", "s2": f"commands = {py(code)}"})
    proc = proj.start("run", "-p", "all")
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"{n}.pid").exists() and (tmp_path / f"{n}.pid").read_text() for n in ("s1", "s2")):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    for name in ("s1", "s2"):
        pid = int((tmp_path / f"{name}.pid").read_text())
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z", f"{name} survived"
    assert proj.record()["complete"] is False


def test_failed_and_resume(project: MakeProject, tmp_path: Path) -> None:
    proj = write(project, {"ok1": "commands = true", "bad": "commands = false", "ok2": "commands = true"})
    assert proj.run("run", "-p", "2").code == 1
    again = proj.run("run", "--failed")
    assert list(proj.record()["envs"]) == ["bad"], again.out
    # an interrupted run: ok1 passed, the rest never ran
    data = proj.record()
    data.update(
        selected=["ok1", "bad", "ok2"], complete=False, envs={"ok1": {"status": "ok", "duration": 0.1, "commands": []}}
    )
    (tmp_path / ".tox" / ".orch" / "last-run.json").write_text(json.dumps(data))
    resumed = proj.run("run", "--resume")
    assert resumed.code == 1
    envs = proj.record()["envs"]
    assert list(envs) == ["ok1", "bad", "ok2"]
    assert envs["ok1"]["duration"] == 0.1  # kept, not run again


def test_plain_output_and_reports(project: MakeProject, tmp_path: Path) -> None:
    proj = write(
        project,
        {
            "good": f"commands = {py('print(42)')}",
            "bad": f"commands = {py('print(7); raise SystemExit(1)')}",
            "skip": "platform = nothing-matches\ncommands = true",
        },
    )
    result = proj.run("run", "-p", "all", "--result-json", "r.json", "--junit", "j.xml")
    assert result.code == 1
    lines = result.out.splitlines()
    assert any(line.startswith("good: OK (") for line in lines), result.out
    assert any(line.startswith("bad: FAILED") for line in lines), result.out
    assert "42" not in result.out  # a passing env's output stays in its log
    assert "7" in result.out  # a failing env's output is shown as a block
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["envs"]["bad"]["commands"][0]["exit_code"] == 1
    suite = ET.parse(tmp_path / "j.xml").getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")


def test_huge_output_keeps_memory_bounded(project: MakeProject, tmp_path: Path) -> None:
    code = "import sys; line = 'x' * 1023 + chr(10); [sys.stdout.write(line) for _ in range(100_000)]; sys.exit(1)"
    proj = write(project, {"loud": f"commands = {py(code)}"})
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = proj.start("run", "-p", "all", output=subprocess.DEVNULL)  # its output is not read: no pipe to fill
    try:
        code = proc.wait(timeout=300)
    finally:
        proc.kill()  # a no-op once it has ended
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert code == 1
    assert (tmp_path / ".tox" / ".orch" / "loud" / "log" / "commands.log").stat().st_size >= 100_000 * 1024
    assert max(peak_kib, before) < 200 * 1024, f"peak RSS {peak_kib} KiB"


@pytest.mark.parametrize("command", ["run-parallel", "p"])
def test_run_parallel_is_run_with_p_auto(project: MakeProject, command: str) -> None:
    """tox's `run-parallel` (`p`): the envs run at once (each waits for the other), -p 0 still means one by one."""
    wait_for_other = (
        "import os, pathlib, time; me = os.environ['ORCH_ENV_NAME']; pathlib.Path(me).touch(); "
        "other = pathlib.Path('b' if me == 'a' else 'a'); end = time.time() + 60; "
        "[time.sleep(0.05) for _ in iter(lambda: other.exists() or time.time() > end, True)]; "
        "raise SystemExit(0 if other.exists() else 3)"
    )
    proj = write(project, {"a": f"commands = {py(wait_for_other)}", "b": f"commands = {py(wait_for_other)}"})
    result = proj.run(command)
    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    assert any(line.startswith("a: OK (") for line in lines), result.out  # the parallel console's lines
    one_by_one = proj.run(command, "-p", "0", "-x", f"testenv:a.commands={py('print(1)')}")
    assert one_by_one.code == 0, one_by_one.out + one_by_one.err
    assert "a: commands[0]>" in one_by_one.out  # the sequential console streams
