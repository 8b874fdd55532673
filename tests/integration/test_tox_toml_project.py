"""A project configured by a tox.toml, run for real: tox's native schema from list to commands.

The sample project (``tests/packages/toxtoml_proj``) builds a wheel with setuptools and runs its
commands in a real virtualenv, under a folder whose parent holds a tox.ini that must not be read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
NEWEST = next((m for m in ("3.12", "3.13", "3.11", "3.10") if any(PYENV.glob(f"{m}.*/bin/python{m}"))), None)
PY = f"py{NEWEST.replace('.', '')}" if NEWEST else "py3"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(NEWEST is None, reason="no CPython 3.10+ under ~/.pyenv/versions"),
]


@pytest.fixture
def orch(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = parent\n")  # a parent's config: never read
    root = tmp_path / "proj"
    shutil.copytree(PACKAGES / "toxtoml_proj", root)
    toml = root / "tox.toml"
    toml.write_text(toml.read_text().replace('"PY"', f'"{PY}"'))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "GITHUB_", "GREETING"))}
    env["ORCH_CACHE_DIR"] = str(tmp_path_factory.mktemp("orch-cache"))

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orch", *args], cwd=root, env={**env, **extra}, capture_output=True, text=True
        )

    return run


def test_list_reads_the_tox_toml_not_the_parents_tox_ini(orch) -> None:  # type: ignore[no-untyped-def]
    result = orch("list", "--all", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert list(rows) == [f"{PY}-a", f"{PY}-b", "lint", "extra-one", "extra-two"]
    assert [name for name, row in rows.items() if row["default"]] == [f"{PY}-a", f"{PY}-b"]
    assert rows[f"{PY}-b"]["description"] == f"run {PY}-b"
    assert result.stderr == ""  # tox's own schema: no deprecation warning


def test_run_builds_installs_and_runs_the_replacements(orch) -> None:  # type: ignore[no-untyped-def]
    result = orch("run", "-e", f"{PY}-a,{PY}-b", "--", "x", "y z")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"hello from toxtoml_proj {PY}-a ['x', 'y z']" in result.stdout
    assert f"hello from toxtoml_proj {PY}-b ['x', 'y z']" in result.stdout
    assert result.stdout.splitlines().count("only in b") == 1  # the `if` on factor b, for the b env only


def test_defaults_of_posargs_and_env_replacements(orch) -> None:  # type: ignore[no-untyped-def]
    result = orch("run", "-e", f"{PY}-a", GREETING_FROM="the caller")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hello from toxtoml_proj the caller ['no-args']" in result.stdout


def test_env_base_factors_generate_envs(orch) -> None:  # type: ignore[no-untyped-def]
    result = orch("run", "-e", "extra-two,lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "extra extra-two" in result.stdout
    assert "\nlint\n" in result.stdout
