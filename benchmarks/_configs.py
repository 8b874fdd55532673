"""``bench_config.py``'s two generated projects (a 960-env ``tox.ini`` full of factor conditions, and a 3-env one),
and reading the envs and settings back from ``list`` and ``config`` output (stdlib only)."""

from __future__ import annotations

import itertools
from pathlib import Path

FACTOR_GROUPS: tuple[tuple[str, ...], ...] = (
    ("py38", "py39", "py310", "py311", "py312", "py313"),
    ("a", "b", "c", "d", "e", "f", "g", "h"),
    ("x", "y", "z", "w"),
    ("1", "2", "3", "4", "5"),
)
"""The factors of the large ``env_list``: 6 * 8 * 4 * 5 = 960 environments."""

LARGE_TOX_INI = """\
[tox]
env_list = {env_list}

[testenv]
description =
    run the test suite for {{envname}}
    a: with feature a
    x,y: on backend xy
    !w: without w
    py38-a: on the legacy path
deps =
    pytest>=8
    a: dep-a
    b,c: dep-bc
    x,y: dep-xy
    py38-a: special
    !w: not-w
    {{1,2}}-h: two
    !py38-!py39: new-pythons
    {{py38,py39}}-{{a,b}}: legacy-ab
set_env =
    BENCH = 1
    z: BENCH_Z = yes
    py38: BENCH_LEGACY = 1
commands =
    python -m pytest -k {{envname}} {{posargs}}
"""

SMALL_TOX_INI = """\
[tox]
env_list = py312, lint, type

[testenv]
description = run the test suite
deps = pytest>=8
commands = python -m pytest {posargs}

[testenv:lint]
description = lint the code
skip_install = true
deps = ruff
commands = ruff check {posargs:.}

[testenv:type]
description = type check the code
deps = mypy
commands = mypy {posargs:src}
"""

SMALL_ENVS = ("py312", "lint", "type")


# --------------------------------------------------------------------------------------------- the projects


def large_env_list() -> str:
    """The generative ``env_list`` value: ``py{38,...}-{a,...}-{x,...}-{1,...}``."""
    parts = []
    for group in FACTOR_GROUPS:
        prefix = "py" if all(f.startswith("py") for f in group) else ""
        parts.append(prefix + "{" + ",".join(f[len(prefix) :] for f in group) + "}")
    return "-".join(parts)


def expected_large_envs() -> list[str]:
    """The 960 environment names the large ``env_list`` must expand to, in order."""
    return ["-".join(combo) for combo in itertools.product(*FACTOR_GROUPS)]


def write_projects(root: Path) -> tuple[Path, Path]:
    """Create ``root/large`` and ``root/small`` projects, each with just a ``tox.ini``; return both folders."""
    large, small = root / "large", root / "small"
    for folder, text in ((large, LARGE_TOX_INI.format(env_list=large_env_list())), (small, SMALL_TOX_INI)):
        folder.mkdir(parents=True)
        (folder / "tox.ini").write_text(text, encoding="utf-8")
    return large, small


# --------------------------------------------------------------------------------------------- output parsing


def parse_env_names(output: str) -> list[str]:
    """Environment names from ``list`` output, with or without ``--no-desc``.

    Skips blank lines, section headers (``default environments:``) and log lines (``ROOT: ...``); takes the
    first word of every other line, so ``name -> description`` lines work too.
    """
    names = []
    for line in output.splitlines():
        text = line.strip()
        if not text or (text.endswith(":") and "->" not in text):
            continue
        first = text.split()[0]
        if not first.endswith(":"):
            names.append(first)
    return names


def parse_config_key(output: str, key: str) -> dict[str, list[str]]:
    """Map env name to the value lines of *key* in ``config -k KEY`` output (``[testenv:NAME]`` sections)."""
    result: dict[str, list[str]] = {}
    env: str | None = None
    collecting = False
    for line in output.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            env, collecting = stripped[1:-1].split(":", 1)[-1], False
        elif env is not None and line[:1] in (" ", "\t"):
            if collecting and stripped:
                result[env].append(stripped)
        elif env is not None:
            name, sep, value = line.partition("=")
            collecting = bool(sep) and name.strip() == key
            if collecting:
                result[env] = [value.strip()] if value.strip() else []
    return result
