"""tox plugins in ``requires``: orch does what tox-uv, tox-gh and tox-gh-actions do; it says so once
(a note), and warns, one line each, for any other tox plugin, whose additions orch does not make.

Other requirements (``tox>=4``, ``virtualenv<20.22``, ``pip>=21``) are what tox provisions itself
with: orch, which needs no provisioning, passes over them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from orch.config.typed import canonical_name

#: tox plugins orch replaces, and what orch does in their place.
NATIVE = {
    "tox-uv": "installs with uv and its runners",
    "tox-uv-bare": "installs with uv and its runners",
    "tox-gh": "selects envs by [gh] under GitHub Actions, with ::group:: output and a job summary",
    "tox-gh-actions": "selects envs by [gh-actions] under GitHub Actions, with ::group:: output",
}
_NAME = r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)"  # compiled by re at its first use, not at every start


def plugin_name(requirement: str) -> str | None:
    """The normalized name of a tox plugin requirement (``tox-uv>=1.25`` -> ``tox-uv``); ``None``
    for anything else (tox itself, pip, virtualenv...)."""
    match = re.match(_NAME, requirement)
    if match is None:
        return None
    name = canonical_name(match[1])
    return name if name.startswith("tox-") else None


def requires_messages(requires: Sequence[str], where: str) -> tuple[str | None, list[str]]:
    """``(note, warnings)`` for ``requires`` in ``where`` (the config file's name)."""
    names = list(dict.fromkeys(n for n in map(plugin_name, requires) if n))
    native = [n for n in names if n in NATIVE]
    note = None
    if native:
        what = "; ".join(dict.fromkeys(NATIVE[n] for n in native))
        note = f"{where} requires {', '.join(native)}: orch does this natively ({what}); nothing to install"
    warnings = [
        f"{where} requires {name}, a tox plugin orch does not replace: what it adds to tox is not done"
        for name in names
        if name not in NATIVE
    ]
    return note, warnings
