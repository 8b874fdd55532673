"""The ``project`` fixture of ``tests/orch_project.py``, as the tests that use it rely on it."""

from __future__ import annotations

import os

import pytest

INI = """
[tox]
env_list = a
[testenv:a]
env_type = current
commands =
    python -c "import os; print('CACHE', os.environ.get('ORCH_CACHE_DIR'))"
    python -c "import os; print('SEEN', os.environ.get('TOX_X'))"
pass_env = ORCH_CACHE_DIR, TOX_X
"""


def test_run_in_a_subprocess_scrubs_the_environment(project, orch_cache, monkeypatch: pytest.MonkeyPatch) -> None:
    proj = project({"tox.ini": INI, "sub/data.txt": "  x\n"})
    assert (proj.path / "sub" / "data.txt").read_text() == "x\n"  # dedented, folders made
    monkeypatch.setenv("TOX_X", "leaks")
    result = proj.run("run", "-e", "a").assert_success()
    assert f"CACHE {orch_cache}" in result.out
    assert "SEEN None" in result.out
    assert proj.record()["envs"]["a"]["status"] == "ok"
    assert "SEEN given" in proj.run("run", "-e", "a", env={"TOX_X": "given"}).out


def test_run_inprocess_sees_what_a_subprocess_sees(project, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_ENV", "nothing-here")
    proj = project({"tox.ini": INI}, at="here", cache=tmp_path / "cache")
    assert "ORCH_ENV" not in os.environ
    result = proj.run_inprocess("list", "--no-desc")
    assert (result.code, result.out.split()) == (0, ["a"])
    assert os.getcwd() == str(proj.path)
    assert os.environ["ORCH_CACHE_DIR"] == str(tmp_path / "cache")


def test_a_sample_is_copied_and_errors_are_one_line(project) -> None:
    proj = project({"tox.ini": "[tox]\nenv_list = a b\n"}, sample="flit_proj", at="proj")
    assert (proj.path / "pyproject.toml").is_file()
    proj.run("list").assert_error("tox.ini")


def test_the_example_of_contributing(project) -> None:
    """CONTRIBUTING's "Writing a test", as it is written there."""
    proj = project({"tox.ini": "[tox]\nenv_list = a\n[testenv:a]\nenv_type = current\ncommands = python -V\n"})
    result = proj.run("run", "-e", "a").assert_success()  # python -m orch, in a subprocess
    assert proj.record()["envs"]["a"]["status"] == "ok"  # .tox/.orch/last-run.json
    assert proj.run_inprocess("list", "--no-desc").out == "a\n"  # orch.cli.main.main(), faster
    assert "a: ok" in result.out
