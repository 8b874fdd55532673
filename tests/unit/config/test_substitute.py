"""Substitution of ``{...}`` expressions, through a small in-memory context."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from orch.config.substitute import UnbalancedBraces, substitute
from orch.errors import ConfigError


@dataclass
class Ctx:
    """A substitution context: fixed posargs, variables, references and terminal."""

    args: tuple[str, ...] | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    refs: Mapping[tuple[str | None, str], str] = field(default_factory=dict)
    tty: bool = False

    def posargs(self) -> tuple[str, ...] | None:
        return self.args

    def env_var(self, name: str) -> str | None:
        return self.env.get(name)

    def reference(self, section: str | None, key: str) -> str | None:
        return self.refs.get((section, key))

    def is_tty(self) -> bool:
        return self.tty


NO_ARGS = Ctx()
ARGS = Ctx(args=("a b", "c"))
X_SET = Ctx(env={"X": "1"})
REFS = Ctx(refs={("s", "k"): "V", (None, "envname"): "py38", ("testenv", "deps"): "a\nb"})


@pytest.mark.parametrize(
    ("text", "ctx", "expected"),
    [
        # posargs
        pytest.param("run {posargs}", ARGS, "run 'a b' c", id="posargs-given"),
        pytest.param("run {posargs}", NO_ARGS, "run ", id="posargs-absent"),
        pytest.param("{posargs}", Ctx(args=()), "", id="posargs-given-empty"),
        pytest.param("{posargs:x y}", NO_ARGS, "x y", id="posargs-default"),
        pytest.param("{posargs:x y}", ARGS, "'a b' c", id="posargs-default-unused"),
        pytest.param("{posargs:x y}", Ctx(args=()), "", id="posargs-given-empty-wins-over-default"),
        pytest.param("{posargs:a:b}", NO_ARGS, "a:b", id="posargs-default-with-colon"),
        pytest.param("{posargs:{env:X:y}}", NO_ARGS, "y", id="posargs-nested-default"),
        pytest.param("{posargs:{env:X:y}}", X_SET, "1", id="posargs-nested-default-set"),
        pytest.param("{posargs:{env:X:y}}", ARGS, "'a b' c", id="posargs-nested-default-unused"),
        # env
        pytest.param("{env:X}", X_SET, "1", id="env-set"),
        pytest.param("{env:X}", NO_ARGS, "", id="env-unset"),
        pytest.param("{env:X:d}", NO_ARGS, "d", id="env-default"),
        pytest.param("{env:X:d}", X_SET, "1", id="env-default-unused"),
        pytest.param("{env:X:}", NO_ARGS, "", id="env-empty-default"),
        pytest.param("{env:X:a:b}", NO_ARGS, "a:b", id="env-default-with-colon"),
        pytest.param("{env:X:{env:Y:z}}", NO_ARGS, "z", id="env-nested-default"),
        pytest.param("{env:X:{env:Y:z}}", Ctx(env={"Y": "y"}), "y", id="env-nested-default-set"),
        pytest.param("{env:X:{env:Y:z}}", Ctx(env={"X": "x", "Y": "y"}), "x", id="env-nested-default-unused"),
        pytest.param("{env:{env:N}}", Ctx(env={"N": "X", "X": "xx"}), "xx", id="env-name-substituted"),
        pytest.param("{env:X:x{/}y}", NO_ARGS, f"x{os.sep}y", id="env-default-with-separator"),
        pytest.param("pre-{env:X}-post", X_SET, "pre-1-post", id="env-inside-text"),
        # tty
        pytest.param("{tty:on:off}", Ctx(tty=True), "on", id="tty-on"),
        pytest.param("{tty:on:off}", NO_ARGS, "off", id="tty-off"),
        pytest.param("{tty:on}", NO_ARGS, "", id="tty-off-without-off-value"),
        pytest.param("{tty::off}", Ctx(tty=True), "", id="tty-on-empty"),
        pytest.param("{tty:{env:X}:off}", Ctx(env={"X": "1"}, tty=True), "1", id="tty-value-substituted"),
        # separators
        pytest.param("a{/}b", NO_ARGS, f"a{os.sep}b", id="path-separator"),
        pytest.param("a{:}b", NO_ARGS, f"a{os.pathsep}b", id="path-list-separator"),
        # escapes
        pytest.param(r"\{x\}", NO_ARGS, "{x}", id="escaped-braces"),
        pytest.param(r"echo \{posargs\}", ARGS, "echo {posargs}", id="escaped-expression-not-substituted"),
        pytest.param(r"{env:X:\{a\}}", NO_ARGS, "{a}", id="escaped-braces-in-default"),
        pytest.param(r"a\b", NO_ARGS, r"a\b", id="lone-backslash-kept"),
        # not substitutions
        pytest.param("{py38,py39}", NO_ARGS, "{py38,py39}", id="generative-kept"),
        pytest.param("{py38,py39}-{env:X:q}", NO_ARGS, "{py38,py39}-q", id="generative-kept-next-to-substitution"),
        pytest.param("{a,{env:X}}", X_SET, "{a,1}", id="generative-kept-substituted-inside"),
        pytest.param("{unknown}", NO_ARGS, "{unknown}", id="unknown-key-kept"),
        pytest.param("{}", NO_ARGS, "{}", id="empty-braces-kept"),
        pytest.param("{ posargs }", ARGS, "{ posargs }", id="spaces-inside-kept"),
        pytest.param("a}", NO_ARGS, "a}", id="lone-closing-brace-kept"),
        pytest.param("no braces", NO_ARGS, "no braces", id="plain-text"),
        # references
        pytest.param("{[s]k}", REFS, "V", id="section-reference"),
        pytest.param("{[s]k:d}", REFS, "V", id="section-reference-default-unused"),
        pytest.param("{[s]missing:d}", REFS, "d", id="section-reference-default"),
        pytest.param("{[s]missing:}", REFS, "", id="section-reference-empty-default"),
        pytest.param("{[s]missing:{env:X}}", Ctx(env={"X": "1"}), "1", id="section-reference-nested-default"),
        pytest.param("{[testenv]deps}", REFS, "a\nb", id="section-reference-multiline"),
        pytest.param("{envname}", REFS, "py38", id="setting-reference"),
        pytest.param("{missing:def}", REFS, "def", id="setting-reference-default"),
        pytest.param("{missing}", REFS, "{missing}", id="setting-reference-unknown-kept"),
    ],
)
def test_substitute(text: str, ctx: Ctx, expected: str) -> None:
    assert substitute(text, ctx) == expected


@pytest.mark.parametrize(
    ("text", "ctx", "expected"),
    [
        pytest.param("{posargs}", ARGS, "'a b' c", id="quoted-space"),
        pytest.param("{posargs}", Ctx(args=("it's",)), "'it'\"'\"'s'", id="quoted-quote"),
        pytest.param("{posargs}", Ctx(args=("plain", "-k", "x")), "plain -k x", id="nothing-to-quote"),
        pytest.param("{posargs}", Ctx(args=("",)), "''", id="empty-argument-kept"),
        pytest.param("{posargs}", Ctx(args=("$HOME", "*.py")), "'$HOME' '*.py'", id="shell-characters"),
        pytest.param('{posargs:-k "x y"}', NO_ARGS, '-k "x y"', id="default-not-quoted"),
    ],
)
def test_posargs_quoted_for_commands(text: str, ctx: Ctx, expected: str) -> None:
    assert substitute(text, ctx, quote_posargs=True) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(r"\{x\}", r"\{x\}", id="escapes-kept"),
        pytest.param(r"\{{env:X}\}", r"\{1\}", id="escapes-kept-around-substitution"),
    ],
)
def test_keep_escapes(text: str, expected: str) -> None:
    assert substitute(text, X_SET, keep_escapes=True) == expected


@pytest.mark.parametrize(
    ("text", "ctx", "expected"),
    [
        # what tox 4.67 prints for these (issue 11): no error, the text is kept
        pytest.param("{[s]missing}", REFS, "{[s]missing}", id="missing-reference-kept"),
        pytest.param("{a", NO_ARGS, "{a", id="unclosed-kept"),
        pytest.param("x {env:X", X_SET, "x {env:X", id="unclosed-expression-kept"),
        pytest.param("{a{env:X}", X_SET, "{a1", id="unclosed-outer-inner-substituted"),
        pytest.param("{posargs:{env:X}", X_SET, "{posargs:1", id="unclosed-nested"),
        pytest.param(r"{a\}", NO_ARGS, "{a}", id="escaped-brace-does-not-close"),
        # tox 3's [] is {posargs}, anywhere in a value
        pytest.param("pytest []", ARGS, "pytest 'a b' c", id="brackets-posargs"),
        pytest.param("pytest []", NO_ARGS, "pytest ", id="brackets-no-posargs"),
        pytest.param("x[]y", Ctx(args=("1",)), "x1y", id="brackets-inside-a-word"),
        pytest.param("pytest [ ]", ARGS, "pytest [ ]", id="brackets-with-space-kept"),
        pytest.param(r"pytest \[]", ARGS, "pytest []", id="brackets-escaped"),
        # escapes: \: \[ \] are the characters too; two backslashes stay and escape nothing
        pytest.param(r"a\:b \[c\]", NO_ARGS, "a:b [c]", id="escaped-colon-and-brackets"),
        pytest.param(r"\\{env:X}", X_SET, r"\\1", id="double-backslash-escapes-nothing"),
        pytest.param(r"a\\b", NO_ARGS, r"a\\b", id="double-backslash-kept"),
        # posargs are always quoted, newlines inside an argument become spaces
        pytest.param("{posargs}", Ctx(args=("p  1", "x\ny")), "'p  1' 'x y'", id="posargs-quoted-newline"),
    ],
)
def test_tox_edges(text: str, ctx: Ctx, expected: str) -> None:
    assert substitute(text, ctx) == expected


def test_unbalanced_braces_is_a_config_error() -> None:
    assert issubclass(UnbalancedBraces, ConfigError)
