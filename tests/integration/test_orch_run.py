"""`orch run` as a user runs it: the real CLI in a subprocess, real interpreters, real envs.

Work not done is asserted from the run record (`.tox/.orch/last-run.json`), never from timing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from orch_project import MakeProject

pytestmark = pytest.mark.integration

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
PY_CODE = 'python -c "import sys; print(sys.argv[1:])"'


def installed(minor: str) -> bool:
    return any(PYENV.glob(f"{minor}.*/bin/python{minor}"))


NEWEST = next((m for m in ("3.12", "3.13", "3.11", "3.10", "3.9") if installed(m)), None)
needs_python = pytest.mark.skipif(NEWEST is None, reason="no CPython 3.9+ under ~/.pyenv/versions")
PYENV_NAME = f"py{NEWEST.replace('.', '')}" if NEWEST else "py3"


SIMPLE = f"""
[tox]
env_list = {PYENV_NAME}
[testenv]
deps = iniconfig
commands = python -c "import iniconfig, sys; print('OK', sys.version_info[:2])"
"""


@needs_python
def test_create_then_reuse_without_installer(project: MakeProject) -> None:
    proj = project({"tox.ini": SIMPLE})
    first = proj.run("run")
    assert first.code == 0, first.out + first.err
    assert f"OK ({NEWEST.replace('.', ', ')})" in first.out
    env = proj.record()["envs"][PYENV_NAME]
    assert env["status"] == "ok"
    assert env["installer_runs"] >= 1
    second = proj.run("run")
    assert second.code == 0, second.out + second.err
    env = proj.record()["envs"][PYENV_NAME]
    assert env["actions"] == ["reused"]
    assert env["installer_runs"] == 0


@needs_python
def test_added_dep_installs_only_it_and_removed_dep_recreates(project: MakeProject) -> None:
    proj = project({"tox.ini": SIMPLE})
    assert proj.run("run").code == 0
    added = proj.run("run", "-x", "testenv.deps+=six")
    assert added.code == 0, added.out + added.err
    env = proj.record()["envs"][PYENV_NAME]
    assert env["installer_runs"] == 1
    assert any("six" in action and "iniconfig" not in action for action in env["actions"])
    six_only = ("-x", "testenv.deps=six", "-x", 'testenv.commands=python -c "import six"')
    removed = proj.run("run", *six_only)
    assert removed.code == 0, removed.out + removed.err
    assert "recreate: deps changed" in removed.out
    forced = proj.run("run", "-r", *six_only)
    assert "recreate: asked (-r)" in forced.out


@pytest.mark.parametrize("minor", ["3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"])
def test_every_interpreter_is_an_env_target(project: MakeProject, minor: str) -> None:
    if not installed(minor):
        pytest.skip(f"CPython {minor} is not installed under {PYENV}")
    name = f"py{minor.replace('.', '')}"
    command = "python -c \"import sys; print('V', sys.version[:5])\""
    proj = project({"tox.ini": f"[tox]\nenv_list = {name}\n[testenv]\ncommands = {command}\n"})
    result = proj.run("run")
    assert result.code == 0, result.out + result.err
    assert f"V {minor}" in result.out


@needs_python
def test_missing_interpreter_fails_or_skips(project: MakeProject) -> None:
    proj = project(
        {"tox.ini": "[tox]\nenv_list = future\n[testenv:future]\nbase_python = python3.99\ncommands = python -V\n"}
    )
    failed = proj.run("run")
    assert failed.code == 1
    assert "future: failed" in failed.out
    assert "future: failed" in failed.out and "no interpreter for python3.99 (searched " in failed.out
    skipped = proj.run("run", "--skip-missing-interpreters")
    assert skipped.code == 1, skipped.out  # as tox: a run whose every env was skipped fails
    assert "future: skipped" in skipped.out


@needs_python
def test_allowlist_externals(project: MakeProject) -> None:
    ini = f"[tox]\nenv_list = {PYENV_NAME}\n[testenv]\ncommands = ls tox.ini\n"
    proj = project({"tox.ini": ini})
    refused = proj.run("run")
    assert refused.code == 1
    assert "ls is not in the env" in refused.out
    allowed = proj.run("run", "-x", "testenv.allowlist_externals=l?")
    assert allowed.code == 0, allowed.out


@needs_python
def test_secrets_do_not_leak_unless_passed(project: MakeProject) -> None:
    code = "python -c \"import os; print('SECRET', os.environ.get('AWS_SECRET_ACCESS_KEY') == 'hunter22')\""
    proj = project({"tox.ini": f"[tox]\nenv_list = {PYENV_NAME}\n[testenv]\ncommands = {code}\n"}, unset=["AWS_SECRET"])
    secret = {"AWS_SECRET_ACCESS_KEY": "hunter22"}
    assert "SECRET False" in proj.run("run", env=secret).out
    passed = proj.run("run", "-x", "testenv.pass_env=AWS_*", env=secret)
    assert "SECRET True" in passed.out  # the command gets it...
    assert "hunter22" not in passed.out + passed.err  # ...and nothing orch shows has it


@needs_python
def test_env_variables_and_posargs(project: MakeProject) -> None:
    code = (
        "python -c \"import os, sys; print('ARGS', sys.argv[1:]); "
        "print('VARS', os.environ['ORCH_ENV_NAME'], os.environ['TOX_ENV_NAME'], os.environ['A'], "
        "os.environ['VIRTUAL_ENV'] == os.environ['ORCH_ENV_DIR'])\" {posargs:none}"
    )
    proj = project({"tox.ini": f"[tox]\nenv_list = {PYENV_NAME}\n[testenv]\nset_env = A=1\ncommands = {code}\n"})
    result = proj.run("run", "--", "x y", "z")
    assert result.code == 0, result.out + result.err
    assert "ARGS ['x y', 'z']" in result.out
    assert f"VARS {PYENV_NAME} {PYENV_NAME} 1 True" in result.out
    assert "ARGS ['none']" in proj.run("run").out


@needs_python
@pytest.mark.parametrize(
    ("commands", "extra", "code", "status"),
    [
        pytest.param('python -c "raise SystemExit(3)"', "", 3, "failed", id="failing"),  # tox: the command's code
        pytest.param('- python -c "raise SystemExit(3)"', "", 0, "ok", id="dash-ignores-exit"),
        pytest.param('python -c "raise SystemExit(3)"', "ignore_outcome = true", 0, "ignored", id="ignore-outcome"),
        pytest.param('! python -c "raise SystemExit(3)"', "", 0, "ok", id="bang-inverts-a-failure"),
        pytest.param('! python -c "pass"', "", 1, "failed", id="bang-inverts-a-success"),
    ],
)
def test_exit_codes(project: MakeProject, commands: str, extra: str, code: int, status: str) -> None:
    proj = project({"tox.ini": f"[tox]\nenv_list = {PYENV_NAME}\n[testenv]\ncommands = {commands}\n{extra}\n"})
    result = proj.run("run")
    assert result.code == code, result.out + result.err
    assert proj.record()["envs"][PYENV_NAME]["status"] == status


@needs_python
def test_ignore_errors_and_post_commands(project: MakeProject) -> None:
    ini = f"""
    [tox]
    env_list = {PYENV_NAME}
    [testenv]
    ignore_errors = true
    commands_pre = python -c "print('PRE')"
    commands =
        python -c "raise SystemExit(2)"
        python -c "print('SECOND')"
    commands_post = python -c "print('POST')"
    """
    proj = project({"tox.ini": ini})
    result = proj.run("run")
    assert result.code == 2  # as tox: the first failing command's code
    assert "PRE" in result.out and "SECOND" in result.out and "POST" in result.out
    phases = [(c["phase"], c["exit_code"]) for c in proj.record()["envs"][PYENV_NAME]["commands"]]
    assert phases == [("commands_pre", 0), ("commands", 2), ("commands", 0), ("commands_post", 0)]


def test_current_env_runs_in_orchs_own_interpreter(project: MakeProject) -> None:
    command = "python -c \"import sys; print('PREFIX', sys.prefix)\""
    proj = project({"tox.ini": f"[tox]\nenv_list = here\n[testenv:here]\nenv_type = current\ncommands = {command}\n"})
    result = proj.run("run")
    assert result.code == 0, result.out + result.err
    assert f"PREFIX {sys.prefix}" in result.out


def test_system_env_runs_host_tools(project: MakeProject) -> None:
    proj = project({"tox.ini": '[tox]\nenv_list = sh-system\n[testenv]\ncommands = sh -c "echo from-the-shell"\n'})
    result = proj.run("run")
    assert result.code == 0, result.out + result.err
    assert "from-the-shell" in result.out


@needs_python
def test_exec_and_notest(project: MakeProject) -> None:
    proj = project({"tox.ini": SIMPLE})
    setup = proj.run("run", "--notest")
    assert setup.code == 0, setup.out + setup.err
    assert proj.record()["envs"][PYENV_NAME]["commands"] == []
    result = proj.run("exec", "-e", PYENV_NAME, "--", "python", "-c", "import iniconfig; raise SystemExit(7)")
    assert result.code == 7
    short = proj.run("e", "-e", PYENV_NAME, "--", "python", "-c", "raise SystemExit(5)")  # tox 4's short name
    assert short.code == 5


@needs_python
def test_concurrent_runs_on_one_env(project: MakeProject) -> None:
    proj = project({"tox.ini": SIMPLE})
    procs = [proj.start("run") for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert sum(o.count(f"{PYENV_NAME}: created") for o in outputs) <= 1, outputs


@needs_python
def test_ctrl_c_stops_the_command_exits_130_and_keeps_the_env(project: MakeProject, tmp_path: Path) -> None:
    import signal
    import time

    sleeper = "python -c \"import os, time; open('child.pid', 'w').write(str(os.getpid())); time.sleep(120)\""
    proj = project({"tox.ini": f"[tox]\nenv_list = {PYENV_NAME}\n[testenv]\ndeps = iniconfig\ncommands = {sleeper}\n"})
    proc = proj.start("run")
    pid_file = tmp_path / "child.pid"
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.1)
    child = int(pid_file.read_text())
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert "interrupted" in out
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # a reaped child disappears; an unreaped zombie in this sandbox counts as gone
            state = Path(f"/proc/{child}/stat").read_text().split()[2] if Path(f"/proc/{child}").exists() else ""
            if state in ("", "Z"):
                raise ProcessLookupError
            time.sleep(0.1)
    again = proj.run("run", "-x", 'testenv.commands=python -c "import iniconfig"')
    assert again.code == 0, again.out
    assert proj.record()["envs"][PYENV_NAME]["actions"] == ["reused"]


@needs_python
def test_a_new_env_uses_the_bytecode_another_env_compiled(project: MakeProject, tmp_path: Path) -> None:
    """The second env's first run compiles nothing of iniconfig: its .pyc is the first env's file."""
    ini = f"""
    [tox]
    env_list = first, second
    [testenv]
    base_python = {PYENV_NAME}
    deps = iniconfig
    commands = python -c "import iniconfig"
    """
    proj = project({"tox.ini": ini})
    assert proj.run("run", "-e", "first").code == 0
    site = next((tmp_path / ".tox" / ".orch" / "first" / "lib").glob("python3*/site-packages"))
    if (site / "iniconfig" / "__init__.py").stat().st_nlink == 1:
        pytest.skip("uv copied iniconfig instead of linking it (its cache is on another file system)")
    tag = f"cpython-{NEWEST.replace('.', '')}"
    compiled = site / "iniconfig" / "__pycache__" / f"__init__.{tag}.pyc"
    assert compiled.exists()
    second = proj.run("run", "-e", "second")
    assert second.code == 0, second.out + second.err
    assert proj.record()["envs"]["second"]["actions"][0] == "created"
    other = Path(str(compiled).replace(f"{os.sep}first{os.sep}", f"{os.sep}second{os.sep}"))
    assert other.stat().st_ino == compiled.stat().st_ino  # linked before the run, not rewritten by it
    off = proj.run("run", "-e", "second", "-r", env={"ORCH_SHARE_BYTECODE": "0"})
    assert off.code == 0
    assert other.stat().st_ino != compiled.stat().st_ino


def wait_for_record(env: str, seconds: float) -> str:
    """A command that waits up to ``seconds`` for ``env``'s setup record and says whether it came."""
    return (
        'python -c "import pathlib, sys, time; record = pathlib.Path(sys.argv[1]); end = time.time() + '
        f"{seconds}; "
        "[time.sleep(0.05) for _ in iter(lambda: record.exists() or time.time() > end, True)]; "
        f"print('NEXT-READY' if record.exists() else 'NEXT-NOT-READY')\" {{toxworkdir}}/{env}/.orch-env.json"
    )


