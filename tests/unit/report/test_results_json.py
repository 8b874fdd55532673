"""``--result-json``: the document's keys, the env settings, log paths, provenance, atomic writes."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from orch import __version__
from orch.config.load import load_config
from orch.config.model import EnvConfig
from orch.plugin.manager import load_plugins
from orch.report.results_json import FORMAT, output_logs, result_document, write_result_json
from orch.schedule.results import CommandResult, EnvResult, EnvStatus

TOX_INI = """
[tox]
env_list = py312, lint

[testenv]
deps = pytest
commands = pytest {posargs:tests}

[testenv:lint]
skip_install = true
commands = ruff check .
"""


def configs(root: Path) -> dict[str, EnvConfig]:
    (root / "tox.ini").write_text(textwrap.dedent(TOX_INI), encoding="utf-8")
    plugins = load_plugins(entry_points=False)
    config = load_config(
        registry=plugins.settings,
        type_factors=plugins.env_types.type_factors(),
        builders=plugins.builders.names(),
        cwd=root,
        config_file=None,
        environ={"PATH": "/usr/bin:/bin", "HOME": str(root / "home")},
        posargs=None,
        overrides=(),
        is_tty=lambda: False,
    )
    return {name: config.env(name) for name in ("py312", "lint")}


def results(root: Path) -> list[EnvResult]:
    log_dir = root / ".tox" / "py312" / "log"
    log_dir.mkdir(parents=True)
    (log_dir / "commands.log").write_text("1 failed\n", encoding="utf-8")
    (log_dir / "setup.log").write_text("pip install pytest\n", encoding="utf-8")
    failed = EnvResult(
        "py312",
        EnvStatus.FAILED,
        "commands[0] exit 1",
        duration=3.25,
        started=1_700_000_000.0,
        ended=1_700_000_003.25,
        interpreter="CPython 3.12.1 (/usr/bin/python3.12)",
        actions=("created", "installed deps"),
        installer_runs=2,
        log_dir=str(log_dir),
        package={"name": "demo", "version": "1.0", "artifact": "demo-1.0-py3-none-any.whl", "sha256": "ab"},
        commands=[CommandResult("commands", 0, "pytest tests", "exited", 1, 2.0)],
    )
    skipped = EnvResult("lint", EnvStatus.SKIPPED, "no interpreter for python3.7", log_dir=str(root / "none"))
    return [failed, skipped]


def test_document(tmp_path: Path) -> None:
    data: Any = result_document(
        results(tmp_path), configs=configs(tmp_path), started=1_700_000_000.0, duration=4.5, exit_code=1
    )
    assert data["format"] == FORMAT
    assert data["orch"] == __version__
    assert data["exit_code"] == 1
    assert data["duration"] == 4.5
    assert data["started_epoch"] == 1_700_000_000.0
    assert str(data["started"]).startswith("2023-11-")
    assert data["orch_platform"]["system"] == sys.platform
    assert data["platform"] == sys.platform  # tox's key, tox's type
    envs = data["envs"]
    assert isinstance(envs, dict)
    assert list(envs) == ["py312", "lint"]
    py312 = envs["py312"]
    assert py312["status"] == "failed"
    assert py312["message"] == "commands[0] exit 1"
    assert py312["interpreter"] == "CPython 3.12.1 (/usr/bin/python3.12)"
    assert (py312["duration"], py312["commands_duration"], py312["setup_duration"]) == (3.25, 2.0, 1.25)
    assert py312["commands"] == [
        {
            "phase": "commands",
            "index": 0,
            "command": "pytest tests",
            "status": "exited",
            "exit_code": 1,
            "duration": 2.0,
            "ignored": False,
            "attempts": 1,
        }
    ]
    log_dir = tmp_path / ".tox" / "py312" / "log"
    assert py312["logs"] == {
        "dir": str(log_dir),
        "commands": str(log_dir / "commands.log"),
        "setup": str(log_dir / "setup.log"),
    }
    assert py312["package"]["sha256"] == "ab"
    settings = py312["settings"]
    assert settings["env_type"] == "virtualenv"
    assert settings["deps"] == ["pytest"]
    assert settings["commands"] == ["pytest tests"]
    assert settings["skip_install"] is False
    lint = envs["lint"]
    assert lint["status"] == "skipped"
    assert lint["settings"]["commands"] == ["ruff check ."]
    assert lint["logs"] == {"dir": str(tmp_path / "none"), "commands": None, "setup": None}
    assert lint["package"] is None


def test_env_without_config_has_empty_settings(tmp_path: Path) -> None:
    data: Any = result_document([EnvResult("other")], configs={}, started=0.0, duration=0.0, exit_code=0)
    assert data["envs"]["other"]["settings"] == {}


def test_write_is_json_and_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out" / "result.json"
    written = write_result_json(
        target, results(tmp_path), configs=configs(tmp_path), started=1_700_000_000.0, duration=4.5, exit_code=1
    )
    assert written == target
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["envs"]["py312"]["settings"]["base_python"] == ["py312"]
    assert os.listdir(target.parent) == ["result.json"]  # no temporary file left behind


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "result.json"
    target.write_text("old", encoding="utf-8")

    def failing_replace(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)  # the new file is written, then cannot take the old's place
    with pytest.raises(OSError, match="disk full"):
        write_result_json(target, [EnvResult("py")], configs={}, started=0.0, duration=0.0, exit_code=1)
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["result.json"]  # the temporary file is gone


def test_output_logs(tmp_path: Path) -> None:
    (tmp_path / "commands.log").write_text("stale", encoding="utf-8")
    (tmp_path / "setup.log").write_text("setup", encoding="utf-8")
    setup_failed = EnvResult("py", EnvStatus.FAILED, log_dir=str(tmp_path))
    assert output_logs(setup_failed) == [tmp_path / "setup.log"]  # the commands.log is from an earlier run
    command_failed = EnvResult(
        "py", EnvStatus.FAILED, log_dir=str(tmp_path), commands=[CommandResult("commands", 0, "x", "exited", 1, 0.1)]
    )
    assert output_logs(command_failed) == [tmp_path / "commands.log"]
    assert output_logs(EnvResult("py")) == []


def test_start_and_duration_from_the_envs() -> None:
    envs = [EnvResult("a", started=100.0, ended=103.0), EnvResult("b", started=101.0, ended=105.5)]
    data: Any = result_document(envs, configs={}, exit_code=0)
    assert (data["started_epoch"], data["duration"]) == (100.0, 5.5)
