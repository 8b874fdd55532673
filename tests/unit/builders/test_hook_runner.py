"""The hook runner script on small in-tree backends, run as orch runs it: a separate interpreter process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orch.builders.pep517 import HOOK_RUNNER

PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"

BACKEND = """\
import os, sys, warnings
CALLS = []  # one import for all the hooks of a run: the list grows across them

class UnsupportedOperation(Exception):
    pass

def get_requires_for_build_wheel(config_settings=None):
    CALLS.append("get_requires_for_build_wheel")
    return list((config_settings or {}).get("needs", "").split())

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    CALLS.append("build_wheel")
    print("building in", os.getcwd())
    warnings.warn("careful", UserWarning)
    warnings.warn("old", DeprecationWarning)
    return ",".join(CALLS) + "|" + str(config_settings) + "|" + str(metadata_directory)

def build_sdist(sdist_directory, config_settings=None):
    raise UnsupportedOperation("no sdists here")

def get_requires_for_build_sdist(config_settings=None):
    raise RuntimeError("boom")
"""


def run_hooks(
    project: Path,
    hooks: list[Any],
    *,
    backend: str = "backend",
    python: str = sys.executable,
    then: dict[str, Any] | None = None,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    order, result = project / "request.json", project / "result.json"
    result.unlink(missing_ok=True)
    request = {"backend": backend, "backend_path": [str(project / "in_tree")], "hooks": hooks, "result": str(result)}
    if then is not None:
        request["then"] = then
    order.write_text(json.dumps(request), encoding="utf-8")
    process = subprocess.run(
        [python, str(HOOK_RUNNER), str(order)], cwd=project, capture_output=True, text=True, check=False
    )
    return process, json.loads(result.read_text()) if result.exists() else None


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "in_tree").mkdir()
    (tmp_path / "in_tree" / "backend.py").write_text(BACKEND, encoding="utf-8")
    return tmp_path


def test_hooks_share_one_import_and_answer_in_order(project: Path) -> None:
    process, answer = run_hooks(
        project, [["get_requires_for_build_wheel", [None]], ["build_wheel", [str(project), {"a": "1"}, None]]]
    )
    assert process.returncode == 0, process.stderr
    assert answer == {
        "answers": [[], "get_requires_for_build_wheel,build_wheel|{'a': '1'}|None"],
        "problem": None,
    }
    assert f"building in {project}" in process.stdout  # the backend's output, for the build log
    assert "careful" in process.stderr and "old" not in process.stderr  # UserWarnings only, as pyproject_hooks


def test_stops_when_the_backend_asks_for_requirements(project: Path) -> None:
    needs = {"needs": "flit_core>=3 wheel"}
    _, answer = run_hooks(
        project, [["get_requires_for_build_wheel", [needs]], ["build_wheel", [str(project), needs, None]]]
    )
    assert answer == {"answers": [["flit_core>=3", "wheel"]], "problem": None}  # build_wheel left to the caller


def test_optional_hooks_default_and_required_ones_are_reported_missing(project: Path) -> None:
    _, answer = run_hooks(project, [["get_requires_for_build_editable", [None]], ["build_editable", ["x", None, None]]])
    assert answer is not None
    assert answer["answers"] == [[]]
    assert answer["problem"]["kind"] == "missing" and answer["problem"]["hook"] == "build_editable"


def test_unsupported_operation_is_reported(project: Path) -> None:
    _, answer = run_hooks(project, [["build_sdist", [str(project), None]]])
    assert answer is not None
    assert answer["problem"]["kind"] == "unsupported" and "no sdists here" in answer["problem"]["traceback"]


def test_a_hook_that_raises_exits_1_with_its_traceback(project: Path) -> None:
    process, answer = run_hooks(project, [["get_requires_for_build_sdist", [None]], ["build_sdist", [".", None]]])
    assert process.returncode == 1 and answer == {
        "answers": [],
        "problem": None,
        "failed": "get_requires_for_build_sdist",
    }
    assert "RuntimeError: boom" in process.stderr


def test_a_backend_that_is_not_in_backend_path_is_unavailable(project: Path) -> None:
    _, answer = run_hooks(project, [["get_requires_for_build_wheel", [None]]], backend="json")  # from the stdlib
    assert answer is not None
    assert answer["problem"]["kind"] == "unavailable" and "not found in backend-path" in answer["problem"]["message"]
    _, answer = run_hooks(project, [["get_requires_for_build_wheel", [None]]], backend="nowhere")
    assert answer is not None
    assert answer["problem"]["kind"] == "unavailable" and "No module named 'nowhere'" in answer["problem"]["traceback"]


def test_orch_builders_modules_do_not_shadow_the_backends_imports(project: Path) -> None:
    """The script's folder holds types.py and wheel.py: neither may be what the backend imports."""
    (project / "in_tree" / "backend.py").write_text(
        "import sys, types\n"
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        "    return types.__file__ + '|' + repr(sys.path)\n",
        encoding="utf-8",
    )
    _, answer = run_hooks(project, [["build_wheel", [".", None, None]]])
    assert answer is not None
    types_file, path = answer["answers"][0].split("|", 1)
    assert str(HOOK_RUNNER.parent) not in types_file and str(HOOK_RUNNER.parent) not in path


