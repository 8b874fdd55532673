"""Dependencies from requirements.txt, a file setuptools does not put into the sdist."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup

lines = Path(__file__).with_name("requirements.txt").read_text().splitlines()
setup(install_requires=[line for line in lines if line.strip() and not line.startswith("#")])
