"""``[gh-actions]`` (tox-gh-actions) and ``[gh]`` (tox-gh), honoured natively under GitHub Actions.

When ``GITHUB_ACTIONS=true`` and no env is named (no ``-e``, ``-m``, ``-f``, ``ORCH_ENV`` or
``TOXENV``), ``orch`` / ``orch run`` picks the envs for the job's Python, as the plugins do:

- The job's Python is the ``python`` first on PATH (what ``actions/setup-python`` installed), else
  the one running orch; ``TOX_GH_MAJOR_MINOR=3.12`` names it. Its keys, first match wins: CPython
  ``3.12``, ``3``; PyPy ``pypy-3.10``, ``pypy-3`` (and ``pypy3`` for ``[gh]``); a free-threaded
  build tries ``3.13t`` first.
- ``[gh-actions] python = 3.12: py312, lint`` (tox-gh-actions): the default envs whose factors
  include all the factors of one mapped name (``py312`` selects ``py312-django50``...), crossed with
  ``[gh-actions:env]``: ``VAR = value: factors`` adds the factors of the value ``$VAR`` has. With
  no match at all, no env is selected, as with the plugin.
- ``[gh] python = 3.12 = py312, type`` (tox-gh; tox.toml: ``[gh.python] "3.12" = ["py312"]``):
  the mapped envs replace the default env list; with no match, the default env list stays.
"""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from orch.config.factors import expand_env_list
from orch.config.project import Config
from orch.config.raw import Source


class JobPython(NamedTuple):
    """The Python of the GitHub Actions job."""

    implementation: str  # "cpython", "pypy"
    major: int
    minor: int
    free_threaded: bool = False

    def keys(self, *, pypy_bare: bool) -> list[str]:
        """The mapping keys to try, first match wins."""
        major_minor = f"{self.major}.{self.minor}"
        keys = [f"{major_minor}t"] if self.free_threaded else []
        if self.implementation == "pypy":
            keys += [f"pypy-{major_minor}", f"pypy-{self.major}"] + ([f"pypy{self.major}"] if pypy_bare else [])
        else:
            keys += [major_minor, str(self.major)]
        return keys

    def __str__(self) -> str:
        name = "PyPy" if self.implementation == "pypy" else "Python"
        return f"{name} {self.major}.{self.minor}{'t' if self.free_threaded else ''}"


class GhChoice(NamedTuple):
    """What a section selected, and the words that say so."""

    section: str  # "[gh-actions]" or "[gh]"
    envs: list[str]
    python: JobPython


def on_github(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def job_python(environ: Mapping[str, str], probe: Callable[[str], JobPython | None] | None = None) -> JobPython:
    """``TOX_GH_MAJOR_MINOR``, else the ``python`` on PATH (asked through ``probe``, which the caller
    gives from the envs layer), else the Python running orch."""
    forced = environ.get("TOX_GH_MAJOR_MINOR", "").strip()
    if forced:
        head, _, tail = forced.partition(".")
        free = tail.endswith("t")
        try:
            return JobPython("cpython", int(head), int(tail.rstrip("t") or 0), free)
        except ValueError:
            pass
    exe = shutil.which("python", path=environ.get("PATH"))
    found = probe(exe) if exe and probe is not None else None
    if found is not None:
        return found
    return JobPython(
        sys.implementation.name,
        sys.version_info[0],
        sys.version_info[1],
        bool(getattr(sys, "_is_gil_enabled", lambda: True)() is False),
    )


def gh_choice(config: Config, python: JobPython, environ: Mapping[str, str]) -> GhChoice | None:
    """The envs ``[gh]`` or ``[gh-actions]`` select for ``python``; ``None`` without such a section."""
    gh = _mapping(config.source, "gh", "python", "=")
    if gh is not None:
        key = next((k for k in python.keys(pypy_bare=True) if k in gh), None)
        return GhChoice("[gh]", list(gh[key]) if key else list(config.names.default), python)
    actions = _mapping(config.source, "gh-actions", "python", ":")
    if actions is None:
        return None
    return GhChoice("[gh-actions]", _by_factors(config, actions, python, environ), python)


def _by_factors(
    config: Config, mapping: Mapping[str, Sequence[str]], python: JobPython, environ: Mapping[str, str]
) -> list[str]:
    """tox-gh-actions: the default envs matching the python factors crossed with the env factors."""
    groups: list[Sequence[str]] = []
    key = next((k for k in python.keys(pypy_bare=False) if k in mapping), None)
    if key is not None:
        groups.append(mapping[key])
    section = config.source.sections.get("gh-actions:env")
    if section is not None:
        seen: set[str] = set()
        for variable in section.values:
            if variable.upper() in seen:
                continue
            seen.add(variable.upper())
            values = _parse(config.source.read(section.values[variable]), ":")
            value = environ.get(variable.upper())
            if value is not None and value in values:
                groups.append(values[value])
    wanted = [f for f in ("-".join(combo) for combo in itertools.product(*groups)) if f] if groups else []
    return [
        env for env in config.names.default if any(set(factor.split("-")).issubset(env.split("-")) for factor in wanted)
    ]


def _mapping(source: Source, section_name: str, key: str, separator: str) -> dict[str, list[str]] | None:
    """``{python key: env names}`` of ``[section] key``, from an ini text or a TOML table."""
    lookup = getattr(source, "lookup", None)
    if lookup is not None:  # tox.toml / pyproject.toml: [gh.python] "3.12" = ["py312"]
        root = tuple(getattr(source, "root_key", ()))
        for path in ((*root, section_name, key), (section_name, key)):
            try:
                table = lookup(path)
            except KeyError:
                continue
            if isinstance(table, dict):
                return {str(k): _names(v if isinstance(v, str) else "\n".join(map(str, v))) for k, v in table.items()}
        return None
    section = source.sections.get(section_name)
    if section is None or key not in section.values:
        return None
    return _parse(source.read(section.values[key]), separator)


def _parse(text: str, separator: str) -> dict[str, list[str]]:
    """``3.12: py312, lint`` lines (tox-gh-actions; ``=`` for tox-gh) -> ``{"3.12": ["py312", "lint"]}``."""
    result: dict[str, list[str]] = {}
    for line in text.splitlines():
        name, sep, value = line.strip().partition(separator)
        if sep and name.strip():
            result[name.strip()] = _names(value)
    return result


def _names(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    try:
        return list(expand_env_list(text.replace(",", "\n") if "{" not in text else text))
    except ValueError:
        return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
