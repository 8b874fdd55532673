"""setup.cfg (``[tox:tox]``) and ``legacy_tox_ini`` in pyproject.toml, both read as tox.ini text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _project import load_file

from compat import COMPAT
from orch.config.ini import LegacyIniSource, SetupCfgSource
from orch.config.project import Config
from orch.errors import ConfigError

SETUP_CFG = """\
[metadata]
name = x

[flake8]
max-line-length = 99

[tox]
envlist = ignored

[tox:tox]
envlist = py311,lint

[testenv]
deps = pytest
commands = echo {[flake8]max-line-length} {[tox:tox]envlist}

[testenv:lint]
description = lint {[tox]envlist}
commands = flake8
"""


def load(root: Path, text: str, *, name: str) -> Config:
    """Write ``name`` into ``root`` and load the config discovery finds there."""
    (root / name).write_text(text, encoding="utf-8")
    return load_file(root)


def test_setup_cfg_core_and_envs(tmp_path: Path) -> None:
    config = load(tmp_path, SETUP_CFG, name="setup.cfg")
    assert isinstance(config.source, SetupCfgSource)
    assert config.names.default == ("py311", "lint")
    assert config.resolver.env("py311", "deps") == ("pytest",)
    assert [str(c) for c in config.env("lint").commands] == ["flake8"]


def test_setup_cfg_references_as_tox(tmp_path: Path) -> None:
    """``{[tox:tox]key}`` is the section's raw text, ``{[tox]key}`` the core setting (tox 4 alike)."""
    config = load(tmp_path, SETUP_CFG, name="setup.cfg")
    assert [str(c) for c in config.env("py311").commands] == ["echo 99 py311,lint"]
    assert config.resolver.env("lint", "description") == "lint py311 lint"


def test_setup_cfg_is_discovered_and_overridden(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(SETUP_CFG, encoding="utf-8")
    assert load_file(tmp_path).names.default == ("py311", "lint")
    assert load_file(tmp_path, overrides=["tox.envlist=a"]).names.default == ("a",)


def test_setup_cfg_error_has_its_line(tmp_path: Path) -> None:
    config = load(tmp_path, "[tox:tox]\nenvlist = a\n\n[testenv]\ncommands_retry = many\n", name="setup.cfg")
    with pytest.raises(ConfigError, match=r"^setup\.cfg:5: \[testenv:a\] commands_retry"):
        config.resolver.env("a", "commands_retry")


LEGACY = '''\
[project]
name = "x"

[tool.tox]
legacy_tox_ini = """
[tox]
env_list = py312, docs

[testenv]
commands_retry = many

[testenv:docs]
deps = sphinx
"""
'''


def test_legacy_tox_ini(tmp_path: Path) -> None:
    config = load(tmp_path, LEGACY, name="pyproject.toml")
    assert isinstance(config.source, LegacyIniSource)
    assert config.names.default == ("py312", "docs")
    assert config.resolver.env("docs", "deps") == ("sphinx",)
    assert config.source.root == tmp_path


def test_legacy_tox_ini_lines_are_pyproject_lines(tmp_path: Path) -> None:
    config = load(tmp_path, LEGACY, name="pyproject.toml")
    with pytest.raises(ConfigError, match=r"^pyproject\.toml:10: \[testenv:py312\] commands_retry"):
        config.resolver.env("py312", "commands_retry")


def test_legacy_tox_ini_on_the_key_line(tmp_path: Path) -> None:
    text = "[tool.tox]\nlegacy_tox_ini = '''[tox]\nenv_list = a\nnot a key line\n'''\n"
    with pytest.raises(ConfigError, match=r"^pyproject\.toml:4: cannot parse line"):
        load(tmp_path, text, name="pyproject.toml")


def test_legacy_tox_ini_must_be_a_string(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^pyproject\.toml:2: \[tool\.tox\] legacy_tox_ini must be a string"):
        load(tmp_path, "[tool.tox]\nlegacy_tox_ini = 3\n", name="pyproject.toml")


# ------------------------------------------------------------------------------ the shared corpus
def _corpus() -> list[str]:
    folder = COMPAT / "toxtoml"
    if not folder.is_dir():
        return []
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith("__setup.cfg"))
    names += sorted(
        p.name for p in folder.glob("*__pyproject.toml") if "legacy_tox_ini" in p.read_text(encoding="utf-8")
    )
    return names


@pytest.mark.skipif(not _corpus(), reason=f"compat corpus not found at {COMPAT} (set ORCH_COMPAT_DIR)")
@pytest.mark.parametrize("name", _corpus())
def test_corpus_env_lists_match_tox(tmp_path: Path, name: str) -> None:
    """Each real file alone in a folder under its real name: the env lists tox 4 printed."""
    real_name = name.rpartition("__")[2]
    shutil.copyfile(COMPAT / "toxtoml" / name, tmp_path / real_name)
    expected = json.loads((COMPAT / "toxtoml_expected" / f"{name.rsplit('.', 1)[0]}.json").read_text("utf-8"))
    names = load_file(tmp_path).names
    assert list(names.default) == expected["default_envs"]
    assert list(names.additional) == expected["additional_envs"]
