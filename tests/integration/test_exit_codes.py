"""`orch run` and `orch exec` exit as tox 4 does: the real CLI on small projects, real envs (issue 13).

tox's rule (``tox/session/cmd/run/common.py``): one selected env that failed gives its failing command's
code; several give 1, or under fail-fast the first failed env's code; all skipped gives 1. The expected
codes below are what tox 4.67 returned on the same tox.ini. ``seven`` fails a second later than ``five``,
so that under ``-p 2 --fail-fast`` the first env to fail is always ``five`` (both start at once: which
one ended first was a race, and the one still running is stopped by fail-fast, in tox as in orch).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orch_project import MakeProject, Project, hatchling_pyproject

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
commands = python -c "import sys, time; time.sleep(1); sys.exit(7)"
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


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """One project for the module's tests: its envs are created once."""
    folder = tmp_path_factory.mktemp("exit-codes")
    return Project(folder, folder / "cache").write({"tox.ini": TOX_INI})


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
def test_run_exits_as_tox(root: Project, args: list[str], code: int) -> None:
    result = root.run("run", *args)
    assert result.code == code, result.out + result.err


def test_exec_exits_with_the_commands_code(root: Project) -> None:
    result = root.run("exec", "-e", "ok", "--", "python", "-c", "import sys; sys.exit(42)")
    assert result.code == 42, result.out + result.err
    missing = root.run("exec", "-e", "ok", "--", "no-such-command-anywhere")
    assert missing.code == 2, missing.out + missing.err
    assert "exec not found" in missing.err


def test_the_rule_is_in_run_help(root: Project) -> None:
    shown = root.run("run", "--help").out
    assert "exit codes" in shown and "--fail-fast" in shown


PYPROJECT = hatchling_pyproject()
HAS_PACKAGE = "import importlib.util as u; print('HAS', u.find_spec('demo_pkg') is not None)"


def test_exec_installs_no_package_unless_asked(project: MakeProject, tmp_path: Path) -> None:
    """tox exec sets skip_pkg_install: the env gets its deps, not the project; ``--install`` asks for it."""
    files = {
        "pyproject.toml": PYPROJECT,
        "src/demo_pkg/__init__.py": "VALUE = 1\n",
        "tox.ini": "[tox]\nenv_list = py\n[testenv]\npackage = wheel\ncommands = python -V\n",
    }
    proj = project(files, cache=tmp_path / "cache")
    plain = proj.run("exec", "-e", "py", "--", "python", "-c", HAS_PACKAGE)
    assert plain.code == 0, plain.out + plain.err
    assert plain.out == "HAS False\n"
    assert not (tmp_path / ".tox" / ".orch" / "dist").exists()  # nothing was built
    installed = proj.run("exec", "--install", "-e", "py", "--", "python", "-c", HAS_PACKAGE)
    assert installed.code == 0, installed.out + installed.err
    assert installed.out == "HAS True\n"
