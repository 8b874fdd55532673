"""Reading PEP 735 dependency groups from pyproject.toml as tox 4 does."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orch.envs.groups import GroupError, resolve

PYPROJECT = """
[project]
name = "Demo_Proj"
[project.optional-dependencies]
fast = ["ujson; sys_platform == 'linux'"]
[dependency-groups]
Test_Tools = ["pytest>=8", {include-group = "cov"}]
cov = ["coverage[toml]"]
self = ["demo-proj[fast]; python_version >= '3.9'"]
loop = [{include-group = "loop2"}]
loop2 = [{include-group = "loop"}]
bad = [3]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    return tmp_path


def test_included_groups_and_normalised_names(root: Path) -> None:
    assert resolve(root, ["test-tools"]) == ("coverage[toml]", "pytest>=8")


def test_own_extra_becomes_its_requirements_with_both_markers(root: Path) -> None:
    assert resolve(root, ["self"]) == ('ujson; python_version >= "3.9" and sys_platform == "linux"',)


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ("nope", "dependency group 'nope' not found in"),
        ("loop", "includes itself (loop -> loop2 -> loop)"),
        ("bad", "has an invalid item 3"),
    ],
)
def test_problems_are_one_line(root: Path, group: str, message: str) -> None:
    with pytest.raises(GroupError) as info:
        resolve(root, [group])
    assert message in str(info.value) and "\n" not in str(info.value)


def test_no_pyproject(tmp_path: Path) -> None:
    with pytest.raises(GroupError, match=r"no pyproject\.toml in"):
        resolve(tmp_path, ["test"])
    assert resolve(tmp_path, []) == ()


def _age(path: Path, seconds: float = 60) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - int(seconds * 1e9)))


def test_the_answer_is_kept_while_the_file_is_unchanged(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "e.groups.json"
    _age(root / "pyproject.toml")
    assert resolve(root, ["test-tools"], cache) == ("coverage[toml]", "pytest>=8")
    kept = json.loads(cache.read_text())
    kept["requirements"] = ["from-the-cache"]  # proves the next answer is read, not parsed
    cache.write_text(json.dumps(kept))
    assert resolve(root, ["test-tools"], cache) == ("from-the-cache",)
    assert resolve(root, ["cov"], cache) == ("coverage[toml]",)  # other groups: parsed again
    (root / "pyproject.toml").write_text(PYPROJECT.replace("pytest>=8", "pytest>=9"))
    assert resolve(root, ["test-tools"], cache) == ("coverage[toml]", "pytest>=9")  # changed: parsed


def test_no_answer_is_kept_from_a_file_just_written_or_with_a_password(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "e.groups.json"
    resolve(root, ["test-tools"], cache)
    assert not cache.exists()  # written in the last seconds: a write in the same clock tick could go unseen
    (root / "pyproject.toml").write_text('[dependency-groups]\ng = ["pkg @ https://me:s3cret@example.com/pkg.whl"]\n')
    _age(root / "pyproject.toml")
    assert resolve(root, ["g"], cache) == ("pkg @ https://me:s3cret@example.com/pkg.whl",)
    assert not cache.exists()


def test_a_bad_cache_is_read_past(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "e.groups.json"
    cache.write_text("{not json")
    _age(root / "pyproject.toml")
    assert resolve(root, ["cov"], cache) == ("coverage[toml]",)
    assert json.loads(cache.read_text())["requirements"] == ["coverage[toml]"]
