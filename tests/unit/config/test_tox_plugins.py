"""tox plugins in ``requires``: a note for those orch replaces (not with -q), a warning for each other one."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from orch.cli.main import main
from orch.config.tox_plugins import plugin_name, requires_messages


def test_plugin_names() -> None:
    assert plugin_name("tox-uv>=1.25") == "tox-uv"
    assert plugin_name("tox_gh_actions") == "tox-gh-actions"
    assert plugin_name("Tox-Extra >= 2.1") == "tox-extra"
    assert [plugin_name(r) for r in ("tox>=4.24", "virtualenv<20.22", "pip >= 20.2.4", "")] == [None] * 4


def test_messages() -> None:
    note, warnings = requires_messages(
        ["tox>=4", "tox-gh-actions", "tox-uv>=1.25", "tox-extra>=2.1", "tox-uv"], "tox.ini"
    )
    assert note is not None
    assert note.startswith("tox.ini requires tox-gh-actions, tox-uv: orch does this natively (")
    assert warnings == [
        "tox.ini requires tox-extra, a tox plugin orch does not replace: what it adds to tox is not done"
    ]
    assert requires_messages(["tox>=4", "setuptools>=65"], "tox.ini") == (None, [])


@pytest.mark.parametrize(("quiet", "shown"), [([], True), (["-q"], False)])
def test_orch_says_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], quiet: list[str], shown: bool
) -> None:
    ini = "[tox]\nrequires =\n    tox>=4\n    tox-gh-actions\n    tox-uv\n    tox-extra\nenv_list = a\n"
    (tmp_path / "tox.ini").write_text(textwrap.dedent(ini))
    monkeypatch.chdir(tmp_path)
    assert main(["list", *quiet]) == 0
    err = capsys.readouterr().err
    assert (err.count("note: tox.ini requires tox-gh-actions, tox-uv: orch does this natively") == 1) is shown
    assert (err.count("warning: tox.ini requires tox-extra, a tox plugin orch does not replace") == 1) is shown
    assert "warning: tox.ini requires tox-gh" not in err and "warning: tox.ini requires tox-uv" not in err