@needs_python
def test_later_envs_are_set_up_while_earlier_ones_run(project: MakeProject) -> None:
    """One after another, the next env's setup does not wait for this env's commands; output stays in turn."""
    ini = f"""
    [tox]
    env_list = first, later
    [testenv]
    base_python = {PYENV_NAME}
    [testenv:first]
    commands = {wait_for_record("later", 60)}
    [testenv:later]
    deps = iniconfig
    commands = python -c "print('LATER-RAN')"
    """
    proj = project({"tox.ini": ini})
    result = proj.run("run")
    assert result.code == 0, result.out + result.err
    assert "NEXT-READY" in result.out.splitlines()  # `later` was set up while `first` ran
    out = result.out
    assert out.index("first: ok") < out.index("later: created, installed deps: iniconfig") < out.index("LATER-RAN")
    assert proj.record()["envs"]["later"]["installer_runs"] == 1


@needs_python
@pytest.mark.parametrize(
    ("testenv", "later"),
    [
        pytest.param("", "depends = first", id="depends"),  # what `first` makes may be what `later` installs
        pytest.param("resources = db", "", id="resources"),  # envs sharing a resource never overlap
    ],
)
def test_envs_that_must_wait_are_set_up_in_their_turn(project: MakeProject, testenv: str, later: str) -> None:
    ini = f"""
    [tox]
    env_list = first, later
    [testenv]
    base_python = {PYENV_NAME}
    {testenv}
    [testenv:first]
    commands = {wait_for_record("later", 3)}
    [testenv:later]
    {later}
    commands = python -c "print('LATER-RAN')"
    """
    proj = project({"tox.ini": ini})
    result = proj.run("run")
    assert result.code == 0, result.out + result.err
    assert "NEXT-NOT-READY" in result.out.splitlines()  # not set up during the 3 s `first` waited for it
    assert "LATER-RAN" in result.out


