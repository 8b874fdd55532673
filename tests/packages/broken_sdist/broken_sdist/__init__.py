"""A sample project whose sdist lacks a file its build needs."""

from __future__ import annotations


def hello() -> str:
    return "hello from broken_sdist"
