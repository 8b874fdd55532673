"""The import graph of ``src/orch`` runs one way: a lower layer never imports a higher one.

The layers, lowest first (CONTRIBUTING.md shows the same list):

0. ``orch`` itself: ``errors.py``, ``paths.py``, ``files.py``, ``distribution.py``
1. ``config/``: reading and resolving the configuration
2. ``execute/``: the only place that starts processes
3. ``plugin/``: hook specs, the registries of env types, builders and settings
4. ``envs/``: env backends and interpreter discovery
5. ``builders/``: package builders and the artifact cache
6. ``schedule/``: the order and parallelism of builds and env runs
7. ``report/``: what the user sees of a run
8. ``cli/``: the argument parser and the commands

Every import counts: at module level, inside a function, and under ``TYPE_CHECKING`` (a type-only
import of a higher layer is still a circle in the design). Two modules are entry points above all
layers: ``orch/__main__.py`` and the public facade ``orch/plugin/api.py``, which nothing in
``src/orch`` may import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import orch

SRC = Path(orch.__file__).parent
LAYERS = ("", "config", "execute", "plugin", "envs", "builders", "schedule", "report", "cli")
ENTRY_POINTS = {"orch.__main__", "orch.plugin.api"}


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    parts = module.split(".")
    folder = parts[1] if len(parts) > 2 or (len(parts) == 2 and (SRC / parts[1]).is_dir()) else ""
    return LAYERS.index(folder)


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name == "orch" or name.startswith("orch.")]


def _is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (SRC / relative).with_suffix(".py").is_file() or (SRC / relative / "__init__.py").is_file()


def test_no_import_runs_upward() -> None:
    upward = []
    for path in sorted(SRC.rglob("*.py")):
        module = _module(path)
        if module in ENTRY_POINTS:
            continue
        for line, name in _imports(path):
            if not _is_module(name):  # `from orch.x import name`: the module is orch.x
                continue
            if name in ENTRY_POINTS:
                upward.append(f"{path.relative_to(SRC)}:{line}: imports the entry point {name}")
            elif _layer(name) > _layer(module):
                upward.append(f"{path.relative_to(SRC)}:{line}: {module} imports {name}")
    assert not upward, "\n".join(upward)


def test_every_folder_has_a_layer() -> None:
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == set(LAYERS) - {""}
