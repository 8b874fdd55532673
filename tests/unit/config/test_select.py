"""Choosing envs: -e, -m, -f, --skip-env and the ORCH_ENV/TOXENV variables.

Orders and results were checked against ``tox list``/``tox config`` (tox 4.67) with the same
options on the same file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from _project import load

from orch.config.project import Config
from orch.config.select import Selection, select
from orch.errors import UsageError

INI = """
    [tox]
    env_list = py3{11,12}-{django,flask}, lint
    labels =
        ci = lint, py311-django
    [testenv]
    skip_install = true
    [testenv:lint]
    labels = fast, style
    [testenv:docs]
    labels = fast
    [testenv:type]
"""
DEFAULT = ["py311-django", "py311-flask", "py312-django", "py312-flask", "lint"]
ALL = [*DEFAULT, "docs", "type"]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load(tmp_path, INI)


def _select(
    config: Config,
    envs: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    factors: Sequence[Sequence[str]] | None = None,
    skip_env: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    return select(config, Selection.from_args(envs, labels, factors, skip_env, environ or {}))


@pytest.mark.parametrize(
    ("envs", "expected"),
    [
        pytest.param(["lint,docs"], ["lint", "docs"], id="comma-list"),
        pytest.param(["lint, docs"], ["lint", "docs"], id="comma-list-spaces"),
        pytest.param(["docs", "lint"], ["docs", "lint"], id="repeated-option-in-given-order"),
        pytest.param(["lint,lint"], ["lint"], id="repeat-once"),
        pytest.param(["py3{11,12}-django"], ["py311-django", "py312-django"], id="generative"),
        pytest.param(["py3{11,12}-django,lint"], ["py311-django", "py312-django", "lint"], id="generative-and-plain"),
        pytest.param(["ALL"], ALL, id="all"),
        pytest.param(["lint,ALL"], ALL, id="all-among-others"),
        pytest.param(["py313"], ["py313"], id="python-factor-not-defined"),
        pytest.param(["py313-django"], ["py313-django"], id="python-factor-with-known-factor"),
        pytest.param(["3.13-lint"], ["3.13-lint"], id="dotted-python-factor"),
        pytest.param(["django-flask"], ["django-flask"], id="known-factors-combined"),
        pytest.param(["type"], ["type"], id="additional-env"),
    ],
)
def test_envs(config: Config, envs: list[str], expected: list[str]) -> None:
    assert _select(config, envs=envs) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        pytest.param(["ci"], ["py311-django", "lint"], id="core-label-in-config-order"),
        pytest.param(["fast"], ["lint", "docs"], id="env-labels"),
        pytest.param(["style"], ["lint"], id="second-env-label"),
        pytest.param(["ci", "fast"], ["py311-django", "lint", "docs"], id="several-labels-or"),
    ],
)
def test_labels(config: Config, labels: list[str], expected: list[str]) -> None:
    assert _select(config, labels=labels) == expected


@pytest.mark.parametrize(
    ("factors", "expected"),
    [
        pytest.param([["py311"]], ["py311-django", "py311-flask"], id="one-factor"),
        pytest.param([["py311", "django"]], ["py311-django"], id="and-within-group"),
        pytest.param([["django", "py311"]], ["py311-django"], id="and-any-order"),
        pytest.param([["py311"], ["lint"]], ["py311-django", "py311-flask", "lint"], id="or-across-groups"),
        pytest.param([["lint"], ["py311"]], ["py311-django", "py311-flask", "lint"], id="or-in-config-order"),
        pytest.param([["flask"], ["py312", "django"]], ["py311-flask", "py312-django", "py312-flask"], id="mixed"),
        pytest.param([["docs"]], ["docs"], id="additional-env"),
    ],
)
def test_factors(config: Config, factors: list[list[str]], expected: list[str]) -> None:
    assert _select(config, factors=factors) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"skip_env": "py3"}, ["lint"], id="skip-defaults"),
        pytest.param({"skip_env": ".*django"}, ["py311-flask", "py312-flask", "lint"], id="regex"),
        pytest.param({"skip_env": "django"}, DEFAULT, id="matched-at-start-only"),
        pytest.param({"envs": ["ALL"], "skip_env": "py|docs"}, ["lint", "type"], id="skip-from-all"),
        pytest.param({"labels": ["fast"], "skip_env": "lint"}, ["docs"], id="skip-from-label"),
        pytest.param({"envs": ["docs"], "skip_env": "docs"}, [], id="skip-explicit-env"),
        pytest.param({"environ": {"ORCH_SKIP_ENV": "py"}}, ["lint"], id="orch-skip-env-variable"),
        pytest.param({"environ": {"TOX_SKIP_ENV": "lint"}}, DEFAULT[:-1], id="tox-skip-env-variable"),
        pytest.param({"skip_env": "lint", "environ": {"ORCH_SKIP_ENV": "py"}}, DEFAULT[:-1], id="option-over-variable"),
    ],
)
def test_skip_env(config: Config, kwargs: dict[str, object], expected: list[str]) -> None:
    assert _select(config, **kwargs) == expected


@pytest.mark.parametrize(
    ("envs", "environ", "expected"),
    [
        pytest.param(None, {"ORCH_ENV": "docs,lint"}, ["docs", "lint"], id="orch-env"),
        pytest.param(None, {"TOXENV": "type"}, ["type"], id="toxenv"),
        pytest.param(None, {"TOXENV": "py3{11,12}-flask"}, ["py311-flask", "py312-flask"], id="toxenv-generative"),
        pytest.param(None, {"TOXENV": "type", "ORCH_ENV": "docs"}, ["docs"], id="orch-env-over-toxenv"),
        pytest.param(["lint"], {"TOXENV": "type", "ORCH_ENV": "docs"}, ["lint"], id="option-over-variables"),
        pytest.param(None, {"TOXENV": "ALL"}, ALL, id="toxenv-all"),
        pytest.param(None, {"ORCH_ENV": ""}, DEFAULT, id="empty-variable-ignored"),
    ],
)
def test_env_variables(config: Config, envs: list[str] | None, environ: dict[str, str], expected: list[str]) -> None:
    assert _select(config, envs=envs, environ=environ) == expected


@pytest.mark.parametrize(
    ("include_all", "expected"),
    [
        pytest.param(False, DEFAULT, id="defaults"),
        pytest.param(True, ALL, id="list-all"),
    ],
)
def test_nothing_asked(config: Config, include_all: bool, expected: list[str]) -> None:
    assert select(config, Selection(include_all=include_all)) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"envs": ["lnt"]}, "unknown env 'lnt' (did you mean 'lint'?)", id="typo"),
        pytest.param(
            {"envs": ["py311-djang"]}, "unknown env 'py311-djang' (did you mean 'py311-django'?)", id="typo-factor"
        ),
        pytest.param({"envs": ["lint,zzzzzz"]}, "unknown env 'zzzzzz';", id="no-close-match"),
        pytest.param({"envs": ["py311-nope"]}, "unknown env 'py311-nope'", id="python-factor-with-unknown-factor"),
        pytest.param({"environ": {"TOXENV": "lnt"}}, "unknown env 'lnt' (did you mean 'lint'?)", id="typo-in-variable"),
        pytest.param({"labels": ["nope"]}, "no env has label 'nope' (labels: ci, fast, style)", id="unknown-label"),
        pytest.param({"factors": [["nope"]]}, "the selection matches no env", id="unknown-factor"),
        pytest.param({"skip_env": "(("}, "--skip-env '((' is not a regular expression", id="bad-regex"),
    ],
)
def test_usage_errors(config: Config, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        _select(config, **kwargs)
    assert message in str(caught.value)


def test_unknown_env_names_the_list_command(config: Config) -> None:
    with pytest.raises(UsageError, match=r"`orch list --all` shows the envs tox.ini defines"):
        _select(config, envs=["lnt"])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param((["a,b"], None, None, None, {}), Selection(envs=("a", "b")), id="envs"),
        pytest.param((None, ["x", "y"], None, None, {}), Selection(labels=("x", "y")), id="labels"),
        pytest.param(
            (None, None, [["a", "b"], ["c"]], None, {}), Selection(factors=(("a", "b"), ("c",))), id="factors"
        ),
        pytest.param((None, None, None, None, {"TOXENV": "a"}), Selection(envs=("a",)), id="toxenv"),
        pytest.param((None, None, None, None, {}), Selection(), id="nothing"),
        pytest.param((None, None, None, "x", {}), Selection(skip_env="x"), id="skip"),
    ],
)
def test_selection_from_args(args: tuple[object, ...], expected: Selection) -> None:
    assert Selection.from_args(*args) == expected
