"""`orch run` and `orch exec` exit as tox 4 does: the real CLI on small projects, real envs (issue 13).

tox's rule (``tox/session/cmd/run/common.py``): one selected env that failed gives its failing command's
code; several give 1, or under fail-fast the first failed env's code; all skipped gives 1. The expected
codes below are what tox 4.67 returned on the same tox.ini.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

TOX_INI = """
[tox]
env_list = ok
skip_missing_interpreters = false
[testenv]
skip_install = true
commands = python -c "print('fine')"
[testenv:three]
commands = python -c "import sys; print('three'); sys.exit(3)"
[testenv:five]
commands = python -c "import sys; sys.exit(5)"
[testenv:seven]
commands = python -c "import sys; sys.exit(7)"
[testenv:ignored]
ignore_outcome = true
commands = python -c "import sys; sys.exit(4)"
[testenv:pre]
commands_pre = python -c "import sys; sys.exit(6)"
commands = python -c "print('main')"
commands_post = python -c "import sys; sys.exit(9)"
[testenv:errors]
ignore_errors = true
commands =
    python -c "import sys; sys.exit(11)"
    python -c "import sys; sys.exit(12)"
[testenv:missing]
commands = no-such-command-anywhere
[testenv:future]
base_python = python3.99
"""


def orch(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "GITHUB_"))}
    env["ORCH_CACHE_DIR"] = str(root / "cache")
    return subprocess.run(
        [sys.executable, "-m", "orch", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exit-codes")
    (folder / "tox.ini").write_text(textwrap.dedent(TOX_INI))
    return folder


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["-e", "ok"], 0, id="passes"),
        pytest.param(["-e", "three"], 3, id="one-env-its-code"),
        pytest.param(["-p", "2", "-e", "three"], 3, id="one-env-parallel"),
        pytest.param(["-e", "five,seven"], 1, id="several-failed"),
        pytest.param(["-p", "2", "-e", "five,seven"], 1, id="several-failed-parallel"),
        pytest.param(["-e", "three,ok"], 1, id="one-of-two-failed"),
        pytest.param(["--fail-fast", "-e", "five,seven"], 5, id="fail-fast-first"),
        pytest.param(["-p", "2", "--fail-fast", "-e", "five,seven"], 5, id="fail-fast-parallel-first-in-order"),
        pytest.param(["-e", "ignored"], 0, id="ignore-outcome"),
        pytest.param(["-e", "ignored,ok"], 0, id="ignore-outcome-and-ok"),
        pytest.param(["-e", "three,ignored"], 1, id="failed-and-ignored"),
        pytest.param(["-e", "pre"], 6, id="first-failure-pre-before-post"),
        pytest.param(["-e", "errors"], 11, id="ignore-errors-first-failure"),
        pytest.param(["-e", "missing"], 2, id="command-not-found"),
        pytest.param(["-e", "future"], 1, id="missing-interpreter"),
        pytest.param(["-e", "future", "--skip-missing-interpreters"], 1, id="all-skipped"),
        pytest.param(["-e", "future,ok", "--skip-missing-interpreters"], 0, id="skipped-and-ok"),
    ],
)
def test_run_exits_as_tox(root: Path, args: list[str], code: int) -> None:
    result = orch(root, "run", *args)
    assert result.returncode == code, result.stdout + result.stderr


def test_exec_exits_with_the_commands_code(root: Path) -> None:
    result = orch(root, "exec", "-e", "ok", "--", "python", "-c", "import sys; sys.exit(42)")
    assert result.returncode == 42, result.stdout + result.stderr
    missing = orch(root, "exec", "-e", "ok", "--", "no-such-command-anywhere")
    assert missing.returncode == 2, missing.stdout + missing.stderr
    assert "exec not found" in missing.stderr


def test_the_rule_is_in_run_help(root: Path) -> None:
    shown = orch(root, "run", "--help").stdout
    assert "exit codes" in shown and "--fail-fast" in shown


PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
[project]
name = "demo-pkg"
version = "1.0"
[tool.hatch.build.targets.wheel]
packages = ["src/demo_pkg"]
"""
HAS_PACKAGE = "import importlib.util as u; print('HAS', u.find_spec('demo_pkg') is not None)"


def test_exec_installs_no_package_unless_asked(tmp_path: Path) -> None:
    """tox exec sets skip_pkg_install: the env gets its deps, not the project; ``--install`` asks for it."""
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (tmp_path / "src" / "demo_pkg").mkdir(parents=True)
    (tmp_path / "src" / "demo_pkg" / "__init__.py").write_text("VALUE = 1\n")
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = py\n[testenv]\npackage = wheel\ncommands = python -V\n")
    plain = orch(tmp_path, "exec", "-e", "py", "--", "python", "-c", HAS_PACKAGE)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert plain.stdout == "HAS False\n"
    assert not (tmp_path / ".tox" / ".orch" / "dist").exists()  # nothing was built
    installed = orch(tmp_path, "exec", "--install", "-e", "py", "--", "python", "-c", HAS_PACKAGE)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed.stdout == "HAS True\n"
