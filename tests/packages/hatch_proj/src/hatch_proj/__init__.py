"""A sample project built with hatchling."""

from __future__ import annotations


def hello() -> str:
    return "hello from hatch_proj"