@needs_python
def test_a_setup_failing_ahead_fails_its_env_in_its_turn(project: MakeProject) -> None:
    ini = f"""
    [tox]
    env_list = first, broken, last
    [testenv]
    base_python = {PYENV_NAME}
    commands = python -c "print('RAN', '{{envname}}')"
    [testenv:broken]
    deps = ./no-such-folder
    """
    proj = project({"tox.ini": ini})
    result = proj.run("run")
    assert result.code == 1
    out = result.out
    assert out.index("RAN first") < out.index("broken: failed") < out.index("RAN last")
    assert "installing deps failed" in out
    statuses = {name: env["status"] for name, env in proj.record()["envs"].items()}
    assert statuses == {"first": "ok", "broken": "failed", "last": "ok"}


@needs_python
@pytest.mark.parametrize("jobs", [(), ("-p", "2")], ids=["one-after-another", "parallel"])
def test_ctrl_c_stops_installers_too(project: MakeProject, tmp_path: Path, jobs: tuple[str, ...]) -> None:
    """Ctrl-C while one env's command runs and another env's installer runs (set up ahead, or in
    parallel): exit 130 within the grace periods, both processes gone, the unfinished env not recorded."""
    import signal
    import time

    sleeper = "python -c \"import os, time; open('child.pid', 'w').write(str(os.getpid())); time.sleep(120)\""
    installer = (
        "python -c \"import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)\" "
        "{toxinidir}/installer.pid {packages}"
    )
    ini = f"""
    [tox]
    env_list = first, later
    [testenv]
    base_python = {PYENV_NAME}
    [testenv:first]
    commands = {sleeper}
    [testenv:later]
    deps = iniconfig
    install_command = {installer}
    commands = python -c "print('LATER-RAN')"
    """
    proc = project({"tox.ini": ini}).start("run", *jobs)
    pids = [tmp_path / "child.pid", tmp_path / "installer.pid"]
    try:
        deadline = time.monotonic() + 120
        while not all(pid.exists() and pid.read_text() for pid in pids):
            assert time.monotonic() < deadline, "the command and the installer never both started"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)  # the installer would sleep 120 s if nobody stopped it
    finally:
        proc.kill()
    assert proc.returncode == 130, out
    for pid in pids:
        stat = Path(f"/proc/{pid.read_text()}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z", f"{pid.name} survived"
    assert not (tmp_path / ".tox" / ".orch" / "later" / ".orch-env.json").exists()
    assert "LATER-RAN" not in out
