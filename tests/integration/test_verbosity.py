"""``-q``/``-qq``/``-v``/``-vv`` as tox users type them: the real CLI on a small project, real envs (issue 13).

A command's own output is shown at every level; the levels change only orch's lines (see
:mod:`orch.report.console`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

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


def orch(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "GITHUB_"))}
    env["ORCH_CACHE_DIR"] = str(root / "cache")
    return subprocess.run(
        [sys.executable, "-m", "orch", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


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
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("verbosity")
    (folder / "tox.ini").write_text(textwrap.dedent(TOX_INI))
    tiny_wheel(folder)
    assert orch(folder, "run", "-e", "good,bad").returncode == 1  # envs created once, for every test
    return folder


def test_exec_quiet_prints_the_commands_output(root: Path) -> None:
    """``V=$(orch exec -q -e ENV -- python -c 'print(1)')`` is ``1``; orch's own lines never go to stdout."""
    for level in ("-qq", "-q", "", "-v"):
        result = orch(root, "exec", *([level] if level else []), "-e", "good", "--", "python", "-c", "print(1)")
        assert result.returncode == 0, result.stderr
        assert result.stdout == "1\n", level
    assert "exec[0]>" in orch(root, "exec", "-e", "good", "--", "python", "-c", "print(1)").stderr


def test_quiet_shows_a_failing_commands_output_and_its_log(root: Path) -> None:
    quiet = orch(root, "run", "-q", "-e", "good,bad")
    assert quiet.returncode == 1
    assert "GOOD-OUTPUT" in quiet.stdout and "BAD-OUTPUT" in quiet.stdout  # a command's output is always shown
    log = Path(".tox/.orch", "bad", "log", "commands.log")
    assert f"bad: log: {log}" in quiet.stdout
    assert "BAD-OUTPUT" in (root / log).read_text()
    assert "commands[0]>" not in quiet.stdout  # -q: no per-command lines...
    assert "good: ok" not in quiet.stdout
    assert "orch: 1 ok, 1 failed" in quiet.stdout  # ...but the summary


def test_qq_is_quieter_than_q(root: Path) -> None:
    result = orch(root, "run", "-qq", "-e", "good,bad")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "GOOD-OUTPUT",
        "BAD-OUTPUT",
        lines[2],  # bad: commands[0] exit 3 in ... s
        lines[3],  # bad: failed in ... s: commands[0] exit 3
        f"bad: log: {Path('.tox/.orch', 'bad', 'log', 'commands.log')}",
    ]
    assert lines[2].startswith("bad: commands[0] exit 3") and lines[3].startswith("bad: failed in")


def test_parallel_quiet_levels(root: Path) -> None:
    quiet = orch(root, "run", "-p", "2", "-q", "-e", "good,bad")
    assert "BAD-OUTPUT" in quiet.stdout and "orch: 1 ok, 1 failed" in quiet.stdout
    quieter = orch(root, "run", "-p", "2", "-qq", "-e", "good,bad")
    assert "BAD-OUTPUT" in quieter.stdout and "orch: 1 ok" not in quieter.stdout
    live = orch(root, "run", "-p", "2", "-o", "-q", "-e", "good,bad")
    assert "good: GOOD-OUTPUT" in live.stdout  # streamed output is the commands': shown at -q too


def test_verbose_adds_setup_detail_and_vv_timings(root: Path) -> None:
    default = orch(root, "run", "-r", "-e", "withdep")
    assert default.returncode == 0, default.stdout + default.stderr
    assert "DEP 7" in default.stdout
    assert "$ " not in default.stdout and "tinydep==1.0" not in default.stdout
    verbose = orch(root, "run", "-v", "-r", "-e", "withdep")
    assert verbose.returncode == 0, verbose.stdout + verbose.stderr
    assert "withdep: recreate: asked (-r)" in verbose.stdout
    installer = [line for line in verbose.stdout.splitlines() if line.startswith("withdep: $ ")]
    assert installer and "tinydep-1.0-py3-none-any.whl" in installer[-1]  # the installer's command line
    assert "+ tinydep==1.0" in verbose.stdout  # and what it printed
    reused = orch(root, "run", "-v", "-e", "withdep")
    assert "withdep: reused: nothing it was set up from changed" in reused.stdout
    assert "(setup " not in reused.stdout
    timed = orch(root, "run", "-vv", "-e", "withdep")
    assert "withdep: ok in " in timed.stdout and ", commands " in timed.stdout


def test_only_orchs_own_v_counts(root: Path) -> None:
    """``-vv`` after ``--`` is the command's: no timings, no traceback of orch's."""
    posargs = orch(root, "run", "-e", "good", "--", "-vv")
    assert posargs.returncode == 0
    assert "(setup " not in posargs.stdout and "reused: nothing" not in posargs.stdout
    unknown = orch(root, "run", "-e", "nosuch", "--", "-vv")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    traced = orch(root, "-vv", "run", "-e", "nosuch")
    assert traced.returncode == 2 and "Traceback" in traced.stderr
