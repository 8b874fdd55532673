"""Warnings about keys nobody reads, with a hint for typos; tox's own keys and other tools' sections stay silent."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from _project import plugin_registries

from orch.config.ini import IniSource
from orch.config.validate import unknown_keys


def _warnings(tmp_path: Path, ini: str) -> list[str]:
    path = tmp_path / "tox.ini"
    path.write_text(textwrap.dedent(ini), encoding="utf-8")
    registry, _ = plugin_registries()
    return list(unknown_keys(IniSource.from_file(path), registry))


@pytest.mark.parametrize(
    ("ini", "expected"),
    [
        pytest.param(
            "[testenv]\ndepz = x\n",
            ["tox.ini:2: unknown key 'depz' in [testenv] (did you mean 'deps'?)"],
            id="typo-in-testenv",
        ),
        pytest.param(
            "[testenv:py38]\ncommandz = pytest\n",
            ["tox.ini:2: unknown key 'commandz' in [testenv:py38] (did you mean 'commands'?)"],
            id="typo-in-env-section",
        ),
        pytest.param(
            "[testenv:py38]\nbasepyton = python3\n",
            ["tox.ini:2: unknown key 'basepyton' in [testenv:py38] (did you mean 'base_python'?)"],
            id="typo-of-alias-names-the-key",
        ),
        pytest.param(
            "[tox]\nenvlsit = a\n",
            ["tox.ini:2: unknown key 'envlsit' in [tox] (did you mean 'env_list'?)"],
            id="typo-in-core",
        ),
        pytest.param(
            "[orch]\nenv_lst = a\n",
            ["tox.ini:2: unknown key 'env_lst' in [orch] (did you mean 'env_list'?)"],
            id="typo-in-orch-core",
        ),
        pytest.param(
            "[packagedef:p]\nbuilder = sdist\nmatchh = x\n",
            ["tox.ini:3: unknown key 'matchh' in [packagedef:p] (did you mean 'match'?)"],
            id="typo-in-packagedef",
        ),
        pytest.param("[tox]\ncolour = x\n", ["tox.ini:2: unknown key 'colour' in [tox]"], id="unknown-without-hint"),
        pytest.param(
            "[testenv]\ndepz = x\n[testenv:a]\nzzz = y\n",
            [
                "tox.ini:2: unknown key 'depz' in [testenv] (did you mean 'deps'?)",
                "tox.ini:4: unknown key 'zzz' in [testenv:a]",
            ],
            id="one-line-each-in-file-order",
        ),
        pytest.param(
            "[testenv]\ndeps = x\nbasepython = y\nsetenv = A=1\nwhitelist_externals = make\n",
            [],
            id="known-keys-and-aliases",
        ),
        pytest.param("[testenv]\nwheel_build_env = .pkg\n", [], id="tox-wheel-build-env"),
        pytest.param("[testenv]\nrunner = virtualenv\n", [], id="tox-runner"),
        pytest.param("[testenv]\npackage_env = .pkg\nconstrain_package_deps = true\n", [], id="tox-package-keys"),
        pytest.param("[testenv:a]\nbase = testenv\n", [], id="tox-base"),
        pytest.param("[tox]\nrequires = tox>4\nisolated_build_env = .pkg\n", [], id="tox-core-keys"),
        pytest.param("[flake8]\nmax-line-length = 100\n", [], id="flake8-not-checked"),
        pytest.param("[pytest]\ndepz = 1\n", [], id="other-tool-not-checked"),
        pytest.param("[testenvx]\ndepz = 1\n", [], id="lookalike-section-not-checked"),
    ],
)
def test_unknown_keys(tmp_path: Path, ini: str, expected: list[str]) -> None:
    assert _warnings(tmp_path, ini) == expected
