"""A sample project built with setuptools."""

from __future__ import annotations


def hello() -> str:
    return "hello from setuptools_proj"
