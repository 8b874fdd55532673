"""A value that cannot be computed is an error of that value, as in tox: every other env and value
is still listed, shown and run (issue 11). Errors of the file's grammar stay immediate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BROKEN = """
[tox]
env_list = ok, docs

[testenv]
env_type = current
description = fine
allowlist_externals = python
commands = python -c "print('ran', '{env_name}')"

[testenv:docs]
base_python =
description = docs on {base_python}
"""
WHERE = "tox.ini:11: [testenv:docs] base_python is empty"


@pytest.fixture
def orch(project):
    return project({"tox.ini": BROKEN.lstrip()}).run_inprocess


def test_list_shows_every_env(orch) -> None:
    result = orch("list")
    assert result.code == 0
    assert result.out.splitlines()[1:] == ["ok   -> fine", f"docs -> [error: {WHERE}]"]
    rows = json.loads(orch("list", "--json").out)
    assert [row["name"] for row in rows] == ["ok", "docs"]
    assert rows[1]["description"] == {"error": WHERE}
    assert rows[1]["env_type"] == "current"


def test_config_shows_every_other_value_and_exits_2(orch) -> None:
    result = orch("config", "-e", "ALL", "-k", "description", "base_python", "commands")
    assert result.code == 2
    assert f"description = # Exception: {WHERE}" in result.out
    assert f"base_python = # Exception: {WHERE}" in result.out
    assert "[testenv:ok]\ndescription = fine\n" in result.out
    assert result.out.count("commands = python -c") == 2
    assert result.err == f"error: {WHERE} (and 1 more, marked in the output)\n"


def test_config_without_keys_shows_every_key(orch) -> None:
    result = orch("config", "-e", "docs")
    assert result.code == 2
    assert "env_dir = " in result.out and f"base_python = # Exception: {WHERE}" in result.out
    assert "Traceback" not in result.err


@pytest.mark.parametrize("form", ["json", "toml"])
def test_config_marks_the_value_in_structured_output(orch, form: str) -> None:
    result = orch("config", "-e", "ALL", "-k", "base_python", "deps", "--format", form)
    assert result.code == 2
    if form == "json":
        data = json.loads(result.out)
    else:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # orch depends on tomli there
            import tomli as tomllib

        data = tomllib.loads(result.out)
    assert data["env"]["docs"] == {"base_python": {"error": WHERE}, "deps": []}
    assert isinstance(data["env"]["ok"]["base_python"], list)


def test_core_values_are_shown_alone(orch) -> None:
    result = orch("config", "-e", "ok", "--core", "-k", "env_list", "description")
    assert (result.code, result.out.splitlines()[:2]) == (0, ["[tox]", "env_list ="])
    assert result.out.endswith("[testenv:ok]\ndescription = fine\n")


def test_run_fails_the_broken_env_only(orch) -> None:
    result = orch("run", "-e", "docs,ok")
    assert result.code == 1
    assert f"docs: failed in 0.00 s: error: {WHERE}" in result.out
    assert "ran ok" in result.out and "Traceback" not in result.out + result.err
    assert orch("run", "-e", "ok").code == 0


def test_parallel_run_fails_the_broken_env_only(orch) -> None:
    result = orch("run", "-p", "2", "--result-json", "r.json")
    assert result.code == 1
    envs = json.loads(Path("r.json").read_text())["envs"]
    assert (envs["ok"]["status"], envs["docs"]["status"]) == ("ok", "failed")
    assert envs["docs"]["message"] == f"error: {WHERE}"


def test_label_selection_skips_an_env_whose_labels_fail(orch) -> None:
    Path("tox.ini").write_text(
        "[tox]\nenv_list = a, b\n[testenv:a]\nlabels = x\n[testenv:b]\nlabels = {[testenv:b]labels}\n"
    )
    result = orch("list", "--no-desc", "-m", "x")
    assert (result.code, result.out) == (0, "a\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tox]\nenv_list = a\n[testenv\ndeps = x\n", "tox.ini"),
        ("[tox]\nenv_list = a\n  indented = 1\n", "tox.ini"),
    ],
    ids=["section-header", "continuation"],
)
def test_grammar_errors_stay_immediate(orch, text: str, message: str) -> None:
    Path("tox.ini").write_text(text)
    for args in (("list",), ("config", "-e", "ALL")):
        result = orch(*args)
        assert (result.code, result.out) == (2, "")
        assert result.err.startswith("error: ") and message in result.err
