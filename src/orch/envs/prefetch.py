"""A cold env's first install: revalidate every index page it will read at once, then install offline.

Behind an index that sends no caching headers (a proxy that strips ``Cache-Control``), uv revalidates
each page it reads, and it reads them one dependency level after another: ``pytest``'s page, then the
pages of pytest's dependencies, then theirs. For ``pytest`` on Python 3.9 that is three or four round
trips, 0.25-0.3 s here, before an env of a cold run can run anything.

The names an install of the same requirements took last time are kept in orch's cache
(``resolved-names.json``, keyed by a digest of the requirements' names, the index settings of
:func:`orch.envs.resolutions.plan` and the env's base interpreter (the real path of its ``python``):
what a Python takes depends on its version; the settings themselves, which may hold credentials,
are not written). The next install of them that would resolve online first has uv revalidate all those
pages in one round (``uv pip compile --no-deps --refresh NAMES``: 0.13-0.16 s here), then installs
with ``--offline``. What keeps this from giving the env anything a fresh resolution would not:

* the revalidation answers, for each name, the version the index offers this Python now (``--no-deps``:
  each name alone, the env's requirements as they ask); the offline install stands only if every
  package it took is among those names at that version. uv's offline mode passes over a version whose
  wheel it has not cached (a release since the last download) and takes an older one without a word:
  a review found alpha 1.0 installed on every run after alpha 2.0 was published. Otherwise (that, or a
  package not among the names: a new dependency) what it installed is uninstalled and the install runs
  online. A dependency held below its newest version by another package's requirement also sends the
  install online: slower, never wrong;
* a revalidation or an offline install that fails (a name gone from the index, no network) changes
  nothing in the env, and the install runs online as without this module; when uv refused a name, the
  names kept are replaced by what that online install takes.

Only uv installs of plain requirements take part (:func:`orch.envs.resolutions.plan`), and only when
the run has no fresher answer: an install covered by an earlier env of the same run goes offline
without any of this.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from orch.envs.resolutions import Plan
from orch.files import read_object, write_atomic
from orch.paths import cache_dir

MODE = "every page revalidated just before (uv pip compile --refresh)"
FILE = "resolved-names.json"
_LOCK = threading.Lock()  # the run's setup threads read and write the file one at a time
_KEEP = 200  # requirement sets kept; the oldest go first


def _key(plan: Plan, python: str) -> str:
    import hashlib  # only a cold install gets here
    import json

    return hashlib.sha256(json.dumps([plan.key, sorted(plan.names), python]).encode()).hexdigest()[:32]


def names(plan: Plan, python: str) -> frozenset[str]:
    """The names earlier installs of ``plan``'s requirements into envs of this base ``python`` took
    (empty: none is known)."""
    with _LOCK:
        found = read_object(cache_dir() / FILE).get(_key(plan, python))
    if not isinstance(found, list) or not all(isinstance(name, str) for name in found):
        return frozenset()
    return frozenset(found)


def remember(plan: Plan, python: str, took: Iterable[str]) -> None:
    """Add the names this install of ``plan``'s requirements took to those kept for the next cold install
    (an install into an existing env takes only what it lacked)."""

    def add(kept: object) -> list[str] | None:
        known = {name for name in kept if isinstance(name, str)} if isinstance(kept, list) else set()
        return sorted((known | set(took)) - plan.local) or None

    _update(plan, python, add)


def forget(plan: Plan, python: str) -> None:
    """Drop what is kept for ``plan`` (a name in it is gone from the index): the next install keeps anew."""
    _update(plan, python, lambda kept: None)


def _update(plan: Plan, python: str, change: Callable[[object], list[str] | None]) -> None:
    """Replace the names kept for ``plan`` by ``change(kept)`` (None: drop them); a failure to write is
    not an error: it costs the next cold install its revalidation at once, nothing else."""
    import json

    path, key = cache_dir() / FILE, _key(plan, python)
    with _LOCK:
        data = read_object(path)
        kept = data.pop(key, None)
        new = change(kept)
        if new == kept:
            return
        if new is not None:
            data[key] = new  # last: the newest, kept longest
        for old in list(data)[: max(len(data) - _KEEP, 0)]:
            del data[old]
        with contextlib.suppress(OSError):
            write_atomic(path, json.dumps(data))


def request_file(log: Path) -> Path:
    """Where the names to revalidate are written for ``uv pip compile`` (beside the env's setup log)."""
    return log.with_name("revalidated.in")
