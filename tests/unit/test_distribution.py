"""orch's distribution name and the hints that name it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from orch import __version__
from orch.distribution import DISTRIBUTION, conda_extra_hint, install_hint, pinned

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_the_distribution_is_pyprojects_name() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION == "orch-tox"
    assert project["scripts"] == {"orch": "orch.cli.main:run"}  # the command keeps its name


def test_pinned_is_this_version() -> None:
    assert pinned() == f"orch-tox=={__version__}"


def test_install_hint() -> None:
    assert install_hint() == "pip install orch-tox"
    assert install_hint("conda") == "pip install 'orch-tox[conda]'"


@pytest.mark.parametrize("package", ["py-rattler", "py-rattler-build", "whl2conda"])
def test_conda_extra_hint_names_the_python_the_package_needs(package: str) -> None:
    assert conda_extra_hint(package, running=(3, 10)) == "pip install 'orch-tox[conda]'"
    hint = conda_extra_hint(package, running=(3, 9))
    assert hint == (
        f"{package} needs Python 3.10 or newer and this orch runs on Python 3.9: "
        "install 'orch-tox[conda]' with a newer Python"
    )


def test_no_install_of_orch_by_the_name_on_pypi() -> None:
    """`pip install orch` installs a stranger's project: no doc or generated file says it."""
    wrong = re.compile(r"pip install\s+(-U\s+)?['\"]?orch(?![\w-])")
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
    files = [p for p in files if "_build" not in p.parts]
    files += sorted((ROOT / "src" / "orch").rglob("*.py"))
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files for m in wrong.finditer(p.read_text("utf-8"))]
    assert found == []


def test_metadata() -> None:
    """A LICENSE beside pyproject.toml, the project's URLs, a classifier per supported Python, and
    py.typed in the package (the wheel ships everything under src/orch)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert {"Homepage", "Source", "Issues", "Documentation", "Changelog"} <= set(project["urls"])
    assert "Typing :: Typed" in project["classifiers"]
    minimum = int(project["requires-python"].removeprefix(">=3."))
    prefix = "Programming Language :: Python :: 3."
    versions = [c.rsplit(" ", 1)[1] for c in project["classifiers"] if c.startswith(prefix)]
    assert versions == [f"3.{m}" for m in range(minimum, minimum + len(versions))]
    assert (ROOT / "src" / "orch" / "py.typed").is_file()
