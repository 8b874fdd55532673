"""pip in a new env, as tox's virtualenv gives it: pip, plus setuptools before Python 3.12.

An env set up by the uv installer is created without a seeder and gets the wheels that virtualenv
embeds (no download) from one copy shared by every env, linked by a ``.pth`` file
(:mod:`orch.envs.seed_image`): nothing is copied or installed per env. uv's own install of those
wheels linked about a thousand files into each env; virtualenv's app-data seeder copies them all
(numbers in benchmarks/README.md). virtualenv's ``--symlink-app-data`` is not used: uv then installs
an upgraded setuptools *through* the links into the shared app-data image.

``download = true`` (tox's key) asks the index for the newest pip and setuptools instead, as
``virtualenv --download`` does: they are installed into the env, with the deps when they can be.
``seed_pip = false`` (tox-uv's ``uv_seed``) leaves them out.

Envs whose installer needs pip (``installer = pip``, an ``install_command``) are seeded by
virtualenv itself; Python 3.7 and 3.8, for which virtualenv embeds no wheel, by ``ensurepip``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from orch import __version__
from orch.config.typed import canonical_name
from orch.files import identity, read_object, write_atomic
from orch.paths import cache_dir

SETUPTOOLS_UNTIL = (3, 12)  # virtualenv seeds setuptools only for older Pythons


def packages(version: tuple[int, ...]) -> tuple[str, ...]:
    """The seed packages for a Python version."""
    return ("pip", "setuptools") if tuple(version[:2]) < SETUPTOOLS_UNTIL else ("pip",)


def embedded_wheels(version: tuple[int, ...]) -> tuple[Path, ...] | None:
    """virtualenv's embedded wheels of :func:`packages` for ``version``; ``None`` when it has none."""
    found = _bundle()
    if found is None:
        return None
    folder, support = found
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
        wheels.append(folder / file)
    return tuple(wheels) if all(wheel.is_file() for wheel in wheels) else None


@functools.cache
def _bundle() -> tuple[Path, dict[str, dict[str, str]]] | None:
    """virtualenv's embed folder and its ``BUNDLE_SUPPORT`` table (Python version -> package -> wheel file).

    Read from the module's source, not imported: importing virtualenv costs 0.1-0.2 s, more than
    creating an env with uv. An installed virtualenv whose module holds no literal table is imported.
    """
    spec = importlib.util.find_spec("virtualenv")  # a top-level package: found, not imported
    if spec is None or spec.origin is None:
        return None
    source = Path(spec.origin).parent / "seed" / "wheels" / "embed" / "__init__.py"
    table = _literal_table(source)
    if table is not None:
        return source.parent, table
    from virtualenv.seed.wheels import embed  # the table is computed: ask the module itself

    support: dict[str, dict[str, str]] = embed.BUNDLE_SUPPORT
    return Path(embed.BUNDLE_FOLDER), support


def _literal_table(source: Path) -> dict[str, dict[str, str]] | None:
    """The literal ``BUNDLE_SUPPORT`` in ``source``, kept in orch's cache while the file is unchanged: every
    run asks (an env's creator depends on it) and parsing the module costs more than the rest of a warm
    env's check."""
    kept = cache_dir() / "virtualenv-wheels.json"  # beside interpreters.json; seed/ holds the shared copies only
    found = identity(source)
    if found is None:
        return None
    key = {"orch": __version__, "path": str(source), "file": found}
    data = read_object(kept)
    if data.get("key") == key and _is_table(table := data.get("table")):
        return cast("dict[str, dict[str, str]]", table)
    parsed = _parse_table(source)
    if parsed is not None:  # a file of another key or shape is replaced: the cache is orch's alone
        with contextlib.suppress(OSError):
            write_atomic(kept, json.dumps({"key": key, "table": parsed}))
    return parsed


def _is_table(value: object) -> bool:
    """Python version -> package -> wheel file, all strings."""
    return isinstance(value, dict) and all(
        isinstance(version, str)
        and isinstance(wheels, dict)
        and all(isinstance(name, str) and isinstance(file, str) for name, file in wheels.items())
        for version, wheels in value.items()
    )


def _parse_table(source: Path) -> dict[str, dict[str, str]] | None:
    import ast  # here, not above: only when virtualenv's module is new to the cache

    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "BUNDLE_SUPPORT" and value is not None:
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                table = ast.literal_eval(value)
                if isinstance(table, dict):
                    return {str(k): {str(n): str(f) for n, f in v.items()} for k, v in table.items()}
    return None


def requirements(version: tuple[int, ...], *, download: bool) -> tuple[str, ...] | None:
    """What to install to seed pip: the embedded wheels, or the package names with ``download``."""
    if download:
        return packages(version)
    wheels = embedded_wheels(version)
    return None if wheels is None else tuple(map(str, wheels))


_PLAIN = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;@(]|$)")


def joins(deps: Iterable[str], version: tuple[int, ...]) -> bool:
    """Whether the seed can be installed in the same ``uv pip install`` as ``deps``: one resolution
    instead of two. Only when every dep is a plain requirement (no file, option, path or constraint,
    which might pin pip or setuptools unseen) that names no seed package. Used with ``download``: the
    seed is then named, not pinned, so one resolution finds versions that go with the deps."""
    seeds = set(packages(version))
    for dep in deps:
        name = requirement_name(dep)
        if name is None or name in seeds:
            return False
    return True


def requirement_name(dep: str) -> str | None:
    """The normalized (PEP 503) name of a plain requirement line (a name, extras, versions, markers,
    ``name @ url``), ``None`` for anything else (an option, a file, a path)."""
    match = _PLAIN.match(dep)
    return None if match is None else canonical_name(match.group(1))
