"""Tests of the factor machinery: tables for each function, properties, and differential runs against tox."""

from __future__ import annotations

import sys
import sysconfig
from collections.abc import Iterator
from itertools import product
from types import ModuleType
from typing import Callable, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orch.config import conditions
from orch.config.conditions import Condition, active_factors, filter_for_env, find_envs, normalize_isa, split_condition
from orch.config.factors import (
    LATEST_PYTHON_MINOR_MAX,
    LATEST_PYTHON_MINOR_MIN,
    MAX_NAMES,
    ExpansionLimit,
    angle_to_braces,
    expand_env_list,
    expand_names,
    expand_ranges,
)
from tox_oracle import why_not_oracle

T = TypeVar("T")

PROPERTY = settings(max_examples=200, deadline=None, database=None)


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Forget the memoised results around a test that fakes the platform."""
    conditions.clear_caches()
    yield
    conditions.clear_caches()


@pytest.fixture(scope="module")
def tox_factor() -> ModuleType:
    """tox's own factor module, the oracle of the differential tests (a tox older than orch's oracle skips them)."""
    reason = why_not_oracle()
    if reason:
        pytest.skip(reason)
    module: ModuleType = pytest.importorskip("tox.config.loader.ini.factor")
    return module


def _fail_as_none(func: Callable[[], T]) -> T | None:
    try:
        return func()
    except ValueError:
        return None


def _nests(text: str) -> bool:
    """Whether a brace opens inside another one (orch expands that, tox rejects it)."""
    depth = 0
    for char in text:
        if char == "{":
            if depth:
                return True
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
    return False


# --- expand_ranges -----------------------------------------------------------------------------------------------


def test_open_range_bounds() -> None:
    assert (LATEST_PYTHON_MINOR_MIN, LATEST_PYTHON_MINOR_MAX) == (11, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("py3{8-13}", "py3{8,9,10,11,12,13}", id="closed"),
        pytest.param("py3{8-10,13}", "py3{8,9,10,13}", id="mixed"),
        pytest.param("py3{13-10}", "py3{13,12,11,10}", id="descending"),
        pytest.param("py3{10-10}", "py3{10}", id="single-step"),
        pytest.param("py3{10-}", "py3{10,11,12,13,14,15}", id="open-top"),
        pytest.param("py3{-13}", "py3{11,12,13}", id="open-bottom"),
        pytest.param("py3{16-}", "py3{16}", id="open-top-past-window"),
        pytest.param("py3{-9}", "py3{9}", id="open-bottom-before-window"),
        pytest.param("py3{8,-12}", "py3{8,11,12}", id="open-bottom-after-comma"),
        pytest.param("py-django-4-2", "py-django-4-2", id="dashed-name"),
        pytest.param("py{38-39}", "py{38,39}", id="two-digit"),
        pytest.param("x{a-1,2-3}", "x{a-1,2,3}", id="range-after-name-item"),
        pytest.param("py3{8-10}-{1-2}", "py3{8,9,10}-{1,2}", id="two-groups"),
        pytest.param("3-5,x", "3,4,5,x", id="top-level-like-tox"),
        pytest.param("py3{1-2-3}", "py3{1-2-3}", id="three-numbers"),
        pytest.param("{a.1-3}", "{a.1-3}", id="after-dot"),
        pytest.param("{-}", "{-}", id="dash-only"),
        pytest.param("plain", "plain", id="nothing"),
    ],
)
def test_expand_ranges(text: str, expected: str) -> None:
    assert expand_ranges(text) == expected


# --- angle_to_braces ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("<py37,py38>-<venv,conda>", "{py37,py38}-{venv,conda}", id="product"),
        pytest.param("<py<38,39>,pypy3>", "{py{38,39},pypy3}", id="nested"),
        pytest.param("py3<8-10>", "py3{8-10}", id="range"),
        pytest.param("<py38,!lint>-x", "{py38,!lint}-x", id="negation"),
        pytest.param("<a,{b,c}>", "{a,{b,c}}", id="braces-inside"),
        pytest.param("<a>", "{a}", id="single"),
        pytest.param("<>", "<>", id="empty"),
        pytest.param("a<b", "a<b", id="unpaired-open"),
        pytest.param("a>b", "a>b", id="unpaired-close"),
        pytest.param("a<b<c>", "a<b{c}", id="only-the-balanced-pair"),
        pytest.param("foo<2,>1", "foo{2,}1", id="specifier-lookalike-converted"),
        pytest.param("a<b,c>=d", "a<b,c>=d", id="greater-equal-never-closes"),
        pytest.param('python_version<"3.8"', 'python_version<"3.8"', id="marker-quotes"),
        pytest.param("pytest<8,>=7", "pytest<8,>=7", id="specifier-equals"),
        pytest.param("<a b>", "<a b>", id="space"),
        pytest.param("<a;b>", "<a;b>", id="semicolon"),
        pytest.param("<a=b>", "<a=b>", id="equals"),
        pytest.param("<a:b>", "<a:b>", id="colon"),
        pytest.param("<a'b>", "<a'b>", id="quote"),
        pytest.param("<a{b>", "<a{b>", id="unbalanced-brace"),
        pytest.param("<a<b>", "<a{b}", id="inner-only"),
        pytest.param("<x<y>>", "{x{y}}", id="double-close"),
        pytest.param("<x <y>>", "<x {y}>", id="outer-has-space"),
    ],
)
def test_angle_to_braces(text: str, expected: str) -> None:
    assert angle_to_braces(text) == expected


# --- expand_names ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("py38", ["py38"], id="plain"),
        pytest.param("py38,py39", ["py38", "py39"], id="alternatives"),
        pytest.param("py{38,39}-integ", ["py38-integ", "py39-integ"], id="group"),
        pytest.param(
            "{py38,py39}-{venv,conda}", ["py38-venv", "py38-conda", "py39-venv", "py39-conda"], id="product-order"
        ),
        pytest.param("py3{8-10}", ["py38", "py39", "py310"], id="range"),
        pytest.param("py3{8-10,13}", ["py38", "py39", "py310", "py313"], id="mixed-range"),
        pytest.param("py3{13-}", ["py313", "py314", "py315"], id="open-range"),
        pytest.param("py-django-4-2", ["py-django-4-2"], id="dashed"),
        pytest.param("{py{38,39},pypy3}-x", ["py38-x", "py39-x", "pypy3-x"], id="nested"),
        pytest.param("{a,{b,{c,d}}}", ["a", "b", "c", "d"], id="deep-nesting"),
        pytest.param("{py3{8-9},pypy3}", ["py38", "py39", "pypy3"], id="nested-range"),
        pytest.param("<py37,py38>-<venv,conda>", ["py37-venv", "py37-conda", "py38-venv", "py38-conda"], id="angle"),
        pytest.param("<py<38,39>,pypy3>", ["py38", "py39", "pypy3"], id="angle-nested"),
        pytest.param("py{,-cov}", ["py", "py-cov"], id="empty-item"),
        pytest.param("{a,b}{c,d}", ["ac", "ad", "bc", "bd"], id="adjacent-groups"),
        pytest.param(" py {38, 39} ", ["py38", "py39"], id="whitespace"),
        pytest.param("a,,b,", ["a", "b"], id="empty-alternatives-skipped"),
        pytest.param("a, ,b", ["a", "", "b"], id="blank-alternative-kept-like-tox"),
        pytest.param("a,a", ["a", "a"], id="duplicates-kept"),
        pytest.param("{py38,!lint}-x", ["py38-x", "lint-x"], id="negation-dropped-like-tox"),
        pytest.param("py3*-[ab]", ["py3*-[ab]"], id="glob-characters"),
        pytest.param("", [], id="empty"),
        pytest.param("{ }", [""], id="blank-group"),
    ],
)
def test_expand_names(text: str, expected: list[str]) -> None:
    assert expand_names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("py 38", id="space-in-factor"),
        pytest.param("a+b", id="plus"),
        pytest.param("{a,b", id="unclosed"),
        pytest.param("a}", id="unopened"),
        pytest.param("x{}", id="empty-group"),
        pytest.param("{a}}", id="extra-close"),
        pytest.param("a!b", id="negation-inside"),
        pytest.param("!", id="negation-alone"),
        pytest.param("https://x", id="url"),
    ],
)
def test_expand_names_invalid(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        expand_names(text)


def test_expand_names_returns_fresh_list() -> None:
    expand_names("a,b").append("c")
    assert expand_names("a,b") == ["a", "b"]


# --- expand_env_list ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("py38\npy39", ["py38", "py39"], id="lines"),
        pytest.param("py3{8,9}, lint\n\ndocs", ["py38", "py39", "lint", "docs"], id="blank-line"),
        pytest.param("py38,lint\nlint,py38,py39", ["py38", "lint", "py39"], id="duplicates-first-wins"),
        pytest.param("{py38,py39}-{a,b}\npy38-a", ["py38-a", "py38-b", "py39-a", "py39-b"], id="duplicate-product"),
        pytest.param("<py38,py39>\n{py38,py39}", ["py38", "py39"], id="angle-equals-brace"),
        pytest.param("a, ,b\n  ", ["a", "b"], id="blank-names-dropped"),
        pytest.param("", [], id="empty"),
    ],
)
def test_expand_env_list(value: str, expected: list[str]) -> None:
    assert expand_env_list(value) == expected


def test_expand_env_list_invalid_line() -> None:
    with pytest.raises(ValueError, match="py 38"):
        expand_env_list("lint\npy 38")


# --- split_condition and Condition -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "groups", "content"),
    [
        pytest.param("py38,py39: x", ((("py38", False),), (("py39", False),)), "x", id="or"),
        pytest.param("py38-conda: x", ((("py38", False), ("conda", False)),), "x", id="and"),
        pytest.param("!lint: x", ((("lint", True),),), "x", id="not"),
        pytest.param("!py38-conda: x", ((("py38", True), ("conda", False)),), "x", id="mixed"),
        pytest.param(
            "{py38,py39}-conda: x",
            ((("py38", False), ("conda", False)), (("py39", False), ("conda", False))),
            "x",
            id="generative",
        ),
        pytest.param(
            "<py38,py39>-conda: x",
            ((("py38", False), ("conda", False)), (("py39", False), ("conda", False))),
            "x",
            id="angle",
        ),
        pytest.param("py3{8-9}: x", ((("py38", False),), (("py39", False),)), "x", id="range"),
        pytest.param(
            "{py{38,39},pypy3}: x", ((("py38", False),), (("py39", False),), (("pypy3", False),)), "x", id="nested"
        ),
        pytest.param("  py38 :   x y  ", ((("py38", False),),), "x y", id="stripped"),
        pytest.param("py38:", ((("py38", False),),), "", id="marker-at-end"),
        pytest.param("py38:\tx", ((("py38", False),),), "x", id="tab"),
        pytest.param("py38: a: b", ((("py38", False),),), "a: b", id="first-marker"),
        pytest.param(": x", (), "x", id="blank-prefix-never-holds"),
        pytest.param("py3*: x", ((("py3*", False),),), "x", id="glob"),
    ],
)
def test_split_condition(line: str, groups: tuple[tuple[tuple[str, bool], ...], ...], content: str) -> None:
    assert split_condition(line) == (Condition(groups), content)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("https://x", id="url"),
        pytest.param("git+https://x", id="git-url"),
        pytest.param("  plain text  ", id="no-marker"),
        pytest.param("a:b", id="colon-without-space"),
        pytest.param("python -c 'a: b'", id="invalid-prefix"),
        pytest.param("https://x: y", id="url-prefix"),
        pytest.param("{a,b: x", id="unclosed-brace-prefix"),
        pytest.param("C:\\path", id="windows-path"),
        pytest.param("X=1: y", id="setenv"),
    ],
)
def test_split_condition_unconditional(line: str) -> None:
    assert split_condition(line) == (None, line)


@pytest.mark.parametrize(
    ("condition", "active", "expected"),
    [
        pytest.param("py38,py39", {"py39"}, True, id="or-second"),
        pytest.param("py38,py39", {"py310"}, False, id="or-none"),
        pytest.param("py38-conda", {"py38", "conda"}, True, id="and"),
        pytest.param("py38-conda", {"py38"}, False, id="and-partial"),
        pytest.param("!lint", {"py38"}, True, id="not"),
        pytest.param("!lint", {"lint"}, False, id="not-active"),
        pytest.param("!py38-conda", {"py39", "conda"}, True, id="mixed"),
        pytest.param("!py38-conda", {"py38", "conda"}, False, id="mixed-negated-active"),
        pytest.param("py3*", {"py38"}, False, id="glob-is-literal"),
        pytest.param("py3*", {"py3*"}, True, id="glob-literal-match"),
    ],
)
def test_condition_matches(condition: str, active: set[str], expected: bool) -> None:
    parsed, _ = split_condition(f"{condition}: x")
    assert parsed is not None
    assert parsed.matches(frozenset(active)) is expected
    assert str(parsed) == condition


def test_condition_never_holds_without_groups() -> None:
    assert not Condition(()).matches(frozenset({"a"}))
    assert str(Condition(())) == ""


def test_condition_str_expanded() -> None:
    parsed, _ = split_condition("{a,!b}-c: x")
    assert str(parsed) == "a-c,!b-c"
    assert parsed is not None
    assert parsed.env_names == ("a-c", "b-c")


# --- filter_for_env ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "env", "expected"),
    [
        pytest.param("a\nb", "py38", "a\nb", id="unconditional"),
        pytest.param("py38: a\npy39: b\nc", "py38", "a\nc", id="or-select"),
        pytest.param("py38,py39: a", "py39-x", "a", id="or"),
        pytest.param("py38-conda: a\npy38-venv: b", "py38-conda", "a", id="and"),
        pytest.param("!lint: a\nlint: b", "lint", "b", id="not"),
        pytest.param("!py38-conda: a", "py39-conda", "a", id="mixed"),
        pytest.param("!py38-conda: a", "py38-conda", "", id="mixed-excluded"),
        pytest.param("{py38,py39}-conda: a", "py39-conda", "a", id="generative"),
        pytest.param("<py38,py39>-conda: a", "py39-conda", "a", id="angle"),
        pytest.param("{py{38,39},pypy3}: a", "pypy3", "a", id="nested"),
        pytest.param("https://x\ngit+https://y", "py38", "https://x\ngit+https://y", id="urls"),
        pytest.param("a\n\n  \nb", "py38", "a\n  \nb", id="empty-lines-dropped-blank-kept"),
        pytest.param("py38:\nb", "py38", "\nb", id="matching-empty-content-kept"),
        pytest.param(": a\nb", "py38", "b", id="blank-condition-never"),
        pytest.param("linux: a", None, "a" if sys.platform == "linux" else "", id="platform-without-name"),
        pytest.param("py39: a \\\n  b\nc", "py38", "c", id="skipped-continuation"),
        pytest.param("py39: a \\\n  b \\\n  c\nd", "py38", "  b \\\n  c\nd", id="tox-drops-one-continuation-only"),
        pytest.param("py38: a \\\npy39: b \\\n  c", "py38", "a \\\n  c", id="continued-before-skip"),
        pytest.param("py38: a \\\n  b", "py38", "a \\\n  b", id="kept-continuation"),
        pytest.param("py39: a\n  b", "py38", "  b", id="no-continuation"),
        pytest.param("py39: a \\\n\n  b", "py38", "  b", id="empty-line-consumes-skip"),
        pytest.param("py39: a \\\npy39: b\n  c", "py38", "  c", id="skip-reset-by-condition"),
        pytest.param("py39: a \\\npy38: b\n  c", "py38", "b\n  c", id="matching-condition-resets-skip"),
        pytest.param("python -c 'a: b'", "py38", "python -c 'a: b'", id="invalid-prefix-is-content"),
    ],
)
def test_filter_for_env(value: str, env: str | None, expected: str) -> None:
    assert filter_for_env(value, env) == expected


def test_filter_for_env_invalid_name() -> None:
    with pytest.raises(ValueError, match="a b"):
        filter_for_env("x", "a b")


# --- active_factors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        pytest.param("linux-x86_64", "py38-conda", {"py38", "conda", "x86_64"}, id="linux"),
        pytest.param("linux-x86_64", None, {"x86_64"}, id="no-name"),
        pytest.param("linux-aarch64", "py38", {"py38", "arm64"}, id="normalised"),
        pytest.param("win-amd64", "py38", {"py38", "x86_64"}, id="windows"),
        pytest.param("win32", "py38", {"py38"}, id="no-isa"),
        pytest.param("macosx-11.0-arm64", "py38", {"py38", "arm64"}, id="macos"),
        pytest.param("macosx-10.9-universal2", "py38", {"py38", "universal2"}, id="unknown-isa"),
        pytest.param("linux-x86_64", "py38-arm64", {"py38", "arm64"}, id="explicit-architecture"),
        pytest.param("linux-x86_64", "py38-amd64", {"py38", "amd64"}, id="alias-of-machine"),
        pytest.param("linux-x86_64", "py38-aarch64", {"py38", "aarch64", "x86_64"}, id="alias-of-other"),
        pytest.param("linux-x86_64", "py{38,39}-!x", {"py38", "py39", "x", "x86_64"}, id="generative-name"),
        pytest.param("linux-x86_64", "<py38,py39>", {"py38", "py39", "x86_64"}, id="angle-name"),
    ],
)
@pytest.mark.usefixtures("fresh_caches")
def test_active_factors(monkeypatch: pytest.MonkeyPatch, platform: str, env: str | None, expected: set[str]) -> None:
    monkeypatch.setattr(sysconfig, "get_platform", lambda: platform)
    assert active_factors(env) == frozenset({*expected, sys.platform})


@pytest.mark.parametrize(
    ("isa", "expected"),
    [("AMD64", "x86_64"), ("aarch64", "arm64"), ("i686", "x86"), ("powerpc64le", "ppc64le"), ("RISCV64", "riscv64")],
)
def test_normalize_isa(isa: str, expected: str) -> None:
    assert normalize_isa(isa) == expected


# --- find_envs ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("a,b: x\n!c-d: y\na: z\nplain", ["a", "b", "c-d"], id="once-in-order"),
        pytest.param("{py38,py39}-conda: x", ["py38-conda", "py39-conda"], id="generative"),
        pytest.param("<py38,py39>: x", ["py38", "py39"], id="angle"),
        pytest.param("https://x: y\n: z", [], id="none"),
    ],
)
def test_find_envs(value: str, expected: list[str]) -> None:
    assert list(find_envs(value)) == expected


# --- properties --------------------------------------------------------------------------------------------------

_FACTOR_NAMES = st.from_regex(r"[a-z][a-z0-9_.]{0,5}", fullmatch=True)
_GRIDS = st.lists(st.lists(_FACTOR_NAMES, min_size=1, max_size=4, unique=True), min_size=1, max_size=4)


@PROPERTY
@given(grid=_GRIDS, suffix=st.sampled_from(["", "-x", "-{y,z}"]))
def test_angle_form_equals_brace_form(grid: list[list[str]], suffix: str) -> None:
    braces = "-".join("{" + ",".join(axis) + "}" for axis in grid) + suffix
    angles = "-".join("<" + ",".join(axis) + ">" for axis in grid) + suffix.replace("{", "<").replace("}", ">")
    assert angle_to_braces(angles) == braces
    assert expand_names(angles) == expand_names(braces)
    assert split_condition(f"{angles}: c") == split_condition(f"{braces}: c")


@PROPERTY
@given(grid=_GRIDS)
def test_expansion_is_the_ordered_product(grid: list[list[str]]) -> None:
    expected = ["-".join(combination) for combination in product(*grid)]
    names = expand_names("-".join("{" + ",".join(axis) + "}" for axis in grid))
    assert names == expected
    assert len(set(names)) == len(names)


@PROPERTY
@given(outer=st.lists(_FACTOR_NAMES, min_size=1, max_size=3, unique=True), inner=_GRIDS)
def test_nested_group_is_its_expansion(outer: list[str], inner: list[list[str]]) -> None:
    nested_expr = "-".join("{" + ",".join(axis) + "}" for axis in inner)
    assert expand_names("{" + ",".join([*outer, nested_expr]) + "}-t") == [
        f"{name}-t" for name in [*outer, *expand_names(nested_expr)]
    ]


# --- differential tests against tox ------------------------------------------------------------------------------

_SOUP_TOKENS = [
    "a", "b", "py38", "py3", "x", "conda", "!", "!a", "-", "-", ",", ",", "{", "{", "}", "}", " ", "8-10", "10-",
    "-13", "3", "13-11", "1", ".", "*", "?", "[", "]", "[!", "_", ":", "+", "/", "\t", "é",
]  # fmt: skip
_SOUP = st.lists(st.sampled_from(_SOUP_TOKENS), max_size=14).map("".join)

_WORDS = st.sampled_from(["a", "b", "py38", "py39", "conda", "x86_64", "linux", "lint", "py3*", "[ab]", "", " a "])
_RANGES = st.sampled_from(["8-10", "10-", "-13", "13-11", "3"])


@st.composite
def _flat_expression(draw: st.DrawFn) -> str:
    """A well-formed flat generative expression, with the occasional negation, range and blank."""
    alternatives = []
    for _ in range(draw(st.integers(1, 3))):
        parts = []
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                items = draw(st.lists(st.one_of(_WORDS, _RANGES), min_size=1, max_size=3))
                parts.append("{" + ",".join(items) + "}")
            else:
                parts.append(draw(_WORDS))
        negate = "!" if draw(st.integers(0, 4)) == 0 else ""
        alternatives.append(negate + draw(st.sampled_from(["-", "", "-"])).join(parts))
    return ",".join(alternatives)


_EXPRESSIONS = st.one_of(_flat_expression(), _SOUP)


@PROPERTY
@given(text=_EXPRESSIONS)
def test_expand_names_like_tox(tox_factor: ModuleType, text: str) -> None:
    theirs = _fail_as_none(lambda: list(tox_factor.extend_factors(text)))
    ours = _fail_as_none(lambda: expand_names(text))
    if theirs is not None:
        assert ours == theirs
    elif not _nests(text):
        assert ours is None


@PROPERTY
@given(text=st.lists(st.sampled_from(["1", "12", "-", "-", ",", "{", "}", "a", ".", "_", "3-", " "]), max_size=16))
def test_expand_ranges_like_tox(tox_factor: ModuleType, text: list[str]) -> None:
    joined = "".join(text)
    try:
        ours = expand_ranges(joined)
    except ExpansionLimit:  # orch's cap on a range (tox expands it, however long)
        assert tox_factor.expand_ranges(joined).count(",") >= MAX_NAMES
        return
    assert ours == tox_factor.expand_ranges(joined)


_CONTENTS = st.sampled_from(["x", "y \\", "\\", "", "  ", "z", "a: b", "c \\"])
_PLAIN_LINES = st.sampled_from(["", "   ", "cont \\", "cont", "https://x: y", "git+https://x", "  tail", "C:\\p"])


@st.composite
def _conditional_line(draw: st.DrawFn) -> str:
    prefix = draw(
        st.one_of(
            _flat_expression(),
            _SOUP.filter(lambda text: not _nests(text)),
            st.sampled_from(["", " ", "https://x", "python -c 'a", "a b"]),
        )
    )
    return f"{prefix}:{draw(st.sampled_from([' ', '', chr(9), '  ']))}{draw(_CONTENTS)}"


_VALUES = st.lists(st.one_of(_conditional_line(), _PLAIN_LINES), max_size=8).map("\n".join)
_ENV_NAMES = st.one_of(
    st.sampled_from(["a", "b", "a-b", "py38", "py38-conda", "lint", "x86_64", "arm64", "aarch64", "py3*", "a b"]),
    st.none(),
    _flat_expression(),
)


@PROPERTY
@given(value=_VALUES, env=_ENV_NAMES)
def test_filter_for_env_like_tox(tox_factor: ModuleType, value: str, env: str | None) -> None:
    theirs = _fail_as_none(lambda: tox_factor.filter_for_env(value, env))
    assert _fail_as_none(lambda: filter_for_env(value, env)) == theirs


@PROPERTY
@given(env=_ENV_NAMES)
def test_active_factors_like_tox(tox_factor: ModuleType, env: str | None) -> None:
    theirs = _fail_as_none(lambda: tox_factor.active_factors(env))
    ours = _fail_as_none(lambda: active_factors(env))
    assert ours == (None if theirs is None else frozenset(theirs))


@PROPERTY
@given(value=_VALUES)
def test_find_envs_like_tox(tox_factor: ModuleType, value: str) -> None:
    assert list(find_envs(value)) == list(tox_factor.find_envs(value))


@PROPERTY
@given(line=st.one_of(_conditional_line(), _PLAIN_LINES))
def test_split_condition_like_tox(tox_factor: ModuleType, line: str) -> None:
    ((groups, content),) = tox_factor.expand_factors(line)
    condition, ours = split_condition(line)
    assert ours == content
    expected = None if groups is None else Condition(tuple(tuple(group) for group in groups))
    assert condition == expected
