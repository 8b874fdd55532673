"""What we know about one Python interpreter (found by :mod:`orch.envs.discovery`)."""

from __future__ import annotations

from typing import NamedTuple


class Interpreter(NamedTuple):
    """Facts from running the interpreter once (cached on disk by path and mtime)."""

    path: str  # the executable as found (may be a symlink; not resolved)
    implementation: str  # "cpython", "pypy", ... (sys.implementation.name)
    version: tuple[int, int, int]  # sys.version_info[:3]
    architecture: int  # 64 or 32 (pointer size in bits)
    machine: str  # platform.machine(), e.g. "x86_64"
    free_threaded: bool = False  # a 3.13t build

    @property
    def major_minor(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"

    def describe(self) -> str:
        """``CPython 3.12.1 (/usr/bin/python3.12)``."""
        name = {"cpython": "CPython", "pypy": "PyPy"}.get(self.implementation, self.implementation)
        version = ".".join(map(str, self.version)) + ("t" if self.free_threaded else "")
        return f"{name} {version} ({self.path})"
