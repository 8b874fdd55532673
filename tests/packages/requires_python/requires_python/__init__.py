"""A sample project for Python 3.12 and newer only."""

from __future__ import annotations


def hello() -> str:
    return "hello from requires_python"
