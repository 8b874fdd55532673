"""The YAML emitter: what it writes reads back, with PyYAML, as exactly what went in."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from orch.report.yaml import dump, quote

TRICKY = [
    "",
    " ",
    "  lead",
    "trail ",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "3.12",
    "3",
    "012",
    "0x1F",
    "1e3",
    "1_000",
    "1:20",
    ".inf",
    "-.inf",
    ".NaN",
    ".5",
    "+1",
    "2001-12-14",
    "<<",
    "=",
    "- item",
    "-",
    "? key",
    "a: b",
    "a:",
    "a:b",
    "x #y",
    "#comment",
    "{a: 1}",
    "[1, 2]",
    "'single'",
    '"double"',
    "it's",
    'say "hi"',
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`tick",
    "|",
    ">",
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "line\nbreak\n",
    "two\n\n",
    "\nleading newline",
    "\n",
    "\n\n",
    "  indented\nsecond",
    "first\n  indented",
    "trailing space \nline",
    "crlf\r\nline",
    "nel\x85line",
    "ls\u2028ps\u2029",
    "bom\ufeff",
    "bell\x07",
    "del\x7f",
    "nul\x00",
    "esc\x1b[0m",
    "emoji \U0001f600",
    "ümlaut",
    "---",
    "...",
    "--- x",
    "${{ matrix.env }}",
    "orch run -e ${{ matrix.env }} --junit junit.xml",
    "${{ hashFiles('tox.ini') }}",
    "matrix.env_type == 'conda'",
    "always()",
    "python:3.12",
    ".cache/pip",
    ".e5",
    "./x",
    ".Inf",
    ".NAN",
    "._",
    'it\'s "both" \\ here',
    "'",
    '"',
    "\\",
    "https://example.com/a?b=c#d",
]


def roundtrip(value: object) -> object:
    return yaml.safe_load(dump(value))


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_read_back(text: str) -> None:
    assert roundtrip(text) == text
    assert roundtrip({"key": text}) == {"key": text}
    assert roundtrip([text]) == [text]
    assert roundtrip({text: [text, {text: text}]}) == {text: [text, {text: text}]}
    assert yaml.safe_load(quote(text)) == text


def test_block_style_reads_like_a_workflow() -> None:
    document = {
        "name": "orch",
        "on": {"push": {"branches": ["main"]}, "pull_request": None},
        "jobs": {
            "test": {
                "runs-on": "${{ matrix.os }}",
                "strategy": {"fail-fast": False, "matrix": {"include": [{"env": "py312", "python": "3.12"}]}},
                "steps": [{"uses": "actions/checkout@v4"}, {"run": "pip install orch\norch run\n"}],
            }
        },
    }
    text = dump(document, comment="generated\nby a test")
    assert text == (
        "# generated\n"
        "# by a test\n"
        "name: orch\n"
        '"on":\n'
        "  push:\n"
        "    branches:\n"
        "      - main\n"
        "  pull_request:\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ${{ matrix.os }}\n"
        "    strategy:\n"
        "      fail-fast: false\n"
        "      matrix:\n"
        "        include:\n"
        "          - env: py312\n"
        '            python: "3.12"\n'
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: |\n"
        "          pip install orch\n"
        "          orch run\n"
    )
    assert yaml.safe_load(text) == document


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 10**30, 1.5, -0.25, 1e100, 1e-5, float("inf"), float("-inf"), {}, [], [[]], [{}]],
)
def test_other_scalars_and_empty_collections(value: object) -> None:
    assert roundtrip(value) == value
    assert roundtrip({"k": value, "l": [value]}) == {"k": value, "l": [value]}


def test_nan() -> None:
    loaded = roundtrip([float("nan")])
    assert isinstance(loaded, list) and math.isnan(loaded[0])


def test_nested_sequences() -> None:
    value = [[1, [2, 3]], [], [{"a": ["x\ny", {}]}], {"b": [[], [None]]}]
    assert dump(value).startswith("- - 1\n  - - 2\n")
    assert roundtrip(value) == value


def test_rejects_what_it_cannot_write() -> None:
    with pytest.raises(TypeError, match="mapping keys must be strings"):
        dump({1: "one"})
    with pytest.raises(TypeError, match="cannot write set"):
        dump({"a": {1, 2}})
    with pytest.raises(ValueError, match="longer than YAML allows"):
        dump({"k" * 2000: 1})


# Text biased towards what YAML treats specially, mixed with anything hypothesis likes.
SPECIAL = st.sampled_from([*": #-{}[]'\"\n\t\\|>&*!%@`,?~=", " ", "\r", "\x85", "\u2028", "\ufeff", "é", "\U0001f600"])
WORDS = st.sampled_from(TRICKY)
PIECES = st.one_of(st.text(max_size=8), SPECIAL, WORDS, st.sampled_from(["a", "b", "0", "1", ".", "e"]))
TEXT = st.one_of(WORDS, st.lists(PIECES, max_size=6).map("".join), st.text())
SCALARS = st.one_of(TEXT, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False))
KEYS = st.one_of(WORDS, st.lists(PIECES, max_size=4).map("".join))
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(TREES)
def test_any_tree_reads_back(value: object) -> None:
    assert roundtrip(value) == value


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_string_reads_back_in_every_position(text: str) -> None:
    value = {"a": text, "b": [text, [text]], "c": {"d": {"e": text}}, text: text}
    assert roundtrip(value) == value
