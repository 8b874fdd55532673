"""The selected envs as a CI matrix: one entry per env with its Python version, env type and OS.

``orch matrix`` prints the entries as a GitHub Actions ``strategy.matrix``, a GitLab
``parallel:matrix`` or JSON; ``orch ci`` builds whole workflows around them
(:mod:`orch.report.workflows`). Each CI job then runs ``orch run -e ENV``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from orch.config.implicit import implementation_of, python_factor, version_of
from orch.report.yaml import dump

if TYPE_CHECKING:
    from orch.config.project import Config

DEFAULT_PYTHON = "3.12"  # the runner's Python when an env's name and config name none
DEFAULT_OS = "ubuntu-latest"
CONDA_IMAGE = "condaforge/miniforge3:latest"  # GitLab's image for conda envs
OLDEST_RUNNER = (3, 9)  # the oldest Python orch itself runs on
#: env-name factor -> GitHub-hosted runner image
OS_FACTORS = {
    "linux": "ubuntu-latest",
    "ubuntu": "ubuntu-latest",
    "macos": "macos-latest",
    "darwin": "macos-latest",
    "windows": "windows-latest",
    "win32": "windows-latest",
}
#: ``sys.platform`` of each runner image, to read an env's ``platform`` regular expression
_PLATFORMS = (("linux", "ubuntu-latest"), ("darwin", "macos-latest"), ("win32", "windows-latest"))
FORMATS = ("github", "gitlab", "json")


class MatrixEntry(NamedTuple):
    """One CI job: the env, the Python version to set up (``3.12``, ``pypy3.10``), its env type and
    the runner image (``ubuntu-latest``, ``macos-latest``, ``windows-latest``)."""

    env: str
    python: str
    env_type: str
    os: str

    def as_dict(self) -> dict[str, str]:
        return {"env": self.env, "python": self.python, "env_type": self.env_type, "os": self.os}


def python_version(spec: str) -> str | None:
    """The version ``actions/setup-python`` and ``python:`` images know for a Python spec:
    ``py311`` -> ``3.11``, ``pypy310`` -> ``pypy3.10``, ``python3`` -> ``3.x``; None if it has none."""
    version = version_of(spec)
    if version is None:
        return None
    text = ".".join(map(str, version)) if len(version) > 1 else f"{version[0]}.x"
    return f"pypy{text}" if implementation_of(spec) == "pypy" else text


def entry_python(name: str, base_python: Sequence[str], *, needs_python: bool, default: str = DEFAULT_PYTHON) -> str:
    """An env's Python version: its name's Python factor; else, for an env type that has a Python
    of its own, an explicit ``base_python``; else ``default`` (the runner's Python)."""
    factor = python_factor(name)
    if factor is not None:
        return python_version(factor) or default
    if needs_python and base_python and tuple(base_python) != (sys.executable,):
        return python_version(str(base_python[0])) or default
    return default


def entry_os(name: str, platform: str = "") -> str:
    """The runner image a platform factor names (``py312-macos``); else the first image whose
    ``sys.platform`` the env's ``platform`` regular expression matches; else ``ubuntu-latest``."""
    for factor in name.split("-"):
        if factor in OS_FACTORS:
            return OS_FACTORS[factor]
    if platform:
        for value, image in _PLATFORMS:
            if re.match(platform, value):
                return image
    return DEFAULT_OS


def matrix_entries(
    config: Config,
    names: Iterable[str],
    needs_python: Callable[[str], bool],
    *,
    default_python: str = DEFAULT_PYTHON,
) -> list[MatrixEntry]:
    """One entry per env, in selection order; ``needs_python(env_type)`` tells whether an env type
    has a Python of its own (``system`` has none, so its jobs get ``default_python``)."""
    entries = []
    for name in names:
        env = config.env(name)
        python = entry_python(
            name,
            env.base_python,
            # a current env runs in orch's own Python, whatever base_python says
            needs_python=needs_python(env.env_type) and env.env_type != "current",
            default=default_python,
        )
        entries.append(MatrixEntry(name, python, env.env_type, entry_os(name, env.platform)))
    return entries


def github_matrix(entries: Sequence[MatrixEntry]) -> dict[str, object]:
    """A GitHub Actions ``strategy.matrix``: an ``include`` list."""
    return {"include": [e.as_dict() for e in entries]}


def gitlab_image(entry: MatrixEntry, runner_python: str = DEFAULT_PYTHON) -> tuple[str, str]:
    """The Docker image of an entry's GitLab job, and the Python ``uv python install`` must add to
    it (``""``: none): ``python:3.12`` for CPython 3.9 and newer, ``condaforge/miniforge3`` for
    conda; otherwise (PyPy, older CPython, which orch itself does not run on) ``python:<runner_python>``
    with the env's Python installed by uv."""
    if entry.env_type == "conda":
        return CONDA_IMAGE, ""
    tag = entry.python[:-2] if entry.python.endswith(".x") else entry.python
    version = version_of(tag)
    if not tag.startswith("pypy") and version is not None and (version == (3,) or version >= OLDEST_RUNNER):
        return f"python:{tag}", ""
    return f"python:{runner_python}", tag


def gitlab_variables(entry: MatrixEntry, runner_python: str = DEFAULT_PYTHON) -> dict[str, str]:
    """A GitLab job's variables for one entry: ``ORCH_ENV`` (which ``orch`` also reads as ``-e``),
    ``PYTHON``, ``ENV_TYPE``, ``OS``, ``IMAGE`` and, when the image lacks the env's Python,
    ``UV_PYTHON_INSTALL`` (see :func:`gitlab_image`)."""
    image, install = gitlab_image(entry, runner_python)
    row = {"ORCH_ENV": entry.env, "PYTHON": entry.python, "ENV_TYPE": entry.env_type, "OS": entry.os, "IMAGE": image}
    if install:
        row["UV_PYTHON_INSTALL"] = install
    return row


def gitlab_matrix(entries: Sequence[MatrixEntry], runner_python: str = DEFAULT_PYTHON) -> dict[str, object]:
    """A GitLab ``parallel:matrix`` snippet: one variable set per env."""
    return {"parallel": {"matrix": [gitlab_variables(e, runner_python) for e in entries]}}


def render(entries: Sequence[MatrixEntry], fmt: str, runner_python: str = DEFAULT_PYTHON) -> str:
    """``orch matrix --format``: ``github`` (YAML for ``strategy.matrix``), ``gitlab`` (YAML, the
    ``parallel:`` key of a job) or ``json`` (``{"include": [...]}`` on one line, for ``fromJSON``)."""
    if fmt == "github":
        return dump(github_matrix(entries))
    if fmt == "gitlab":
        return dump(gitlab_matrix(entries, runner_python))
    if fmt == "json":
        return json.dumps(github_matrix(entries)) + "\n"
    raise ValueError(f"unknown matrix format {fmt!r} (known: {', '.join(FORMATS)})")
