"""A sample project whose backend cannot build editable wheels."""

from __future__ import annotations


def hello() -> str:
    return "hello from no_editable"
