"""The project facade: env names in tox's order, labels, packagedefs and the build plan.

The env name orders were checked against ``tox list`` (tox 4.67) on the same files; tox also lists
the hidden ``.pkg``-style envs, which orch leaves out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _project import load

from orch.errors import ConfigError

PYPROJECT = {"pyproject.toml": "[project]\nname = 'demo'\nversion = '1'\n"}


@pytest.mark.parametrize(
    ("ini", "default", "additional"),
    [
        pytest.param(
            """
            [tox]
            env_list = py3{9,10}, lint
            labels =
                ci = docs, py311
            [testenv]
            deps =
                cov: coverage
                py39: old
                extra-x: weird
                !nope: neg
            [testenv:lint]
            [testenv:{docs,build}-{a,b}]
            [testenv:docs]
            [testenv:.pkg]
            [testenv:.hidden]
            """,
            ("py39", "py310", "lint"),
            ("docs-a", "docs-b", "build-a", "build-b", "docs", "cov", "extra-x", "nope", "py311"),
            id="env-list-sections-conditions-labels",
        ),
        pytest.param("[tox]\n", ("py",), (), id="empty-env-list-defaults-to-py"),
        pytest.param("[testenv:a]\n", ("py",), ("a",), id="no-core-section"),
        pytest.param("[tox]\nenv_list = a, b\n  a\n", ("a", "b"), (), id="env-list-repeats-dropped"),
        pytest.param("[orch]\nenv_list = x\n", ("x",), (), id="orch-core-section"),
        pytest.param(
            "[tox]\nenv_list = a\n[testenv:a]\n[testenv:b]\n[testenv:a-c]\n", ("a",), ("b", "a-c"), id="sections"
        ),
        pytest.param(
            "[tox]\nenv_list = a\nlabels =\n  ci = new, a\n[testenv:sec]\n",
            ("a",),
            ("sec", "new"),
            id="label-members-last",
        ),
        pytest.param(
            "[tox]\nenv_list = py38\n[testenv:x]\ndeps =\n  special: y\n[testenv]\ndeps =\n  early: z\n",
            ("py38",),
            ("x", "special", "early"),
            id="conditions-in-file-order",
        ),
        pytest.param(
            "[tox]\nenv_list = py38\n[testenv]\ndeps =\n  py38-cov: c\n  py38: d\n[testenv:py38-{a,b}]\n",
            ("py38",),
            ("py38-a", "py38-b", "py38-cov"),
            id="condition-with-a-new-factor",
        ),
        pytest.param(
            "[tox]\nenv_list = py38, lint\n[testenv]\ndeps =\n  lint-py38: both-known\n",
            ("py38", "lint"),
            (),
            id="condition-of-known-factors-only",
        ),
        pytest.param(
            "[tox]\nenv_list = py3{8,9}\nlabels =\n  l = py3{10,11}\n[testenv:.pkg]\n[testenv:{lint,type}]\n",
            ("py38", "py39"),
            ("lint", "type", "py310", "py311"),
            id="generative-labels-and-hidden-env",
        ),
    ],
)
def test_names(tmp_path: Path, ini: str, default: tuple[str, ...], additional: tuple[str, ...]) -> None:
    names = load(tmp_path, ini).names
    assert (names.default, names.additional) == (default, additional)
    assert names.all == default + additional


LABELS_INI = """
    [tox]
    env_list = a, b
    labels =
        ci = b, a
        docs = d
    [testenv]
    labels =
        b: bee
    [testenv:c]
    labels = ci, fast
    [testenv:a]
    labels = fast
"""


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        pytest.param("ci", {"a", "b", "c"}, id="core-and-env-labels"),
        pytest.param("fast", {"a", "c"}, id="env-labels-only"),
        pytest.param("docs", {"d"}, id="core-label-of-undefined-env"),
        pytest.param("bee", {"b"}, id="conditional-label"),
        pytest.param("nope", set(), id="unknown-label"),
    ],
)
def test_labels_of(tmp_path: Path, label: str, expected: set[str]) -> None:
    members = load(tmp_path, LABELS_INI).labels_of(label)
    assert set(members) == expected
    assert len(members) == len(expected)


PACKAGEDEF_INI = """
    [tox]
    env_list = py38-conda, py39-conda, py38-venv, py37-venv, py39-venv, lint, docs, typed, dev
    [testenv:docs]
    package = wheelpkg
    [testenv:lint]
    package = wheel
    [testenv:typed]
    package = condapkg
    [testenv:dev]
    use_develop = true
    [testenv:dev-conda]
    use_develop = true
    [packagedef:condapkg]
    builder = conda
    match = *-conda
    [packagedef:venvpkg]
    builder = sdist
    match = {py37,py38}-venv
    [packagedef:wheelpkg]
    builder = wheel
    per_python = true
