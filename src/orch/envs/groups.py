"""PEP 735 dependency groups: the requirements ``dependency_groups`` names, read from ``pyproject.toml``.

As tox 4 does, orch resolves the groups itself and installs the requirements like deps, so every
installer (uv, any pip, an ``install_command``) can install them, and the env's record holds what
the groups contain: a changed group list in ``pyproject.toml`` sets the env up again.

* ``{include-group = "NAME"}`` items are followed (a cycle is an error);
* group names compare normalised (``Test_Tools`` is ``test-tools``);
* a requirement on the project itself (``myproj[test]``) becomes the requirements of those extras of
  ``[project.optional-dependencies]``, the project being installed by its packagedef, as in tox.

Every problem (no ``pyproject.toml``, a missing group, a bad item) is one :class:`GroupError` line.

Reading the groups means parsing ``pyproject.toml`` and importing ``packaging`` (about 20 ms), once
per env on every run. So :func:`resolve` can keep its answer in a small file (``cache``) beside the
env, with the file's identity (device, inode, size, modification and change times, nanoseconds):
while that is unchanged, the file was not written and the answer holds. An answer computed from a
file modified less than :data:`SETTLED` seconds earlier is not kept (a write in the same clock tick
would leave the times as they were: git's "racy clean" problem), nor one holding a URL password.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orch import __version__
from orch.config.typed import canonical_name
from orch.envs.api import EnvSetupError
from orch.execute.masking import USERINFO
from orch.files import identity as _identity
from orch.files import read_object, write_atomic

PYPROJECT = "pyproject.toml"
SETTLED = 2.0  # seconds: an answer from a file modified more recently is not kept


class GroupError(EnvSetupError):
    """A dependency group that cannot be read; the message is one line."""


def resolve(root: Path, groups: Iterable[str], cache: Path | None = None) -> tuple[str, ...]:
    """The requirements of ``groups`` in ``root/pyproject.toml``, sorted and without duplicates; kept
    in ``cache`` and read back from it while the file is unchanged (see the module).

    Raises :class:`GroupError` (without the env name: the caller adds it).
    """
    names = tuple(groups)
    if not names:
        return ()
    path = root / PYPROJECT
    identity = _identity(path)
    key = {"orch": __version__, "path": str(path), "file": identity, "groups": list(names)}
    if cache is not None and identity is not None:
        kept = read_object(cache)
        if kept.get("key") == key and isinstance(kept.get("requirements"), list):
            return tuple(map(str, kept["requirements"]))
    result = _parse(path, names)
    settled = identity is not None and time.time() - identity[3] / 1e9 > SETTLED
    if cache is not None and settled and not any(USERINFO.search(item) for item in result):
        with contextlib.suppress(OSError):  # not kept: read again next time
            write_atomic(cache, json.dumps({"key": key, "requirements": list(result)}) + "\n")
    return result


def _parse(path: Path, names: tuple[str, ...]) -> tuple[str, ...]:
    from orch.config.toml import tomllib  # here, not at the top: a run that reads no pyproject skips it (3 ms)

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise GroupError(f"no {PYPROJECT} in {path.parent} to read dependency groups from") from None
    except (OSError, ValueError) as exc:
        raise GroupError(f"cannot read dependency groups from {path}: {exc}") from None
    except RecursionError:
        raise GroupError(f"cannot read dependency groups from {path}: nested too deep") from None
    table = data.get("dependency-groups")
    if table is None:
        raise GroupError(f"{path} defines no [dependency-groups]")
    if not isinstance(table, dict):
        raise GroupError(f"{path}: dependency-groups is a {type(table).__name__}, not a table")
    defined: dict[str, Any] = {}
    for key, value in table.items():
        if canonical_name(key) in defined:
            raise GroupError(f"{path}: dependency group {key!r} is defined twice (names compare normalised)")
        defined[canonical_name(key)] = value
    found: dict[str, None] = {}
    for name in names:
        found.update(dict.fromkeys(_group(defined, canonical_name(name), (), path)))
    project = data.get("project")
    return tuple(sorted(_unwrap_self(found, project if isinstance(project, dict) else {}, path)))


def _group(defined: Mapping[str, Any], name: str, chain: tuple[str, ...], path: Path) -> list[str]:
    if name in chain:
        raise GroupError(f"{path}: dependency group {name!r} includes itself ({' -> '.join((*chain, name))})")
    if name not in defined:
        known = ", ".join(sorted(defined)) or "none"
        raise GroupError(f"dependency group {name!r} not found in {path} (defined: {known})")
    items = defined[name]
    if not isinstance(items, list):
        raise GroupError(f"{path}: dependency group {name!r} is not a list")
    result: list[str] = []
    for item in items:
        if isinstance(item, str):
            result.append(_checked(item, name, path))
        elif isinstance(item, dict) and list(item) == ["include-group"]:
            result.extend(_group(defined, canonical_name(str(item["include-group"])), (*chain, name), path))
        else:
            raise GroupError(f"{path}: dependency group {name!r} has an invalid item {item!r}")
    return result


def _checked(text: str, group: str, path: Path) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return str(Requirement(text))
    except InvalidRequirement as exc:
        raise GroupError(f"{path}: dependency group {group!r}: {text!r} is not a valid requirement ({exc})") from None


def _unwrap_self(requirements: Iterable[str], project: Mapping[str, Any], path: Path) -> set[str]:
    """Replace requirements on the project itself by its extras' requirements (markers carried over)."""
    from packaging.requirements import Requirement

    own = canonical_name(str(project.get("name", ""))) if project.get("name") else None
    optional = project.get("optional-dependencies")
    extras = {canonical_name(k): v for k, v in optional.items()} if isinstance(optional, dict) else {}
    result: set[str] = set()
    pending = [(Requirement(text), "") for text in requirements]
    seen: set[tuple[str, str]] = set()
    while pending:
        requirement, marker = pending.pop()
        if own is None or canonical_name(requirement.name) != own:
            if marker:
                own_marker = f" and ({requirement.marker})" if requirement.marker else ""
                requirement.marker = None
                result.add(str(Requirement(f"{requirement} ; ({marker}){own_marker}")))
            else:
                result.add(str(requirement))
            continue
        if requirement.marker is not None:
            marker = f"({marker}) and ({requirement.marker})" if marker else str(requirement.marker)
        for extra in requirement.extras:
            key = (canonical_name(extra), marker)
            if key in seen:
                continue
            seen.add(key)
            if key[0] not in extras:
                raise GroupError(f"{path}: extra {extra!r} of the project is not in [project.optional-dependencies]")
            pending.extend((Requirement(_checked(str(t), extra, path)), marker) for t in extras[key[0]])
    return result
