"""A project configured by a tox.toml, run for real: tox's native schema from list to commands.

The sample project (``tests/packages/toxtoml_proj``) builds a wheel with setuptools and runs its
commands in a real virtualenv, under a folder whose parent holds a tox.ini that must not be read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orch_project import MakeProject, Project

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
NEWEST = next((m for m in ("3.12", "3.13", "3.11", "3.10") if any(PYENV.glob(f"{m}.*/bin/python{m}"))), None)
PY = f"py{NEWEST.replace('.', '')}" if NEWEST else "py3"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(NEWEST is None, reason="no CPython 3.10+ under ~/.pyenv/versions"),
]


@pytest.fixture
def proj(project: MakeProject, tmp_path: Path) -> Project:
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = parent\n")  # a parent's config: never read
    made = project(sample="toxtoml_proj", at="proj", unset=("GREETING",))
    toml = made.path / "tox.toml"
    toml.write_text(toml.read_text().replace('"PY"', f'"{PY}"'))
    return made


def test_list_reads_the_tox_toml_not_the_parents_tox_ini(proj: Project) -> None:
    result = proj.run("list", "--all", "--json")
    assert result.code == 0, result.err
    rows = {row["name"]: row for row in json.loads(result.out)}
    assert list(rows) == [f"{PY}-a", f"{PY}-b", "lint", "extra-one", "extra-two"]
    assert [name for name, row in rows.items() if row["default"]] == [f"{PY}-a", f"{PY}-b"]
    assert rows[f"{PY}-b"]["description"] == f"run {PY}-b"
    assert result.err == ""  # tox's own schema: no deprecation warning


def test_run_builds_installs_and_runs_the_replacements(proj: Project) -> None:
    result = proj.run("run", "-e", f"{PY}-a,{PY}-b", "--", "x", "y z")
    assert result.code == 0, result.out + result.err
    assert f"hello from toxtoml_proj {PY}-a ['x', 'y z']" in result.out
    assert f"hello from toxtoml_proj {PY}-b ['x', 'y z']" in result.out
    assert result.out.splitlines().count("only in b") == 1  # the `if` on factor b, for the b env only


def test_defaults_of_posargs_and_env_replacements(proj: Project) -> None:
    result = proj.run("run", "-e", f"{PY}-a", env={"GREETING_FROM": "the caller"})
    assert result.code == 0, result.out + result.err
    assert "hello from toxtoml_proj the caller ['no-args']" in result.out


def test_env_base_factors_generate_envs(proj: Project) -> None:
    result = proj.run("run", "-e", "extra-two,lint")
    assert result.code == 0, result.out + result.err
    assert "extra extra-two" in result.out
    assert "\nlint\n" in result.out
