"""Which config file orch reads: tox 4's discovery order, orch's own files first, ``-c FILE`` and ``-c DIR``.

tox.toml and a native ``[tool.tox]`` are read by :mod:`orch.config.toxtoml`; here only the choice of
file and kind is tested, through :func:`discover` and :func:`classify`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _project import load_file

from orch.config.load import SEARCHED, Found, classify, discover, read_source
from orch.config.raw import RawSection, Source
from orch.errors import ConfigError, Location

TOX_INI = "[tox]\nenv_list = ini\n"
SETUP_CFG = "[metadata]\nname = x\n\n[tox:tox]\nenvlist = cfg\n"
NATIVE = '[project]\nname = "x"\n\n[tool.tox]\nenv_list = ["native"]\n'
LEGACY = '[tool.tox]\nlegacy_tox_ini = """\n[tox]\nenv_list = legacy\n"""\n'
TOX_TOML = 'env_list = ["toml"]\n'
ORCH_TOML = 'env_list = ["orch"]\n'
TOOL_ORCH = '[tool.orch]\nenv_list = ["orch"]\n'


def put(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"tox.ini": TOX_INI}, Found(Path("tox.ini"), "tox.ini"), id="tox.ini"),
        pytest.param({"setup.cfg": SETUP_CFG}, Found(Path("setup.cfg"), "setup.cfg"), id="setup.cfg"),
        pytest.param({"pyproject.toml": NATIVE}, Found(Path("pyproject.toml"), "tool.tox"), id="native"),
        pytest.param({"pyproject.toml": LEGACY}, Found(Path("pyproject.toml"), "legacy_tox_ini"), id="legacy"),
        pytest.param({"tox.toml": TOX_TOML}, Found(Path("tox.toml"), "tox.toml"), id="tox.toml"),
        pytest.param({"orch.toml": ORCH_TOML}, Found(Path("orch.toml"), "orch.toml"), id="orch.toml"),
        pytest.param({"pyproject.toml": TOOL_ORCH}, Found(Path("pyproject.toml"), "tool.orch"), id="tool.orch"),
        # the order within one folder
        pytest.param({"tox.ini": TOX_INI, "setup.cfg": SETUP_CFG}, Found(Path("tox.ini"), "tox.ini"), id="ini>cfg"),
        pytest.param(
            {"setup.cfg": SETUP_CFG, "pyproject.toml": NATIVE}, Found(Path("setup.cfg"), "setup.cfg"), id="cfg>native"
        ),
        pytest.param(
            {"setup.cfg": SETUP_CFG, "pyproject.toml": LEGACY}, Found(Path("setup.cfg"), "setup.cfg"), id="cfg>legacy"
        ),
        pytest.param(
            {"pyproject.toml": NATIVE + 'legacy_tox_ini = "[tox]"\n'},
            Found(Path("pyproject.toml"), "tool.tox"),
            id="native>legacy",
        ),
        pytest.param(
            {"pyproject.toml": LEGACY, "tox.toml": TOX_TOML},
            Found(Path("pyproject.toml"), "legacy_tox_ini"),
            id="legacy>tox.toml",
        ),
        pytest.param(
            {"pyproject.toml": NATIVE, "tox.toml": TOX_TOML},
            Found(Path("pyproject.toml"), "tool.tox"),
            id="nat>toml",
        ),
        pytest.param({"tox.ini": TOX_INI, "tox.toml": TOX_TOML}, Found(Path("tox.ini"), "tox.ini"), id="ini>toml"),
        pytest.param(
            {"orch.toml": ORCH_TOML, "tox.ini": TOX_INI, "pyproject.toml": NATIVE},
            Found(Path("orch.toml"), "orch.toml"),
            id="orch.toml>ini",
        ),
        pytest.param(
            {"pyproject.toml": TOOL_ORCH + '\n[tool.tox]\nenv_list = ["x"]\n', "tox.ini": TOX_INI},
            Found(Path("pyproject.toml"), "tool.orch"),
            id="tool.orch>ini",
        ),
        # not configs: skipped for the next kind
        pytest.param(
            {"setup.cfg": "[metadata]\nname = x\n", "tox.toml": TOX_TOML}, Found(Path("tox.toml"), "tox.toml"), id="cfg"
        ),
        pytest.param(
            {"pyproject.toml": '[project]\nname = "tox"\n', "tox.toml": TOX_TOML},
            Found(Path("tox.toml"), "tox.toml"),
            id="pyproject",
        ),
        pytest.param(
            {"pyproject.toml": '[project.optional-dependencies]\ntox = ["tox"]\n', "tox.toml": TOX_TOML},
            Found(Path("tox.toml"), "tox.toml"),
            id="pyproject-tox-extra",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.tox]\n", "tox.toml": TOX_TOML},
            Found(Path("tox.toml"), "tox.toml"),
            id="empty-tool.tox",
        ),
        pytest.param(
            {"pyproject.toml": '[tool]\ntox.env_list = ["x"]\n'}, Found(Path("pyproject.toml"), "tool.tox"), id="dotted"
        ),
        pytest.param(
            {"pyproject.toml": '[tool."tox"]\nlegacy_tox_ini = ""\n'},
            Found(Path("pyproject.toml"), "legacy_tox_ini"),
            id="quoted",
        ),
    ],
)
def test_discover_order(tmp_path: Path, files: dict[str, str], expected: Found) -> None:
    put(tmp_path, files)
    assert discover(tmp_path) == Found(tmp_path / expected.path, expected.kind)


@pytest.mark.parametrize(
    "files",
    [
        {"tox.toml": TOX_TOML},
        {"setup.cfg": SETUP_CFG},
        {"pyproject.toml": NATIVE},
        {"pyproject.toml": LEGACY},
        {"orch.toml": ORCH_TOML},
    ],
    ids=lambda files: next(iter(files)),
)
def test_a_parent_tox_ini_does_not_win_over_this_folder(tmp_path: Path, files: dict[str, str]) -> None:
    put(tmp_path, {"tox.ini": TOX_INI})
    child = put(tmp_path / "sub", files)
    assert discover(child).path.parent == child
    assert discover(put(child / "deeper", {})).path.parent == child


def test_a_parent_is_searched_when_this_folder_has_no_config(tmp_path: Path) -> None:
    put(tmp_path, {"setup.cfg": SETUP_CFG})
    child = put(tmp_path / "sub", {"setup.cfg": "[flake8]\nmax-line-length = 99\n", "pyproject.toml": "[project]\n"})
    assert discover(child) == Found(tmp_path / "setup.cfg", "setup.cfg")


def test_no_config_names_everything_searched(tmp_path: Path) -> None:
    put(tmp_path, {"setup.cfg": "[metadata]\n", "pyproject.toml": "[project]\n"})
    with pytest.raises(ConfigError) as info:
        discover(tmp_path, parents=False)
    message = str(info.value)
    assert message.startswith(f"no config found in {tmp_path}; searched each folder for ")
    for what in SEARCHED.values():
        assert what in message
    assert "setup.cfg [tox:tox]" in message and "legacy_tox_ini" in message and "tox.toml" in message
    assert "\n" not in message


def test_invalid_toml_with_tool_tox_is_an_error_not_a_parent(tmp_path: Path) -> None:
    put(tmp_path, {"tox.ini": TOX_INI})
    child = put(tmp_path / "sub", {"pyproject.toml": '[project]\nname = "x"\n\n[tool.tox]\nenv_list = [\n'})
    with pytest.raises(ConfigError, match=r"^.*sub/pyproject\.toml:\d+: invalid TOML"):
        discover(child)


def test_non_utf8_pyproject_with_tool_tox_is_an_error(tmp_path: Path) -> None:
    put(tmp_path, {"tox.ini": TOX_INI})
    child = tmp_path / "sub"
    child.mkdir()
    (child / "pyproject.toml").write_bytes(b'[tool.tox]\ndescription = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: not UTF-8 text"):
        discover(child)


def test_invalid_toml_without_tool_tox_is_not_a_config(tmp_path: Path) -> None:
    put(tmp_path, {"tox.ini": TOX_INI})
    child = put(tmp_path / "sub", {"pyproject.toml": "[project\n"})
    assert discover(child) == Found(tmp_path / "tox.ini", "tox.ini")


def test_non_utf8_tox_ini_is_an_error_not_a_parent(tmp_path: Path) -> None:
    put(tmp_path, {"tox.ini": TOX_INI})
    child = tmp_path / "sub"
    child.mkdir()
    (child / "tox.ini").write_bytes(b"[tox]\nenv_list = caf\xe9\n")
    with pytest.raises(ConfigError, match=r"tox\.ini: not UTF-8 text"):
        load_file(child)


def test_bad_ini_syntax_in_setup_cfg_is_an_error(tmp_path: Path) -> None:
    put(tmp_path, {"tox.ini": TOX_INI})
    child = put(tmp_path / "sub", {"setup.cfg": "[tox:tox]\nenvlist = a\nnot a key line\n"})
    with pytest.raises(ConfigError, match=r"^setup\.cfg:3: cannot parse line"):
        load_file(child)


# --------------------------------------------------------------------------------- -c FILE / DIR
@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("tox.ini", TOX_INI, "tox.ini"),
        ("custom.ini", TOX_INI, "tox.ini"),
        ("tox-ci.cfg", TOX_INI, "tox.ini"),
        ("setup.cfg", SETUP_CFG, "setup.cfg"),
        ("pyproject.toml", NATIVE, "tool.tox"),
        ("pyproject.toml", LEGACY, "legacy_tox_ini"),
        ("pyproject.toml", TOOL_ORCH, "tool.orch"),
        ("tox.toml", TOX_TOML, "tox.toml"),
        ("orch.toml", ORCH_TOML, "orch.toml"),
        ("ci.toml", ORCH_TOML, "orch.toml"),
    ],
)
def test_classify_a_named_file(tmp_path: Path, name: str, text: str, kind: str) -> None:
    put(tmp_path, {name: text})
    assert classify(tmp_path / name) == Found(tmp_path / name, kind)  # type: ignore[arg-type]


def test_dash_c_pyproject_without_a_table_is_an_error(tmp_path: Path) -> None:
    put(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n'})
    with pytest.raises(ConfigError, match=r"pyproject\.toml: no \[tool\.tox\] or \[tool\.orch\] table"):
        load_file(tmp_path, Path("pyproject.toml"))


def test_dash_c_setup_cfg_without_tox_tox_is_an_error(tmp_path: Path) -> None:
    put(tmp_path, {"setup.cfg": "[metadata]\nname = x\n\n[testenv]\ndeps = pytest\n"})
    with pytest.raises(ConfigError, match=r"^setup\.cfg: no \[tox:tox\] section"):
        load_file(tmp_path, Path("setup.cfg"))


def test_dash_c_other_ini_name_reads_a_tox_ini(tmp_path: Path) -> None:
    put(tmp_path, {"ci.ini": "[tox]\nenv_list = a, b\n", "tox.ini": TOX_INI})
    assert load_file(tmp_path, Path("ci.ini")).names.default == ("a", "b")


def test_dash_c_dir_searches_that_folder_only(tmp_path: Path) -> None:
    put(tmp_path, {"tox.ini": TOX_INI})
    put(tmp_path / "sub", {"setup.cfg": SETUP_CFG})
    put(tmp_path / "empty", {})
    assert load_file(tmp_path, Path("sub")).names.default == ("cfg",)
    with pytest.raises(ConfigError, match=r"^no config found in .*empty; searched"):
        load_file(tmp_path, Path("empty"))


def test_read_source_hands_tox_toml_kinds_to_the_native_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import orch.config.toxtoml

    seen: list[Path] = []

    def fake(path: Path) -> Source:
        seen.append(path)
        return Source(path, [RawSection("tox", Location(path.name, 1))])

    monkeypatch.setattr(orch.config.toxtoml, "read_tox_toml", fake)
    put(tmp_path, {"tox.toml": TOX_TOML, "pyproject.toml": NATIVE})
    read_source(discover(tmp_path))
    read_source(tmp_path / "tox.toml")
    assert seen == [tmp_path / "pyproject.toml", tmp_path / "tox.toml"]


def test_a_tox_ini_project_parses_no_toml(tmp_path: Path) -> None:
    """A pyproject.toml beside a tox.ini is looked at for [tool.orch] without a TOML parser, and
    [tool.tox] there is never examined: tox.ini comes first."""
    put(tmp_path, {"tox.ini": TOX_INI, "pyproject.toml": NATIVE + "\n[tool.other]\nx = 1\n"})
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from orch.config.load import discover, read_source
        found = discover(Path({str(tmp_path)!r}))
        read_source(found)
        print(found.kind, sorted({{'tomllib', 'tomli', 'orch.config.toml'}} & set(sys.modules)))
        """
    )
    src = str(Path(read_source.__code__.co_filename).parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert result.stdout.strip() == "tox.ini []"


def test_an_empty_tox_toml_is_skipped_for_a_parents_config(tmp_path: Path) -> None:
    """tox reads a tox.toml with no settings as no config at all, and looks further up."""
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = a\n", encoding="utf-8")
    child = tmp_path / "child"
    child.mkdir()
    (child / "tox.toml").write_text("# nothing yet\n\n", encoding="utf-8")
    assert discover(child) == Found(tmp_path.resolve() / "tox.ini", "tox.ini")


def test_an_empty_tox_toml_without_a_parent_config_is_an_empty_config(tmp_path: Path) -> None:
    """tox warns "No loadable ... found, assuming empty" and goes on with the env `py`; so does orch."""
    (tmp_path / "tox.toml").write_text("", encoding="utf-8")
    assert discover(tmp_path) == Found(tmp_path.resolve() / "tox.toml", "tox.toml")
    assert load_file(tmp_path).names.all == ("py",)


@pytest.mark.parametrize(
    "pyproject",
    [
        '[tool]\norch = { env_list = ["a"] }\n',
        'tool = { orch = { env_list = ["a"] } }\n',
        '[tool]\n"orch" = { env_list = ["a"] }\n',
        '[tool]\norch.env_list = ["a"]\n',
        '["tool".orch]\nenv_list = ["a"]\n',
        "[tool.'orch']\nenv_list = [\"a\"]\n",
        'tool.orch.env_list = ["a"]\n',
        '[tool . orch]\nenv_list = ["a"]\n',
    ],
    ids=["tool-inline", "top-inline", "quoted", "dotted-under-tool", "quoted-tool", "literal", "top-dotted", "spaced"],
)
def test_every_valid_spelling_of_tool_orch_is_found(tmp_path: Path, pyproject: str) -> None:
    """Discovery finds [tool.orch] however TOML lets it be written, before the tox.ini beside it."""
    put(tmp_path, {"tox.ini": TOX_INI, "pyproject.toml": pyproject})
    assert discover(tmp_path) == Found(tmp_path.resolve() / "pyproject.toml", "tool.orch")
    assert classify(tmp_path / "pyproject.toml").kind == "tool.orch"


@pytest.mark.parametrize(
    "pyproject",
    ['[project]\nname = "x"\ndependencies = ["orch"]\n', "[tool.foo]\norch = 1\n", '[tool]\norch = "x"\n'],
    ids=["dependency", "other-tool", "not-a-table"],
)
def test_an_orch_word_that_is_no_tool_orch_table_is_not_a_config(tmp_path: Path, pyproject: str) -> None:
    put(tmp_path, {"tox.ini": TOX_INI, "pyproject.toml": pyproject})
    assert discover(tmp_path).kind == "tox.ini"
