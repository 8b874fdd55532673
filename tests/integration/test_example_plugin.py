"""examples/plugin, installed and run: an option, a key, an env type whose backend reads the
plugin's option from its request, and the lifecycle hooks in order, through orch.plugin.api alone."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from uv import find_uv_bin

from orch_project import MakeProject

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plugin"

TOX_INI = """
[tox]
env_list = demo-scratch, broken-scratch
[testenv:demo-scratch]
journal_tag = nightly
allowlist_externals = sh
commands = sh -c 'echo "TAG=$JOURNAL_TAG SCRATCH=$SCRATCH JOURNAL=$JOURNAL_FILE"'
[testenv:broken-scratch]
allowlist_externals = sh
commands = sh -c 'exit 3'
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin installed into a folder of its own, put on the path of the orch processes."""
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [find_uv_bin(), "pip", "install", "--no-deps", "--target", str(target), str(EXAMPLE)],
        check=True,
        capture_output=True,
        env={**os.environ, "UV_PYTHON": sys.executable},
    )
    return target


def test_the_plugin_imports_only_the_public_api() -> None:
    for module in (EXAMPLE / "src" / "orch_journal").glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert {m for m in imported if m.startswith("orch")} <= {"orch.plugin.api", "orch_journal"}, module


def test_plugin_runs_through_every_hook(project: MakeProject, installed: Path) -> None:
    proj = project({"tox.ini": TOX_INI})
    journal = proj.path / "journal.jsonl"
    env = {"PYTHONPATH": str(installed)}
    listed = proj.run("list", env=env)
    assert listed.code == 0, listed.err
    assert "demo-scratch" in listed.out

    outcome = proj.run("run", "--journal", str(journal), env=env)
    assert outcome.code == 1, outcome.out + outcome.err  # broken-scratch exits 3
    scratch = proj.path / ".tox" / ".orch" / "demo-scratch" / "scratch"
    assert f"TAG=nightly SCRATCH={scratch} JOURNAL={journal}" in outcome.out
    assert scratch.is_dir()

    events = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    per_env = [(e["event"], e.get("env")) for e in events if e.get("env") == "demo-scratch"]
    assert per_env == [
        ("before_setup", "demo-scratch"),
        ("after_setup", "demo-scratch"),
        ("before_commands", "demo-scratch"),
        ("after_commands", "demo-scratch"),
    ]
    assert events[0] == {**events[0], "event": "before_run", "envs": ["demo-scratch", "broken-scratch"]}
    assert events[-1]["event"] == "after_run"
    assert events[-1]["results"] == {"demo-scratch": "ok", "broken-scratch": "failed"}
    failed = next(e for e in events if e["event"] == "after_commands" and e["env"] == "broken-scratch")
    assert failed["status"] == "failed"


def test_a_failing_hook_fails_its_env_with_one_line(project: MakeProject, installed: Path) -> None:
    proj = project({"tox.ini": TOX_INI})
    folder = proj.path / "a-folder"
    folder.mkdir()
    outcome = proj.run("run", "-e", "demo-scratch", "--journal", str(folder), env={"PYTHONPATH": str(installed)})
    assert outcome.code != 0
    assert "plugin hook orch_before_run failed: IsADirectoryError" in outcome.err
    assert "Traceback" not in outcome.err
