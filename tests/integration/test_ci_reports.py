"""What CI reads: ``--result-json`` read by tools written for tox's file, ``--junit`` by strict readers.

tox and orch run the same tiny project; every key of tox's ``--result-json`` (but its ``.pkg`` build
env) must be in orch's, with the same JSON type (issue 13).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import xmlschema

from orch_project import Project
from tox_oracle import needs_oracle_tox

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("tox") is None, reason="tox is not installed"),
]

JUNIT_10 = Path(__file__).parents[1] / "unit" / "report" / "schemas" / "junit-10.xsd"
TOX_INI = """
[tox]
env_list = pkg, bad, missing
[testenv]
commands = python -c "print('hello')"
[testenv:bad]
skip_install = true
commands = python -c "import sys; print('bad'); sys.exit(3)"
[testenv:missing]
base_python = python2.5
skip_install = true
"""
PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
[project]
name = "tiny"
version = "0.1"
"""


def shapes(value: object, path: str = "") -> dict[str, str]:
    """Every key path of a JSON document and its type: the schema, so any env's name is ``*`` and
    a list's items are ``path[]`` (known from the lists that have some)."""
    found = {path: type(value).__name__}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(shapes(item, f"{path}.{'*' if path == '.testenvs' else key}"))
    elif isinstance(value, list):
        for item in value:
            found.update(shapes(item, f"{path}[]"))
    return found


@pytest.fixture(scope="module")
def reports(
    tmp_path_factory: pytest.TempPathFactory, orch_cache: Path
) -> tuple[dict[str, object], dict[str, object], Path]:
    files = {"tox.ini": TOX_INI, "pyproject.toml": PYPROJECT, "src/tiny/__init__.py": ""}
    proj = Project(tmp_path_factory.mktemp("tiny"), orch_cache).write(files)
    root = proj.path
    tox = ("run", "--result-json", "tox.json", "--no-provision", "-x", "tox.requires=")
    orch = ("run", "--result-json", "orch.json", "--junit", "orch.xml")
    for tool, args in (("tox", tox), ("orch", orch)):
        done = proj.run(*args, tool=tool)
        assert done.code != 0, done.out + done.err  # bad and missing fail, in both
        assert (root / args[2]).is_file(), done.out + done.err
    return json.loads((root / "tox.json").read_text()), json.loads((root / "orch.json").read_text()), root


def test_every_key_of_toxs_result_json_is_in_orchs(reports: tuple[dict[str, object], dict[str, object], Path]) -> None:
    tox, orch, _ = reports
    testenvs = tox["testenvs"]
    assert isinstance(testenvs, dict)
    testenvs.pop(".pkg", None)  # tox's package build env: orch builds outside any env
    theirs, ours = shapes(tox), shapes(orch)
    missing = {path: kind for path, kind in theirs.items() if path not in ours}
    differ = {path: (kind, ours[path]) for path, kind in theirs.items() if path in ours and ours[path] != kind}
    assert not missing, f"tox's keys missing from orch's file: {missing}"
    assert not differ, f"tox's keys of another type in orch's file (tox, orch): {differ}"


@needs_oracle_tox  # tox before 4.67 has no "skipped" in an env's result
def test_the_values_say_what_tox_says(reports: tuple[dict[str, object], dict[str, object], Path]) -> None:
    tox, orch, _ = reports
    for name in ("pkg", "bad", "missing"):
        assert orch["testenvs"][name]["result"] == {  # type: ignore[index]
            **tox["testenvs"][name]["result"],  # type: ignore[index]
            "duration": orch["testenvs"][name]["result"]["duration"],  # type: ignore[index]
        }
    pkg = orch["testenvs"]["pkg"]  # type: ignore[index]
    assert pkg["test"][0]["output"] == "hello\n"
    assert pkg["test"][0]["run_id"] == "commands[0]"
    assert pkg["python"]["version_info"][:3] == tox["testenvs"]["pkg"]["python"]["version_info"][:3]  # type: ignore[index]
    assert any(line.startswith("tiny") for line in pkg["installed_packages"])
    assert pkg["installpkg"]["sha256"]
    assert orch["testenvs"]["bad"]["test"][0]["output"] == "bad\n"  # type: ignore[index]
    assert "envs" in orch and orch["format"] == 2  # orch's own keys beside tox's


def test_junit_passes_the_junit_10_xsd(reports: tuple[dict[str, object], dict[str, object], Path]) -> None:
    _, _, root = reports
    xmlschema.XMLSchema(str(JUNIT_10)).validate(str(root / "orch.xml"))
