"""The C extension; everything else is in pyproject.toml."""

from __future__ import annotations

from setuptools import Extension, setup

setup(ext_modules=[Extension("cext_proj._speed", ["src/cext_proj/_speed.c"])])
