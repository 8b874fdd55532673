"""Parallel runs through the real CLI: ordering, exclusive resources, timeouts, fail-fast, Ctrl-C,
bounded memory, reports and reruns. Envs are `system` envs running this Python, so no env has to
be created and the tests stay fast; order is checked from recorded start and end times."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PY = sys.executable


def py(code: str) -> str:
    """A command line running ``code`` with this Python (quoted for the ini)."""
    return f'{PY} -c "{code}"'


def write(root: Path, envs: dict[str, str], extra: str = "") -> None:
    lines = ["[tox]", f"env_list = {', '.join(envs)}", extra, "[testenv]", "env_type = system"]
    for name, body in envs.items():
        lines += [f"[testenv:{name}]", body]
    (root / "tox.ini").write_text("\n".join(lines) + "\n")


def orch(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "GITHUB_"))}
    return subprocess.run([PY, "-m", "orch", *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def record(root: Path) -> dict[str, object]:
    return json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())  # type: ignore[no-any-return]


def span(root: Path, name: str) -> tuple[float, float]:
    env = record(root)["envs"][name]  # type: ignore[index]
    return env["started"], env["ended"]


SLEEP = py("import time; time.sleep(0.6)")


def test_depends_orders_envs(tmp_path: Path) -> None:
    write(tmp_path, {"a": f"commands = {SLEEP}", "b": f"depends = a\ncommands = {SLEEP}", "c": f"commands = {SLEEP}"})
    result = orch(tmp_path, "run", "-p", "all")
    assert result.returncode == 0, result.stdout + result.stderr
    assert span(tmp_path, "b")[0] >= span(tmp_path, "a")[1]
    assert span(tmp_path, "c")[0] < span(tmp_path, "a")[1]  # c did not wait: it runs beside a


def test_depends_cycle_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, {"a": "depends = b\ncommands = true", "b": "depends = a\ncommands = true"})
    result = orch(tmp_path, "run", "-p", "2")
    assert result.returncode == 2
    assert "depends forms a cycle: a -> b -> a" in result.stderr


def test_envs_sharing_a_resource_never_overlap(tmp_path: Path) -> None:
    envs = dict.fromkeys(("r1", "r2", "r3"), f"resources = db\ncommands = {SLEEP}")
    envs["free"] = f"commands = {SLEEP}"
    write(tmp_path, envs)
    result = orch(tmp_path, "run", "-p", "all")
    assert result.returncode == 0, result.stdout + result.stderr
    spans = sorted(span(tmp_path, n) for n in ("r1", "r2", "r3"))
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:]))
    free = span(tmp_path, "free")
    assert any(free[0] < s[1] and s[0] < free[1] for s in spans)  # the rest still runs in parallel


def test_timeout_kills_the_whole_process_tree(tmp_path: Path) -> None:
    script = "sleep 100 & echo $! > pids; sleep 100 & echo $! >> pids; wait"
    write(tmp_path, {"slow": f"command_timeout = 1\ncommands = sh -c '{script}'"})
    started = time.monotonic()
    result = orch(tmp_path, "run", "-p", "all")
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert record(tmp_path)["envs"]["slow"]["status"] == "timeout"  # type: ignore[index]
    for pid in map(int, (tmp_path / "pids").read_text().split()):
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z", f"{pid} survived"


def test_fail_fast_stops_the_others(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "bad": f"commands = {py('raise SystemExit(3)')}",
            "long": f"commands = {py('import time; time.sleep(60)')}",
            "later": "depends = bad\ncommands = true",
        },
    )
    result = orch(tmp_path, "run", "-p", "all", "--fail-fast")
    assert result.returncode == 3, result.stdout + result.stderr  # as tox: the first failed env's code
    envs = record(tmp_path)["envs"]
    assert envs["bad"]["status"] == "failed"  # type: ignore[index]
    assert envs["long"]["status"] == "interrupted" and envs["long"]["duration"] < 30  # type: ignore[index]
    assert envs["later"]["message"] == "not started (fail-fast)"  # type: ignore[index]


def test_ctrl_c_leaves_no_child_and_exits_130(tmp_path: Path) -> None:
    code = "import os, time; open(os.environ['ORCH_ENV_NAME'] + '.pid', 'w').write(str(os.getpid())); time.sleep(60)"
    write(tmp_path, {"s1": f"commands = {py(code)}", "s2": f"commands = {py(code)}"})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX"))}
    proc = subprocess.Popen(
        [PY, "-m", "orch", "run", "-p", "all"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
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
    assert record(tmp_path)["complete"] is False


def test_failed_and_resume(tmp_path: Path) -> None:
    write(tmp_path, {"ok1": "commands = true", "bad": "commands = false", "ok2": "commands = true"})
    assert orch(tmp_path, "run", "-p", "2").returncode == 1
    again = orch(tmp_path, "run", "--failed")
    assert list(record(tmp_path)["envs"]) == ["bad"], again.stdout  # type: ignore[arg-type]
    # an interrupted run: ok1 passed, the rest never ran
    data = record(tmp_path)
    data.update(
        selected=["ok1", "bad", "ok2"], complete=False, envs={"ok1": {"status": "ok", "duration": 0.1, "commands": []}}
    )
    (tmp_path / ".tox" / ".orch" / "last-run.json").write_text(json.dumps(data))
    resumed = orch(tmp_path, "run", "--resume")
    assert resumed.returncode == 1
    envs = record(tmp_path)["envs"]
    assert list(envs) == ["ok1", "bad", "ok2"]  # type: ignore[arg-type]
    assert envs["ok1"]["duration"] == 0.1  # kept, not run again  # type: ignore[index]


def test_plain_output_and_reports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "good": f"commands = {py('print(42)')}",
            "bad": f"commands = {py('print(7); raise SystemExit(1)')}",
            "skip": "platform = nothing-matches\ncommands = true",
        },
    )
    result = orch(tmp_path, "run", "-p", "all", "--result-json", "r.json", "--junit", "j.xml")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("good: OK (") for line in lines), result.stdout
    assert any(line.startswith("bad: FAILED") for line in lines), result.stdout
    assert "42" not in result.stdout  # a passing env's output stays in its log
    assert "7" in result.stdout  # a failing env's output is shown as a block
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["envs"]["bad"]["commands"][0]["exit_code"] == 1
    suite = ET.parse(tmp_path / "j.xml").getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")


def test_huge_output_keeps_memory_bounded(tmp_path: Path) -> None:
    code = "import sys; line = 'x' * 1023 + chr(10); [sys.stdout.write(line) for _ in range(100_000)]; sys.exit(1)"
    write(tmp_path, {"loud": f"commands = {py(code)}"})
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [PY, "-m", "orch", "run", "-p", "all"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert result.returncode == 1
    assert (tmp_path / ".tox" / ".orch" / "loud" / "log" / "commands.log").stat().st_size >= 100_000 * 1024
    assert max(peak_kib, before) < 200 * 1024, f"peak RSS {peak_kib} KiB"


@pytest.mark.parametrize("command", ["run-parallel", "p"])
def test_run_parallel_is_run_with_p_auto(tmp_path: Path, command: str) -> None:
    """tox's `run-parallel` (`p`): the envs run at once (each waits for the other), -p 0 still means one by one."""
    wait_for_other = (
        "import os, pathlib, time; me = os.environ['ORCH_ENV_NAME']; pathlib.Path(me).touch(); "
        "other = pathlib.Path('b' if me == 'a' else 'a'); end = time.time() + 60; "
        "[time.sleep(0.05) for _ in iter(lambda: other.exists() or time.time() > end, True)]; "
        "raise SystemExit(0 if other.exists() else 3)"
    )
    write(tmp_path, {"a": f"commands = {py(wait_for_other)}", "b": f"commands = {py(wait_for_other)}"})
    result = orch(tmp_path, command)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("a: OK (") for line in lines), result.stdout  # the parallel console's lines
    one_by_one = orch(tmp_path, command, "-p", "0", "-x", f"testenv:a.commands={py('print(1)')}")
    assert one_by_one.returncode == 0, one_by_one.stdout + one_by_one.stderr
    assert "a: commands[0]>" in one_by_one.stdout  # the sequential console streams
