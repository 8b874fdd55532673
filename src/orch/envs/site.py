"""Where an env keeps its installed distributions."""

from __future__ import annotations

from pathlib import Path


def site_packages(env_dir: Path) -> list[Path]:
    """The env's site-packages folders that exist: POSIX venvs and conda envs, then Windows."""
    found = [*env_dir.glob("lib/python*/site-packages"), *env_dir.glob("lib64/python*/site-packages")]
    found += [p for p in (env_dir / "Lib" / "site-packages", env_dir / "lib" / "site-packages") if p.is_dir()]
    return sorted(set(found))
