"""Which tool creates a virtualenv env, and how pip's seed joins the deps (no process is started)."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from orch.config.model import EnvConfig
from orch.envs import seed
from orch.envs.create import UV_VENV, VENV, VIRTUALENV, creator
from orch.envs.installer import Installer
from orch.envs.interpreter import Interpreter

_load = runpy.run_path(str(Path(__file__).parents[1] / "config" / "_project.py"))["load"]

PY311 = Interpreter("/py/bin/python3.11", "cpython", (3, 11, 7), 64, "x86_64")
PY38 = PY311._replace(path="/py/bin/python3.8", version=(3, 8, 18))


def env(tmp_path: Path, body: str = "") -> EnvConfig:
    config: EnvConfig = _load(tmp_path, f"[testenv:e]\n{body}").env("e")
    return config


def chosen(tmp_path: Path, body: str = "", python: Interpreter = PY311) -> str:
    config = env(tmp_path, body)
    return creator(python, Installer("e", config.installer, config.install_command), config)


@pytest.mark.parametrize(
    ("body", "python", "expected"),
    [
        ("", PY311, UV_VENV),  # the uv installer: uv venv, pip from virtualenv's wheels through uv
        ("seed_pip = false", PY311, UV_VENV),
        ("system_site_packages = true", PY311, UV_VENV),  # uv venv --system-site-packages
        ("download = true", PY311, UV_VENV),  # uv installs the newest pip from the index
        ("installer = pip", PY311, VIRTUALENV),  # virtualenv's seeder copies pip in, as in tox
        ("install_command = python -m pip install {packages}", PY311, VIRTUALENV),
        ("always_copy = true", PY311, VIRTUALENV),  # uv venv cannot copy the interpreter
        ("", PY311._replace(implementation="ironpython"), VIRTUALENV),  # uv does not know it
        ("", PY311._replace(implementation="pypy"), UV_VENV),
        ("", PY38, VENV),  # virtualenv embeds no pip for 3.8: ensurepip
        ("seed_pip = false", PY38, UV_VENV),
        ("installer = pip", PY38, VENV),
    ],
)
def test_creator(tmp_path: Path, body: str, python: Interpreter, expected: str) -> None:
    assert chosen(tmp_path, body, python) == expected


def test_embedded_wheels_without_importing_virtualenv() -> None:
    code = (
        "import sys; from orch.envs import seed; wheels = seed.embedded_wheels((3, 11, 7)); "
        "print([w.name.split('-')[0] for w in wheels], 'virtualenv' in sys.modules, seed.embedded_wheels((3, 8, 1)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['pip', 'setuptools'] False None"
    from virtualenv.seed.wheels import embed  # the same files as virtualenv's own table names

    for version in ((3, 9, 0), (3, 12, 1), (3, 13, 0)):
        key = f"{version[0]}.{version[1]}"
        wanted = tuple(Path(embed.BUNDLE_FOLDER) / embed.BUNDLE_SUPPORT[key][n] for n in seed.packages(version))
        assert seed.embedded_wheels(version) == wanted


@pytest.mark.parametrize(
    ("deps", "joins"),
    [
        (["pytest>=8", "six"], True),
        (["pytest[testing]>=8; python_version > '3.8'", "setuptools-scm", "pip-tools"], True),
        (["demo @ file:///tmp/demo-1.0-py3-none-any.whl"], True),
        (["Setuptools<60"], False),  # names a seed package: seeded on its own, then the deps
        (["pip==23.0"], False),
        (["-r requirements.txt"], False),  # a file could pin pip or setuptools unseen
        (["-c constraints.txt", "pytest"], False),
        (["./local/project"], False),
        (["git+https://example.org/x.git"], False),
        (["-e ."], False),
    ],
)
def test_seed_joins_plain_deps(deps: list[str], joins: bool) -> None:
    assert seed.joins(deps, (3, 11, 7)) is joins
