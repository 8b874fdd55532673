"""A sample package: its tests import it from the env the package was installed into."""

from __future__ import annotations

GREETING = "hello from toxtoml_proj"
