"""What a conda env is made of: channels in order, conda specs, pip deps (no engine runs here)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from orch.config.load import load_config
from orch.config.model import EnvConfig
from orch.envs.api import EnvSetupError
from orch.envs.conda import plan, project_channel, read_environment_yml
from orch.plugin.manager import load_plugins


def env(root: Path, ini: str, name: str = "py312-conda") -> EnvConfig:
    (root / "tox.ini").write_text(textwrap.dedent(ini), encoding="utf-8")
    plugins = load_plugins(entry_points=False)
    config = load_config(
        registry=plugins.settings,
        type_factors=plugins.env_types.type_factors(),
        builders=plugins.builders.names(),
        cwd=root,
        environ={"PATH": "/usr/bin", "HOME": "/home/user"},
        is_tty=lambda: False,
    )
    return config.env(name)


def test_defaults(tmp_path: Path) -> None:
    config = env(tmp_path, "[testenv]\ndeps = pytest\n")
    assert config.env_type == "conda"
    assert (config.conda_channels, config.conda_deps, config.conda_env, config.conda_exe) == (
        ("conda-forge",),
        (),
        "",
        "",
    )
    made = plan(config, (3, 12), tmp_path)
    assert made.channels == made.configured == ("conda-forge",)
    assert made.conda_specs == ("python 3.12.*",)
    assert made.pip_deps == ("pytest",)


def test_environment_yml_then_settings(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    (tmp_path / "environment.yml").write_text(
        textwrap.dedent("""
        name: ignored
        channels: [bioconda, conda-forge]
        dependencies:
          - numpy >=1.26,<2
          - pip:
              - rich
        """)
    )
    config = env(
        tmp_path,
        """
        [testenv]
        conda_env = environment.yml
        conda_channels = file:///srv/channel, conda-forge
        conda_deps =
            scipy >=1.11,<2
        deps = pytest
        installer = pip
        """,
    )
    made = plan(config, (3, 12), tmp_path)
    assert made.configured == ("file:///srv/channel", "conda-forge", "bioconda")
    assert made.conda_specs == ("python 3.12.*", "numpy >=1.26,<2", "scipy >=1.11,<2", "pip")
    assert made.pip_deps == ("rich", "pytest")
    assert len(made.env_file_hash) == 64


def test_the_project_channel_comes_first_once_it_exists(tmp_path: Path) -> None:
    config = env(tmp_path, "[testenv]\n")
    local = project_channel(config.env_dir.parent)
    (local / "noarch").mkdir(parents=True)
    (local / "noarch" / "repodata.json").write_text("{}")
    made = plan(config, (3, 12), tmp_path)
    assert made.channels == (local.as_uri(), "conda-forge")
    assert made.configured == ("conda-forge",)  # the record does not change when it appears


def test_a_bad_environment_yml_is_a_setup_error(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    (tmp_path / "env.yml").write_text("- just\n- a list\n")
    with pytest.raises(EnvSetupError, match="not a mapping"):
        read_environment_yml(tmp_path / "env.yml")
    with pytest.raises(EnvSetupError, match="cannot read conda_env"):
        read_environment_yml(tmp_path / "missing.yml")
