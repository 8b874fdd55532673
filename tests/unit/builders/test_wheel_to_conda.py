"""Wheel facts the conda conversion depends on: markers for a target Python, per-Python packages,
build numbers; and a real conversion of a small wheel (whl2conda, offline)."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from orch.builders.wheel_to_conda import (
    build_number,
    content_hash,
    is_pure,
    marker_dependencies,
    python_dependent,
    requires_dist,
)


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def wheel(folder: Path, requires: list[str], tag: str = "py3-none-any", files: dict[str, str] | None = None) -> Path:
    path = folder / f"demo_pkg-1.0-{tag}.whl"
    metadata = "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: >=3.8\n"
    metadata += "".join(f"Requires-Dist: {line}\n" for line in requires) + "\n"
    contents = {
        "demo_pkg/__init__.py": "VALUE = 1\n",
        "demo_pkg-1.0.dist-info/METADATA": metadata,
        "demo_pkg-1.0.dist-info/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n",
        **(files or {}),
    }
    record = "".join(f"{name},{_hash(text)},{len(text)}\n" for name, text in contents.items())
    record += "demo_pkg-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in contents.items():
            archive.writestr(name, text)
        archive.writestr("demo_pkg-1.0.dist-info/RECORD", record)
    return path


def test_marker_dependencies_hold_for_the_target_python(tmp_path: Path) -> None:
    made = wheel(
        tmp_path,
        ["iniconfig", "tomli>=1; python_version < '3.11'", "colorama; sys_platform == 'win32'", "rich; extra == 'x'"],
    )
    assert requires_dist(made)[0] == "iniconfig"
    assert marker_dependencies(made, "3.8") == ["tomli >=1"]
    assert marker_dependencies(made, "3.12") == []
    assert python_dependent(made)
    assert is_pure(made)


def test_a_pure_wheel_without_python_markers_serves_every_python(tmp_path: Path) -> None:
    made = wheel(tmp_path, ["iniconfig", "colorama; sys_platform == 'win32'"])
    assert not python_dependent(made)
    native = wheel(tmp_path, [], tag="cp312-cp312-manylinux_2_17_x86_64")
    assert python_dependent(native) and not is_pure(native)


def test_build_numbers_are_stable_and_differ_per_input(tmp_path: Path) -> None:
    assert build_number("a", "3.8") == build_number("a", "3.8")
    assert build_number("a", "3.8") != build_number("a", "3.12")
    assert 0 <= build_number("x") < 2**31
    first = content_hash(wheel(tmp_path, []))
    other = tmp_path / "other"
    other.mkdir()
    assert content_hash(wheel(other, [], files={"demo_pkg/more.py": ""})) != first


def test_convert_a_pure_wheel_with_its_marker_dependencies(tmp_path: Path) -> None:
    pytest.importorskip("whl2conda", minversion="26.7")
    from conda_package_streaming import package_streaming

    from orch.builders.wheel_to_conda import convert_wheel

    made = wheel(tmp_path, ["iniconfig", "typing-extensions; python_version < '3.11'"])
    package = convert_wheel(made, tmp_path / "channel", python_version="3.8", number=7)
    assert package.parent.name == "noarch"
    assert package.name == "demo-pkg-1.0-py_7.conda"
    index = None
    for tar, member in package_streaming.stream_conda_component(package, component="info"):
        if member.name == "info/index.json":
            index = json.load(tar.extractfile(member))  # type: ignore[arg-type]
            break
    assert index is not None
    assert index["build_number"] == 7
    assert "typing_extensions" in " ".join(index["depends"])  # conda-forge's name
    assert "python 3.8.*" in index["depends"]
