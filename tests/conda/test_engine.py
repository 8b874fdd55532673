"""The conda engines: which one an env gets, the CLI engine's argv, and real solves through both
engines against the local test channel (the CLI engine through a py-rattler shim on PATH, and a
real micromamba, mamba or conda when one is installed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shim import install_shim

from conda_channel import LocalChannel
from orch.envs import conda_engine
from orch.envs.conda_engine import CliEngine, EngineError, RattlerEngine, select_engine


def test_cli_argv_is_the_same_for_every_tool() -> None:
    engine = CliEngine("/opt/bin/micromamba")
    argv = engine.argv("create", Path("/p"), ["file:///ch", "conda-forge"], ["python 3.12.*", "pytest"])
    assert argv == [
        "/opt/bin/micromamba",
        "create",
        "--yes",
        "--prefix",
        "/p",
        "--override-channels",
        "-c",
        "file:///ch",
        "-c",
        "conda-forge",
        "python 3.12.*",
        "pytest",
    ]
    assert engine.name == "micromamba"


def test_orch_conda_exe_wins_over_the_setting(tmp_path: Path) -> None:
    first, second = install_shim(tmp_path / "a", "mamba"), install_shim(tmp_path / "b", "conda")
    engine = select_engine(str(second), {"ORCH_CONDA_EXE": str(first), "PATH": ""})
    assert isinstance(engine, CliEngine) and engine.exe == str(first)
    engine = select_engine(str(second), {"PATH": ""})
    assert isinstance(engine, CliEngine) and engine.exe == str(second)


def test_a_name_is_looked_up_on_path(tmp_path: Path) -> None:
    exe = install_shim(tmp_path, "micromamba")
    engine = select_engine("micromamba", {"PATH": str(tmp_path)})
    assert isinstance(engine, CliEngine) and engine.exe == str(exe)


def test_missing_executable_is_an_error() -> None:
    with pytest.raises(EngineError, match="conda_exe = /nope/conda: no such executable"):
        select_engine("/nope/conda", {"PATH": ""})
    with pytest.raises(EngineError, match="ORCH_CONDA_EXE = nope: no such executable"):
        select_engine("", {"ORCH_CONDA_EXE": "nope", "PATH": ""})


def test_embedded_first_then_path_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_shim(tmp_path, "conda")
    install_shim(tmp_path, "mamba")
    monkeypatch.setattr(conda_engine, "embedded_available", lambda: True)
    assert isinstance(select_engine("", {"PATH": str(tmp_path)}), RattlerEngine)
    assert isinstance(select_engine("rattler", {"PATH": ""}), RattlerEngine)
    monkeypatch.setattr(conda_engine, "embedded_available", lambda: False)
    engine = select_engine("", {"PATH": str(tmp_path)})
    assert isinstance(engine, CliEngine) and engine.tool == "mamba"
    with pytest.raises(EngineError, match="no conda engine"):
        select_engine("", {"PATH": str(tmp_path / "empty")})
    with pytest.raises(EngineError, match="py-rattler is not installed"):
        select_engine("rattler", {"PATH": ""})


def test_worker_answers_a_bad_request_without_crashing(tmp_path: Path) -> None:
    (tmp_path / "request.json").write_text("[1]")
    done = subprocess.run(
        [sys.executable, "-m", "orch.envs.rattler_worker", str(tmp_path / "request.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer == {"ok": False, "error": "bad request: the request is not a JSON object"}


def test_worker_crash_fails_the_operation_not_orch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "crashing_worker.py").write_text("import os\nos.abort()\n")
    monkeypatch.setattr(conda_engine, "WORKER", "crashing_worker")
    environ = {**os.environ, "PYTHONPATH": str(tmp_path)}
    with pytest.raises(EngineError, match=r"worker ended without a result \(exit 134\)"):
        RattlerEngine().index(tmp_path / "channel", log=tmp_path / "log", environ=environ)


@pytest.mark.integration
@pytest.mark.conda
def test_embedded_engine_creates_installs_and_activates(local_channel: LocalChannel, tmp_path: Path) -> None:
    engine, prefix, log = RattlerEngine(tmp_path / "cache"), tmp_path / "env", tmp_path / "setup.log"
    environ = {**os.environ, "ORCH_CACHE_DIR": str(tmp_path / "cache")}
    engine.create(prefix, [local_channel.url], ["python 3.12.*"], log=log, environ=environ)
    assert not (prefix / "bin" / "pytest").exists()
    engine.install(prefix, [local_channel.url], ["pytest"], log=log, environ=environ)
    done = subprocess.run([str(prefix / "bin" / "pytest"), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("pytest 9") or done.stderr.startswith("pytest 9")
    assert (prefix / "bin" / "python3.12").exists()  # the install kept python
    activation = engine.activation(prefix, log=log, environ=environ)
    assert activation["CONDA_PREFIX"] == str(prefix)
    assert activation["PATH"].split(os.pathsep)[0] == str(prefix / "bin")


@pytest.mark.integration
@pytest.mark.conda
def test_embedded_engine_reports_a_failed_solve(local_channel: LocalChannel, tmp_path: Path) -> None:
    with pytest.raises(EngineError, match=r"creating the conda env with py-rattler failed: .*no-such-package"):
        RattlerEngine().create(
            tmp_path / "env", [local_channel.url], ["no-such-package"], log=tmp_path / "log", environ=dict(os.environ)
        )


@pytest.mark.integration
@pytest.mark.conda
def test_cli_engine_through_a_shim_on_path(local_channel: LocalChannel, tmp_path: Path) -> None:
    install_shim(tmp_path / "bin", "micromamba")
    environ = {**os.environ, "PATH": os.pathsep.join((str(tmp_path / "bin"), os.environ["PATH"]))}
    engine = CliEngine(shutil.which("micromamba", path=environ["PATH"]) or "")
    prefix, log = tmp_path / "env", tmp_path / "setup.log"
    engine.create(prefix, [local_channel.url], ["python 3.8.*", "pytest"], log=log, environ=environ)
    assert "--override-channels" in log.read_text()
    activation = engine.activation(prefix, log=log, environ=environ)
    assert activation["CONDA_PREFIX"] == str(prefix)
    assert activation["PATH"].startswith(str(prefix / "bin"))
    with pytest.raises(EngineError, match=r"installing nothing-like-this with micromamba failed \(exit 1\), see"):
        engine.install(prefix, [local_channel.url], ["nothing-like-this"], log=log, environ=environ)


REAL = next((tool for tool in ("micromamba", "mamba", "conda") if shutil.which(tool)), None)


@pytest.mark.integration
@pytest.mark.conda
@pytest.mark.skipif(REAL is None, reason="no micromamba, mamba or conda installed")
def test_cli_engine_with_a_real_tool(local_channel: LocalChannel, tmp_path: Path) -> None:
    engine = CliEngine(shutil.which(REAL or "") or "")
    prefix, log = tmp_path / "env", tmp_path / "setup.log"
    environ = dict(os.environ)
    engine.create(prefix, [local_channel.url], ["python 3.12.*", "pytest"], log=log, environ=environ)
    assert engine.activation(prefix, log=log, environ=environ)["CONDA_PREFIX"] == str(prefix)