"""


@pytest.mark.parametrize(
    ("env", "package", "packagedef"),
    [
        pytest.param("py38-conda", "conda", "condapkg", id="glob-match"),
        pytest.param("py39-conda", "conda", "condapkg", id="glob-match-other-python"),
        pytest.param("py38-venv", "sdist", "venvpkg", id="generative-factor-match"),
        pytest.param("py37-venv", "sdist", "venvpkg", id="generative-factor-match-other"),
        pytest.param("py39-venv", "sdist", "sdist", id="no-match-default-sdist"),
        pytest.param("docs", "wheelpkg", "wheelpkg", id="explicit-packagedef-name"),
        pytest.param("lint", "wheel", "wheel", id="explicit-builder-without-section"),
        pytest.param("typed", "condapkg", "condapkg", id="explicit-packagedef-for-non-conda-env"),
        pytest.param("dev", "editable", "editable", id="use-develop"),
        pytest.param("dev-conda", "editable", "editable", id="use-develop-wins-over-match"),
        pytest.param("other-conda", "conda", "condapkg", id="env-not-in-file"),
    ],
)
def test_packagedef_of_env(tmp_path: Path, env: str, package: str, packagedef: str) -> None:
    config = load(tmp_path, PACKAGEDEF_INI, files=PYPROJECT)
    assert (config.resolver.env(env, "package"), config.resolver.env(env, "packagedef")) == (package, packagedef)


@pytest.mark.parametrize(
    ("match", "env", "matched"),
    [
        pytest.param("py38-conda", "py38-conda", True, id="factors-and"),
        pytest.param("py38-conda", "py38-conda-x", True, id="factors-and-subset"),
        pytest.param("py38-conda", "py38", False, id="factors-and-missing-one"),
        pytest.param("!lint", "py38", True, id="not"),
        pytest.param("!lint", "lint", False, id="not-excluded"),
        pytest.param("!lint", "lint-x", False, id="not-excluded-among-others"),
        pytest.param("{py37,py38}-venv", "py37-venv", True, id="generative-first"),
        pytest.param("{py37,py38}-venv", "py38-venv", True, id="generative-second"),
        pytest.param("{py37,py38}-venv", "py39-venv", False, id="generative-other"),
        pytest.param("py37,lint", "lint", True, id="factors-or"),
        pytest.param("*-conda", "py38-conda", True, id="glob"),
        pytest.param("*-conda", "conda", False, id="glob-needs-dash"),
        pytest.param("*-conda", "py38-conda-x", False, id="glob-anchored"),
        pytest.param("py3?", "py38", True, id="glob-question-mark"),
        pytest.param("\n    lint\n    *-conda", "py38-conda", True, id="one-line-of-several"),
    ],
)
def test_match(tmp_path: Path, match: str, env: str, matched: bool) -> None:
    config = load(tmp_path, f"[packagedef:p]\nbuilder = wheel\nmatch = {match}\n", files=PYPROJECT)
    assert config.match(env) == ("p" if matched else None)


@pytest.mark.parametrize(
    ("ini", "env", "message"),
    [
        pytest.param(
            "[packagedef:first]\nbuilder = sdist\nmatch = *-conda\n"
            "[packagedef:second]\nbuilder = conda\nmatch = py38\n",
            "py38-conda",
            "tox.ini:6: py38-conda: matched by both [packagedef:first] and [packagedef:second]",
            id="two-matches",
        ),
        pytest.param(
            "[packagedef:a]\nbuilder = sdist\nmatch = a b\n",
            "py38",
            "tox.ini:3:",
            id="bad-match-line",
        ),
    ],
)
def test_match_errors(tmp_path: Path, ini: str, env: str, message: str) -> None:
    config = load(tmp_path, ini, files=PYPROJECT)
    with pytest.raises(ConfigError) as caught:
        config.match(env)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("ini", "env", "message"),
    [
        pytest.param(
            "[packagedef:a]\nbuilder = sdist\nmatch = py38\n[packagedef:b]\nmatch = py38\nbuilder = wheel\n",
            "py38",
            "matched by both [packagedef:a] and [packagedef:b]",
            id="two-matches",
        ),
        pytest.param(
            "[packagedef:x]\nbuilder = nope\n",
            "py38",
            "tox.ini:2: [packagedef:x] builder 'nope' is unknown",
            id="bad-builder",
        ),
        pytest.param(
            "[packagedef:custom]\n",
            "py38",
            "tox.ini:1: [packagedef:custom] builder 'custom' is unknown",
            id="no-builder",
        ),
        pytest.param(
            "[testenv]\npackage = nothing\n",
            "py38",
            "tox.ini:2: py38: package 'nothing' is neither a [packagedef:nothing] section nor a builder",
            id="unknown-package",
        ),
    ],
)
def test_packagedef_errors(tmp_path: Path, ini: str, env: str, message: str) -> None:
    config = load(tmp_path, ini, files=PYPROJECT)
    with pytest.raises(ConfigError) as caught:
        config.env(env)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("ini", "env", "packagedef"),
    [
        pytest.param("", "py38", "sdist", id="virtualenv-env"),
        pytest.param("", "py38-venv", "sdist", id="venv-factor"),
        pytest.param("", "py38-conda", "conda", id="conda-env"),
        pytest.param("[testenv:x]\nenv_type = conda\n", "x", "conda", id="explicit-conda-type"),
        pytest.param("", "x-current", "sdist", id="current-env"),
        pytest.param("[packagedef:wheel]\nmatch = lint\n", "py38", "sdist", id="sections-that-do-not-match"),
    ],
)
def test_default_packagedef(tmp_path: Path, ini: str, env: str, packagedef: str) -> None:
    config = load(tmp_path, ini, files=PYPROJECT)
    assert config.env(env).packagedef == packagedef


@pytest.mark.parametrize(
    ("ini", "name", "builder", "implicit"),
    [
        pytest.param("", "sdist", "sdist", True, id="implicit-builder"),
        pytest.param("[packagedef:wheel]\n", "wheel", "wheel", False, id="section-named-after-builder"),
        pytest.param("[packagedef:mine]\nbuilder = editable\n", "mine", "editable", False, id="section-with-builder"),
    ],
)
def test_packagedef_lookup(tmp_path: Path, ini: str, name: str, builder: str, implicit: bool) -> None:
    pdef = load(tmp_path, ini).packagedef(name)
    assert (pdef.name, pdef.builder, pdef.implicit) == (name, builder, implicit)


def test_packagedefs_in_file_order(tmp_path: Path) -> None:
    config = load(tmp_path, "[packagedef:z]\nbuilder = sdist\n[testenv]\n[packagedef:a]\nbuilder = wheel\n")
    assert list(config.packagedefs) == ["z", "a"]
