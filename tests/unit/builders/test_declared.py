"""The backend a source tree declares: read with tomllib for the common table, by ``build`` otherwise,
and the same answer either way (``build``'s ProjectBuilder is the oracle)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from build import BuildException, ProjectBuilder
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from orch.builders.api import BuildError
from orch.builders.declared import declared_backend
from orch.builders.isolation import normalise

TABLES = {
    "plain": (
        '[build-system]\nrequires = ["hatchling", "hatch-vcs>=0.3", "hatchling"]\nbuild-backend = "hatchling.build"\n'
    ),
    "no build-backend": '[build-system]\nrequires = ["setuptools>=61"]\n',
    "no build-system": '[project]\nname = "x"\n',
    "backend-path": '[build-system]\nrequires = []\nbuild-backend = "be"\nbackend-path = ["src"]\n',
}


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_the_declared_backend_is_builds(tmp_path: Path, table: str) -> None:
    (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
    (tmp_path / "src").mkdir()
    oracle = ProjectBuilder(tmp_path)
    declared = declared_backend(tmp_path, "the wheel")
    assert declared.backend == oracle._backend  # build keeps it private
    assert declared.requires == sorted(oracle.build_system_requires)
    assert declared.backend_path == ([str(tmp_path / "src")] if "backend-path" in table else [])


@pytest.mark.parametrize(
    "table",
    [
        '[build-system]\nrequires = "hatchling"\nbuild-backend = "hatchling.build"\n',
        '[build-system]\nrequires = []\nbuild-backend = "hatchling.build"\nextra = 1\n',
        "[build-system\n",
    ],
    ids=["requires not a list", "unknown key", "not toml"],
)
def test_a_table_build_refuses_gets_builds_message(tmp_path: Path, table: str) -> None:
    (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
    with pytest.raises(BuildException) as oracle:
        ProjectBuilder(tmp_path)
    with pytest.raises(BuildError) as caught:
        declared_backend(tmp_path, "the wheel")
    assert str(caught.value) == f"cannot build the wheel of {tmp_path}: {oracle.value}"


def test_the_common_table_imports_neither_build_nor_packaging(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(TABLES["plain"], encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from orch.builders.pep517 import declared_backend;"
        "from orch.builders.isolation import normalise;"
        f"print(declared_backend(Path({str(tmp_path)!r}), 'x').backend, normalise(['hatchling', 'Flit_Core']),"
        "sorted(m for m in sys.modules if m.split('.')[0] in ('build', 'packaging', 'pyproject_hooks')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["hatchling.build", "['flit-core',", "'hatchling']", "[]"]


@pytest.mark.parametrize(
    "names", [["hatchling"], ["Flit_Core", "flit-core", "flit.core"], ["a", "B2", "x-y__z.w"], ["setuptools>=61", "x"]]
)
def test_bare_names_normalise_as_packaging_does(names: list[str]) -> None:
    def spelled(text: str) -> str:
        requirement = Requirement(text)
        requirement.name = canonicalize_name(requirement.name)
        return str(requirement)

    assert normalise(names) == sorted({spelled(name) for name in names})


@pytest.mark.parametrize(
    "content",
    [
        b'[build-system]\nrequires = []\nbuild-backend = "be"\nbackend-path = [".."]\nextra = 1\n',
        b'[build-system]\nrequires = ["caf\xe9"]\nbuild-backend = "be"\nextra = 1\n',
    ],
    ids=["backend-path outside the tree", "not UTF-8"],
)
def test_what_build_raises_as_valueerror_is_a_build_error_too(tmp_path: Path, content: bytes) -> None:
    """A review found these came out of ProjectBuilder as a traceback: a one-line error now."""
    (tmp_path / "pyproject.toml").write_bytes(content)
    with pytest.raises(BuildError, match=r"^cannot build the wheel of "):
        declared_backend(tmp_path, "the wheel")
