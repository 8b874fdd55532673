"""The order constraints between selected envs: ``depends`` (tox 4 semantics) and ``resources``.

``depends`` lists envs (fnmatch globs) that must finish before this one starts *when they are
selected too*; nothing is pulled in, and a failed dependency does not stop its dependents.
``resources`` names things two envs must not use at the same time (``postgres``, ``port-8000``):
envs sharing one never overlap, everything else still runs in parallel.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence

from orch.errors import ConfigError


def dependencies(names: Sequence[str], depends: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """For each selected env, the selected envs it waits for. A cycle is a :class:`ConfigError`."""
    selected = list(names)
    graph = {
        name: {
            other
            for pattern in depends.get(name, ())
            for other in selected
            if other != name and fnmatch.fnmatchcase(other, pattern)
        }
        for name in selected
    }
    cycle = find_cycle(graph)
    if cycle:
        raise ConfigError(f"depends forms a cycle: {' -> '.join(cycle)}")
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str]:
    """One cycle as a list of names (first repeated at the end), or an empty list."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def by_history(names: Sequence[str], durations: Mapping[str, float]) -> list[str]:
    """Longest last time first (a long env started late makes the whole run late); envs without
    history keep their config order, after those with one."""
    position = {name: i for i, name in enumerate(names)}
    return sorted(names, key=lambda n: (-durations[n] if n in durations else float("inf"), position[n]))


def run_order(names: Sequence[str], waits: Mapping[str, set[str]]) -> list[str]:
    """The selection in config order, each env moved after the envs it waits for (no cycle:
    :func:`dependencies` checked)."""
    done: list[str] = []
    remaining = list(names)
    while remaining:
        ready = next(n for n in remaining if waits[n] <= set(done))
        done.append(ready)
        remaining.remove(ready)
    return done