@pytest.mark.parametrize("minor", ["3.7", "3.8"])
def test_runs_on_the_oldest_build_interpreters(project: Path, minor: str) -> None:
    found = sorted(PYENV.glob(f"{minor}.*/bin/python{minor}"))
    if not found:
        pytest.skip(f"no CPython {minor} under {PYENV}")
    process, answer = run_hooks(
        project, [["get_requires_for_build_wheel", [None]], ["build_wheel", [".", None, None]]], python=str(found[-1])
    )
    assert process.returncode == 0, process.stderr
    assert answer is not None and answer["problem"] is None


SDIST_BACKEND = """\
import os, sys, tarfile

def build_sdist(sdist_directory, config_settings=None):
    sys.path.insert(0, os.getcwd())
    import helper  # the project's own module, as a setup.py reading its version would import it
    del sys.path[0]
    name = "proj-1.0.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as archive:
        archive.add("helper.py", "proj-1.0/helper.py")
        if (config_settings or {}).get("pyproject") == "changed":
            with open("changed.toml", "w") as stream:
                stream.write("[build-system]\\n")
            archive.add("changed.toml", "proj-1.0/pyproject.toml")
        else:
            archive.add("pyproject.toml", "proj-1.0/pyproject.toml")
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if (config_settings or {}).get("fail"):
        raise RuntimeError("no wheel")
    return os.getcwd() + "|" + str("helper" in sys.modules)
"""


def sdist_then_wheel(project: Path, settings: dict[str, str] | None = None) -> tuple[list[Any], dict[str, Any]]:
    (project / "in_tree" / "backend.py").write_text(SDIST_BACKEND, encoding="utf-8")
    (project / "pyproject.toml").write_text("[build-system]\nrequires = []\n", encoding="utf-8")
    (project / "helper.py").write_text("", encoding="utf-8")
    (project / "out").mkdir()
    (project / "unpack").mkdir()
    hooks = [["get_requires_for_build_sdist", [settings]], ["build_sdist", [str(project / "out"), settings]]]
    wheel = [["get_requires_for_build_wheel", [settings]], ["build_wheel", [str(project / "out"), settings, None]]]
    return hooks, {"unpack": str(project / "unpack"), "hooks": wheel}


@pytest.mark.parametrize("minor", ["", "3.7"])  # 3.7's tarfile has no extraction filters
def test_then_builds_the_wheel_in_the_unpacked_sdist_without_the_source_trees_modules(
    project: Path, minor: str
) -> None:
    found = sorted(PYENV.glob(f"{minor}.*/bin/python{minor}")) if minor else [Path(sys.executable)]
    if not found:
        pytest.skip(f"no CPython {minor} under {PYENV}")
    hooks, then = sdist_then_wheel(project)
    process, answer = run_hooks(project, hooks, then=then, python=str(found[-1]))
    assert process.returncode == 0, process.stderr
    unpacked = str(project / "unpack" / "proj-1.0")
    assert answer == {
        "answers": [[], "proj-1.0.tar.gz", [], f"{unpacked}|False"],  # helper from the source tree was forgotten
        "problem": None,
        "unpacked": unpacked,
    }


def test_then_is_left_to_the_caller_when_the_sdist_declares_another_build_system(project: Path) -> None:
    hooks, then = sdist_then_wheel(project, {"pyproject": "changed"})
    process, answer = run_hooks(project, hooks, then=then)
    assert process.returncode == 0, process.stderr
    assert answer == {"answers": [[], "proj-1.0.tar.gz"], "problem": None, "unpacked": None}


def test_a_wheel_hook_that_raises_after_the_sdist_is_named_in_the_partial_answer(project: Path) -> None:
    hooks, then = sdist_then_wheel(project, {"fail": "1"})
    process, answer = run_hooks(project, hooks, then=then)
    assert process.returncode == 1 and "RuntimeError: no wheel" in process.stderr
    assert answer is not None
    assert answer["answers"] == [[], "proj-1.0.tar.gz", []] and answer["failed"] == "build_wheel"
