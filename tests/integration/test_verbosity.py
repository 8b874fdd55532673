"""``-q``/``-qq``/``-v``/``-vv`` as tox users type them: the real CLI on a small project, real envs (issue 13).

A command's own output is shown at every level; the levels change only orch's lines (see
:mod:`orch.report.console`).
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from orch_project import Project

pytestmark = pytest.mark.integration

TOX_INI = """
[tox]
env_list = good, bad
[testenv]
skip_install = true
commands = python -c "print('GOOD-OUTPUT')"
[testenv:bad]
commands = python -c "import sys; print('BAD-OUTPUT'); sys.exit(3)"
[testenv:withdep]
deps = {toxinidir}/tinydep-1.0-py3-none-any.whl
commands = python -c "import tinydep; print('DEP', tinydep.VALUE)"
"""


def tiny_wheel(folder: Path) -> None:
    """A one-module wheel, so that installing deps needs no index."""
    files = {
        "tinydep.py": b"VALUE = 7\n",
        "tinydep-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
        "tinydep-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("tinydep-1.0.dist-info/RECORD,,")
    with zipfile.ZipFile(folder / "tinydep-1.0-py3-none-any.whl", "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr("tinydep-1.0.dist-info/RECORD", "\n".join(record) + "\n")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("verbosity")
    made = Project(folder, folder / "cache").write({"tox.ini": TOX_INI})
    tiny_wheel(folder)
    assert made.run("run", "-e", "good,bad").code == 1  # envs created once, for every test
    return made


def test_exec_quiet_prints_the_commands_output(root: Project) -> None:
    """``V=$(orch exec -q -e ENV -- python -c 'print(1)')`` is ``1``; orch's own lines never go to stdout."""
    for level in ("-qq", "-q", "", "-v"):
        result = root.run("exec", *([level] if level else []), "-e", "good", "--", "python", "-c", "print(1)")
        assert result.code == 0, result.err
        assert result.out == "1\n", level
    assert "exec[0]>" in root.run("exec", "-e", "good", "--", "python", "-c", "print(1)").err


def test_quiet_shows_a_failing_commands_output_and_its_log(root: Project) -> None:
    quiet = root.run("run", "-q", "-e", "good,bad")
    assert quiet.code == 1
    assert "GOOD-OUTPUT" in quiet.out and "BAD-OUTPUT" in quiet.out  # a command's output is always shown
    log = Path(".tox/.orch", "bad", "log", "commands.log")
    assert f"bad: log: {log}" in quiet.out
    assert "BAD-OUTPUT" in (root.path / log).read_text()
    assert "commands[0]>" not in quiet.out  # -q: no per-command lines...
    assert "good: ok" not in quiet.out
    assert "orch: 1 ok, 1 failed" in quiet.out  # ...but the summary


def test_qq_is_quieter_than_q(root: Project) -> None:
    result = root.run("run", "-qq", "-e", "good,bad")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines == [
        "GOOD-OUTPUT",
        "BAD-OUTPUT",
        lines[2],  # bad: commands[0] exit 3 in ... s
        lines[3],  # bad: failed in ... s: commands[0] exit 3
        f"bad: log: {Path('.tox/.orch', 'bad', 'log', 'commands.log')}",
    ]
    assert lines[2].startswith("bad: commands[0] exit 3") and lines[3].startswith("bad: failed in")


def test_parallel_quiet_levels(root: Project) -> None:
    quiet = root.run("run", "-p", "2", "-q", "-e", "good,bad")
    assert "BAD-OUTPUT" in quiet.out and "orch: 1 ok, 1 failed" in quiet.out
    quieter = root.run("run", "-p", "2", "-qq", "-e", "good,bad")
    assert "BAD-OUTPUT" in quieter.out and "orch: 1 ok" not in quieter.out
    live = root.run("run", "-p", "2", "-o", "-q", "-e", "good,bad")
    assert "good: GOOD-OUTPUT" in live.out  # streamed output is the commands': shown at -q too


def test_verbose_adds_setup_detail_and_vv_timings(root: Project) -> None:
    default = root.run("run", "-r", "-e", "withdep")
    assert default.code == 0, default.out + default.err
    assert "DEP 7" in default.out
    assert "$ " not in default.out and "tinydep==1.0" not in default.out
    verbose = root.run("run", "-v", "-r", "-e", "withdep")
    assert verbose.code == 0, verbose.out + verbose.err
    assert "withdep: recreate: asked (-r)" in verbose.out
    installer = [line for line in verbose.out.splitlines() if line.startswith("withdep: $ ")]
    assert installer and "tinydep-1.0-py3-none-any.whl" in installer[-1]  # the installer's command line
    assert "+ tinydep==1.0" in verbose.out  # and what it printed
    reused = root.run("run", "-v", "-e", "withdep")
    assert "withdep: reused: nothing it was set up from changed" in reused.out
    assert "(setup " not in reused.out
    timed = root.run("run", "-vv", "-e", "withdep")
    assert "withdep: ok in " in timed.out and ", commands " in timed.out


def test_only_orchs_own_v_counts(root: Project) -> None:
    """``-vv`` after ``--`` is the command's: no timings, no traceback of orch's."""
    posargs = root.run("run", "-e", "good", "--", "-vv")
    assert posargs.code == 0
    assert "(setup " not in posargs.out and "reused: nothing" not in posargs.out
    unknown = root.run("run", "-e", "nosuch", "--", "-vv")
    assert unknown.code == 2 and "Traceback" not in unknown.err
    traced = root.run("-vv", "run", "-e", "nosuch")
    assert traced.code == 2 and "Traceback" in traced.err
