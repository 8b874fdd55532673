"""Reading ini files the way tox 4 (configparser, no interpolation) does, with the line of every value."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.config.ini import IniSource, parse_ini, strip_comments
from orch.errors import ConfigError


def _values(text: str) -> dict[str, str]:
    """``section.key -> raw text`` of every value, in file order."""
    return {
        f"{section.name}.{key}": value.text
        for section in parse_ini(text, "tox.ini")
        for key, value in section.values.items()
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("[a]\nk = v\n", {"a.k": "v"}, id="one-key"),
        pytest.param("[a]\nk = x\n  y\n    z\n", {"a.k": "x\ny\nz"}, id="continuation-lines"),
        pytest.param("[a]\nk =\n    x\n    y\n", {"a.k": "\nx\ny"}, id="value-starting-on-next-line"),
        pytest.param("[a]\nk = x\n\n  y\n", {"a.k": "x\n\ny"}, id="blank-line-inside-value-kept"),
        pytest.param(
            "[a]\nk = x\n  y\n\n\n[b]\nj = 1\n", {"a.k": "x\ny", "b.j": "1"}, id="trailing-blank-lines-dropped"
        ),
        pytest.param("[a]\nk = x\n  # not me\n  ; nor me\n  y\n", {"a.k": "x\ny"}, id="comment-lines-inside-value"),
        pytest.param("# top\n; top\n[a]\n# c\nk = v\n", {"a.k": "v"}, id="comment-lines-outside-values"),
        pytest.param("[a]\nk = v # kept until read\n", {"a.k": "v # kept until read"}, id="inline-comment-kept-raw"),
        pytest.param("[a]\nk = a;b\n", {"a.k": "a;b"}, id="semicolon-inside-value"),
        pytest.param("[a]\nDeps = v\nBASE_Python = p\n", {"a.deps": "v", "a.base_python": "p"}, id="keys-lower-cased"),
        pytest.param("[a]\nk: v\n", {"a.k": "v"}, id="colon-delimiter"),
        pytest.param("[a]\nk : a = b\n", {"a.k": "a = b"}, id="first-delimiter-wins-colon"),
        pytest.param("[a]\nurl = http://x:1\n", {"a.url": "http://x:1"}, id="first-delimiter-wins-equals"),
        pytest.param("[a]\n  k   =   v\n", {"a.k": "v"}, id="whitespace-around-key-and-value"),
        pytest.param("[a]\nk =\n", {"a.k": ""}, id="empty-value"),
        pytest.param(
            "[a]\n  k = x\n    y\n  j = z\n", {"a.k": "x\ny", "a.j": "z"}, id="indented-key-ends-continuation"
        ),
        pytest.param("[a]\nk = x\n  y\nj = z\n", {"a.k": "x\ny", "a.j": "z"}, id="unindented-key-ends-continuation"),
        pytest.param("[a]\r\nk = x\r\n  y\r\n", {"a.k": "x\ny"}, id="crlf-line-endings"),
        pytest.param("\ufeff[a]\nk = v\n", {"a.k": "v"}, id="byte-order-mark"),
        pytest.param("[testenv:py38]\nk = v\n", {"testenv:py38.k": "v"}, id="section-name-with-colon"),
        pytest.param("[a]\nk = 1\n[b]\nk = 2\n", {"a.k": "1", "b.k": "2"}, id="same-key-in-two-sections"),
        pytest.param("[a]\n[b]\n", {}, id="empty-sections"),
    ],
)
def test_parse_values(text: str, expected: dict[str, str]) -> None:
    assert _values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("[a]\nk = v\n", {"[a]": 1, "a.k": 2}, id="simple"),
        pytest.param(
            "# c\n\n[a]\nk = x\n  y\n  z\nj = w\n", {"[a]": 3, "a.k": 4, "a.j": 7}, id="value-at-its-key-line"
        ),
        pytest.param("\ufeff[a]\nk = v\n", {"[a]": 1, "a.k": 2}, id="bom-does-not-shift-lines"),
        pytest.param("[a]\n\n[b]\n\n\nk = v\n", {"[a]": 1, "[b]": 3, "b.k": 6}, id="blank-lines-counted"),
        pytest.param("[a]\r\nk = x\r\n  y\r\nj = z\r\n", {"[a]": 1, "a.k": 2, "a.j": 4}, id="crlf"),
    ],
)
def test_locations(text: str, expected: dict[str, int]) -> None:
    found = {}
    for section in parse_ini(text, "tox.ini"):
        assert section.location.file == "tox.ini"
        found[f"[{section.name}]"] = section.location.line
        for key, value in section.values.items():
            assert value.location.file == "tox.ini"
            found[f"{section.name}.{key}"] = value.location.line
    assert found == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[a]\nk = 1\n[a]\n", "tox.ini:3: section [a] already defined at line 1", id="duplicate-section"),
        pytest.param(
            "[a]\nk = 1\nj = 2\nk = 3\n", "tox.ini:4: key 'k' in [a] already set at line 2", id="duplicate-key"
        ),
        pytest.param(
            "[a]\nk = 1\nK = 2\n", "tox.ini:3: key 'k' in [a] already set at line 2", id="duplicate-key-other-case"
        ),
        pytest.param("k = 1\n[a]\n", "tox.ini:1: a key before any [section] header", id="key-before-section"),
        pytest.param(
            "# c\n\n  k = 1\n", "tox.ini:3: a key before any [section] header", id="indented-key-before-section"
        ),
        pytest.param("[a]\ngarbage\n", "tox.ini:2: cannot parse line 'garbage'", id="garbage-line"),
        pytest.param(
            "[a]\nk = 1\n[b]\n  x y\n", "tox.ini:4: cannot parse line 'x y'", id="indented-garbage-without-key"
        ),
        pytest.param("[a]\n= v\n", "tox.ini:2: cannot parse line '= v'", id="empty-key"),
        pytest.param("[a]\n[]\n", "tox.ini:2: cannot parse line '[]'", id="empty-section-name"),
        pytest.param("\ufeff[a]\n\nbad\n", "tox.ini:3: cannot parse line 'bad'", id="line-after-bom"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_ini(text, "tox.ini")
    assert str(caught.value).startswith(message)
    assert caught.value.location is not None
    assert caught.value.location.file == "tox.ini"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("no comment", "no comment", id="no-comment"),
        pytest.param("v # comment", "v", id="inline-comment"),
        pytest.param("v   #comment", "v", id="inline-comment-spaces-dropped"),
        pytest.param("v#comment", "v", id="hash-without-space"),
        pytest.param(r"a \# b", "a # b", id="escaped-hash"),
        pytest.param(r"\#\#", "##", id="two-escaped-hashes"),
        pytest.param(r"a \# b # c", "a # b", id="escaped-then-comment"),
        pytest.param("x\n# whole line\ny", "x\ny", id="whole-line-comment-dropped"),
        pytest.param("x # one\ny # two", "x\ny", id="comment-on-each-line"),
        pytest.param("x\n  # indented", "x\n", id="indented-comment-leaves-empty-line"),
        pytest.param("a;b ; c", "a;b ; c", id="semicolon-is-not-inline-comment"),
        pytest.param("", "", id="empty"),
    ],
)
def test_strip_comments(text: str, expected: str) -> None:
    assert strip_comments(text) == expected


@pytest.mark.parametrize(
    ("content", "key", "expected"),
    [
        pytest.param(b"[tox]\nenv_list = a # b\n", "env_list", "a", id="comment-stripped-on-read"),
        pytest.param(b"\xef\xbb\xbf[tox]\nenv_list = a\n", "env_list", "a", id="utf8-bom"),
        pytest.param(b"[tox]\r\nenv_list = a\r\n  b\r\n", "env_list", "a\nb", id="crlf"),
        pytest.param(b"[tox]\nx = a \\# b\n", "x", "a # b", id="escaped-hash"),
        pytest.param("[tox]\nx = caf\u00e9\n".encode(), "x", "caf\u00e9", id="utf8-text"),
    ],
)
def test_ini_source_reads_file(tmp_path: Path, content: bytes, key: str, expected: str) -> None:
    path = tmp_path / "tox.ini"
    path.write_bytes(content)
    source = IniSource.from_file(path)
    assert source.path == path
    assert source.root == tmp_path
    assert source.read(source.sections["tox"].values[key]) == expected


@pytest.mark.parametrize(
    ("content", "core_name"),
    [
        pytest.param("[tox]\n", "tox", id="tox"),
        pytest.param("[orch]\n", "orch", id="orch"),
        pytest.param("[tox]\n[orch]\n", "tox", id="both-tox-wins"),
        pytest.param("[testenv]\n", "tox", id="neither"),
    ],
)
def test_ini_source_core_name(tmp_path: Path, content: str, core_name: str) -> None:
    path = tmp_path / "tox.ini"
    path.write_text(content, encoding="utf-8")
    assert IniSource.from_file(path).core_name == core_name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "cannot read", id="missing-file"),
        pytest.param(b"[tox]\nx = caf\xe9\n", "tox.ini: not UTF-8 text", id="latin-1"),
        pytest.param(b"[tox]\n[tox]\n", "tox.ini:2: section [tox] already defined at line 1", id="syntax-error"),
    ],
)
def test_ini_source_errors(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "tox.ini"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        IniSource.from_file(path)
    assert message in str(caught.value)
