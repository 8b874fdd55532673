"""``--result-json`` in tox's schema: ``result``, command output, ``setup``, ``installed_packages``, ``python``."""

from __future__ import annotations

import json
from pathlib import Path

from orch.report.tox_journal import env_journal, exit_code, installed_packages, python_info, setup_commands
from orch.schedule.results import CommandResult, EnvResult, EnvStatus


def dist_info(site: Path, name: str, version: str, direct_url: dict[str, object] | None = None) -> None:
    folder = site / f"{name}-{version}.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    if direct_url is not None:
        (folder / "direct_url.json").write_text(json.dumps(direct_url))


def test_installed_packages_as_pip_freeze_lists_them(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.12" / "site-packages"
    dist_info(site, "pytest", "8.3.2")
    dist_info(site, "Demo", "1.0", {"url": "file:///w/demo-1.0-py3-none-any.whl", "archive_info": {}})
    dist_info(site, "mine", "0.1", {"url": "file:///w/mine", "dir_info": {"editable": True}})
    assert installed_packages(tmp_path) == [
        "Demo @ file:///w/demo-1.0-py3-none-any.whl",
        "-e file:///w/mine",
        "pytest==8.3.2",
    ]
    assert installed_packages(tmp_path / "nothing") == []


def test_python_info_from_the_interpreter_line() -> None:
    info = python_info("CPython 3.13.1t (/no/such/python3.13t)")
    assert info is not None
    assert info["implementation"] == "CPython"
    assert info["version_info"] == [3, 13, 1, "final", 0]
    assert info["free_threaded"] is True
    assert info["executable"] == "/no/such/python3.13t"
    assert python_info("") is None
    assert python_info("Python 3.12 (conda)") is None


def test_exit_code_is_the_failing_commands() -> None:
    failing = [
        CommandResult("commands", 0, "-ignored", "exited", 4, 0.1, ignored=True),
        CommandResult("commands", 1, "pytest", "exited", 5, 0.1),
    ]
    assert exit_code(EnvResult("x", EnvStatus.FAILED, commands=failing)) == 5
    assert exit_code(EnvResult("x", EnvStatus.FAILED, "no interpreter")) == 1
    assert exit_code(EnvResult("x", EnvStatus.SKIPPED)) == 0
    assert exit_code(EnvResult("x", EnvStatus.IGNORED, commands=failing[1:])) == 5


def test_each_command_gets_its_own_output(tmp_path: Path) -> None:
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    (log_dir / "commands.log").write_bytes(b"first\nsecond \xff\n")
    commands = [
        CommandResult("commands", 0, "echo first", "exited", 0, 0.5, output=(0, 6), started=100.0),
        CommandResult("commands_post", 0, "! false 'a b'", "exited", 1, 0.25, output=(6, 15), started=101.0),
    ]
    result = EnvResult("x", EnvStatus.OK, log_dir=str(log_dir), commands=commands, duration=2.0)
    entry = env_journal(result, None)
    first, second = entry["test"]  # type: ignore[misc]
    assert (first["output"], first["run_id"], first["command"]) == ("first\n", "commands[0]", ["echo", "first"])
    assert (second["output"], second["run_id"]) == ("second \ufffd\n", "commands_post[0]")
    assert second["command"] == ["false", "a b"]
    assert (second["start"], second["end"], second["retcode"]) == (101.0, 101.25, 1)
    assert entry["result"] == {"success": True, "exit_code": 0, "duration": 2.0, "skipped": False}


def test_setup_commands_from_the_setup_log(tmp_path: Path) -> None:
    (tmp_path / "setup.log").write_text(
        "$ uv pip install pytest\nResolved 3 packages\n$ uv pip install 'x @ file:///x'\nboom\n"
    )
    failed = EnvResult("x", EnvStatus.FAILED, "setup failed", log_dir=str(tmp_path), installer_runs=2)
    steps = setup_commands(failed)
    assert [s["command"] for s in steps] == [
        ["uv", "pip", "install", "pytest"],
        ["uv", "pip", "install", "x @ file:///x"],
    ]
    assert [s["output"] for s in steps] == ["Resolved 3 packages\n", "boom\n"]
    assert [s["retcode"] for s in steps] == [0, 1]
    reused = EnvResult("x", EnvStatus.OK, log_dir=str(tmp_path), actions=("reused",))
    assert setup_commands(reused) == []  # setup.log is from an earlier run
