"""Env files of set_env (tox.ini's ``file|PATH``, TOML's ``set_env = { file = PATH }``), read like tox."""

from __future__ import annotations

import re
from pathlib import Path

from orch.errors import ConfigError, Location

_EXPORT = r"^export[ \t]+"  # a shell's ``export`` in front of a line (compiled by re at its first use)


def read_env_file(path: Path, location: Location) -> dict[str, str]:
    """A ``file|PATH`` of set_env, read like tox: ``KEY=VALUE`` lines, ``export KEY=VALUE`` too, ``#`` comments;
    values keep their quotes. A missing file fails the set_env value (tox: ``... does not exist for set_env``)."""
    path = path.resolve()
    if not path.is_file():
        state = "is not a file" if path.exists() else "does not exist"
        raise ConfigError(f"set_env file {path} {state}", location)
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"set_env file {path} cannot be read: {exc}", location) from None
    result = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = re.sub(_EXPORT, "", key.strip())
        if not sep or not key or "\x00" in line:  # the line is not echoed: it may hold part of a secret
            raise ConfigError(f"set_env file {path}:{number}: expected KEY=VALUE", location)
        result[key] = value.strip()
    return result
