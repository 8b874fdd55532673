"""A sample project built with flit."""

from __future__ import annotations


def hello() -> str:
    return "hello from flit_proj"
