"""orch: a tox-compatible orchestrator of test environments and packages."""

from __future__ import annotations

__version__ = "0.1.0"
