"""pip in a new env, as tox's virtualenv gives it: pip, plus setuptools before Python 3.12.

An env set up by the uv installer is created without a seeder and then gets the wheels that
virtualenv embeds (no download) from one ``uv pip install`` of those files: uv unpacks them once
into its cache and links them into each env, 3-6x cheaper than virtualenv's app-data seeder, which
copies every file (numbers in benchmarks/README.md). virtualenv's ``--symlink-app-data`` would be
cheaper still, but uv then installs an upgraded setuptools *through* the links into the shared
app-data image and does not see the linked pip at all, so it is not used.

``download = true`` (tox's key) asks the index for the newest pip and setuptools instead, as
``virtualenv --download`` does. ``seed_pip = false`` (tox-uv's ``uv_seed``) leaves them out.

Envs whose installer needs pip (``installer = pip``, an ``install_command``) are seeded by
virtualenv itself; Python 3.7 and 3.8, for which virtualenv embeds no wheel, by ``ensurepip``.
"""

from __future__ import annotations

from pathlib import Path

SETUPTOOLS_UNTIL = (3, 12)  # virtualenv seeds setuptools only for older Pythons


def packages(version: tuple[int, ...]) -> tuple[str, ...]:
    """The seed packages for a Python version."""
    return ("pip", "setuptools") if tuple(version[:2]) < SETUPTOOLS_UNTIL else ("pip",)


def embedded_wheels(version: tuple[int, ...]) -> tuple[Path, ...] | None:
    """virtualenv's embedded wheels of :func:`packages` for ``version``; ``None`` when it has none."""
    import virtualenv  # noqa: F401  # first, as creating an env does: threads setting envs up import in one order
    from virtualenv.seed.wheels import embed

    support: dict[str, dict[str, str]] = embed.BUNDLE_SUPPORT
    key = f"{version[0]}.{version[1]}"
    if key not in support:
        known = sorted((tuple(map(int, k.split("."))), k) for k in support)
        newer = [k for v, k in known if v <= tuple(version[:2])]
        if not newer or tuple(version[:2]) < known[0][0]:
            return None
        key = newer[-1]  # a Python newer than this virtualenv knows: its newest bundle
    wheels = []
    for name in packages(version):
        file = support[key].get(name)
        if file is None:
            return None
        wheels.append(Path(embed.BUNDLE_FOLDER) / file)
    return tuple(wheels) if all(wheel.is_file() for wheel in wheels) else None


def requirements(version: tuple[int, ...], *, download: bool) -> tuple[str, ...] | None:
    """What to install to seed pip: the embedded wheels, or the package names with ``download``."""
    if download:
        return packages(version)
    wheels = embedded_wheels(version)
    return None if wheels is None else tuple(map(str, wheels))
