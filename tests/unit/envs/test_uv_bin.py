"""Which uv binary orch runs (orch.envs.installer.uv_bin), and at what cost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from orch.envs.installer import uv_bin
print(uv_bin("e"))
print(sorted(name for name in ("uv", "sysconfig") if name in sys.modules))
"""


@pytest.mark.skipif(not (Path(sys.executable).parent / "uv").is_file(), reason="uv beside this Python (a venv)")
def test_the_uv_beside_orchs_python_is_taken_without_importing_the_uv_package() -> None:
    """Issue 15: in a venv, pip and uv put the ``uv`` package's binary beside the venv's Python, which is where
    ``find_uv_bin`` looks first; found there, neither the package nor ``sysconfig`` is imported (6 ms)."""
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == os.path.join(os.path.dirname(sys.executable), "uv")
    assert out[1] == "[]"


def test_without_uv_beside_it_the_uv_package_says_where_uv_is(tmp_path: Path) -> None:
    """A Python with no ``uv`` in its folder (here a link to this one in an empty folder) asks the package."""
    python = tmp_path / "python"
    python.symlink_to(sys.executable)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, check=True, env=env)
    from uv import find_uv_bin

    assert done.stdout.split("\n")[0] == os.fsdecode(find_uv_bin())


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script as the other uv")
def test_outside_a_venv_another_uv_beside_python_is_not_taken(tmp_path: Path) -> None:
    """Review of issue 15: beside a system Python (``/usr/bin/python3``) may lie a distro's ``uv``, while the uv
    package orch depends on is elsewhere (``~/.local/bin``); outside a venv, the package says where uv is."""
    python = tmp_path / "python3"
    python.symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    other = tmp_path / "uv"
    other.write_text("#!/bin/sh\necho 'uv 0.1.0 (a distro)'\n", encoding="utf-8")
    other.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry)}
    done = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, check=True, env=env)
    from uv import find_uv_bin

    assert done.stdout.split("\n")[0] == os.fsdecode(find_uv_bin())
