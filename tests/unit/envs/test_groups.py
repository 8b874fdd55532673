"""Reading PEP 735 dependency groups from pyproject.toml as tox 4 does."""

from __future__ import annotations

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
