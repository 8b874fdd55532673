"""The wheel built from the sdist in the sdist's own backend process (orch.builders.hook_runner) sees
what a fresh process would: a hatchling build hook that puts its folder on ``sys.path`` and imports a
helper the sdist leaves out fails the wheel's build, as ``python -m build`` (sdist, then the wheel from
it in a fresh process) fails with ``No module named 'helper'``. A review found the chained build
imported ``helper`` from the staged source tree, still on ``sys.path``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

FILES = {
    "pyproject.toml": """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
[project]
name = "hb"
version = "1.0"
[tool.hatch.build.hooks.custom]
[tool.hatch.build.targets.sdist]
exclude = ["helper.py"]
""",
    "hatch_build.py": """\
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hatchling.builders.hooks.plugin.interface import BuildHookInterface
import helper

class CustomHook(BuildHookInterface):
    pass
""",
    "helper.py": "VALUE = 42\n",
    "src/hb/__init__.py": "",
    "tox.ini": "[tox]\nenv_list = a\n[testenv:a]\npackage = sdist\ncommands = python -c pass\n",
}


def test_a_module_the_sdist_leaves_out_fails_the_wheel_from_it(project) -> None:
    proj = project(FILES)
    outcome = proj.run("run", "-e", "a")  # python -m build fails: No module named 'helper'
    assert outcome.code != 0 and "building the wheel from the sdist failed" in outcome.out, outcome
