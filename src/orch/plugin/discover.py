"""Finding the ``orch`` entry points without importing :mod:`importlib.metadata`.

``orch list`` runs on every keystroke of a user's shell history, so start-up time matters:
importing ``importlib.metadata`` (and the email parser it needs) costs about 20 ms, more than the
rest of orch's start-up. Entry points live in ``<dist>.dist-info/entry_points.txt``; we read only
those files, and parse only the ones that mention the ``[orch]`` group.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import NamedTuple

GROUP = "orch"


class EntryPoint(NamedTuple):
    """One ``name = module:attr`` line of the ``[orch]`` group, and the distribution declaring it."""

    name: str
    value: str
    dist_info: str  # the .dist-info folder declaring it

    @property
    def distribution(self) -> str:
        """The distribution's name from its METADATA (read only when an error needs it)."""
        try:
            with open(os.path.join(self.dist_info, "METADATA"), encoding="utf-8") as handle:
                for line in handle:
                    if line.lower().startswith("name:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break
        except OSError:
            pass
        return os.path.basename(self.dist_info).rsplit(".", 1)[0].split("-", 1)[0]

    @property
    def module(self) -> str:
        return self.value.partition(":")[0].strip()

    def load(self) -> object:
        import importlib  # only with a third-party plugin: not at every start

        module, _, attr = self.value.partition(":")
        obj: object = importlib.import_module(module.strip())
        for part in filter(None, attr.strip().split(".")):
            obj = getattr(obj, part)
        return obj


def _parse(text: str, dist_info: str) -> Iterator[EntryPoint]:
    in_group = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            in_group = line == f"[{GROUP}]"
            continue
        if in_group and "=" in line:
            name, _, value = line.partition("=")
            yield EntryPoint(name.strip(), value.strip(), dist_info)


def entry_points(path: list[str] | None = None) -> list[EntryPoint]:
    """The ``orch`` entry points of every distribution on ``path`` (default ``sys.path``), first seen wins."""
    found: list[EntryPoint] = []
    seen: set[tuple[str, str]] = set()
    visited: set[str] = set()
    for folder in sys.path if path is None else path:
        folder = os.path.abspath(folder or ".")
        if folder in visited:
            continue
        visited.add(folder)
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            names = sorted(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")))
        for name in names:
            try:  # bytes, unbuffered: most files name no [orch] and are never decoded (a venv holds dozens)
                with open(os.path.join(folder, name, "entry_points.txt"), "rb", buffering=0) as handle:
                    data = handle.read()
            except OSError:
                continue
            if f"[{GROUP}]".encode() not in data:
                continue
            for entry in _parse(data.decode("utf-8", errors="replace"), os.path.join(folder, name)):
                if (entry.name, entry.value) not in seen:
                    seen.add((entry.name, entry.value))
                    found.append(entry)
    return found
