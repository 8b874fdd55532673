"""Fixtures of the conda tests: the local test channel (see ``tests/conda_channel.py``)."""

from __future__ import annotations

from conda_channel import local_channel as local_channel
