"""Reusing one run's online resolutions: a later env installs with ``uv pip install --offline``.

Behind an index that sends no caching headers (a proxy that strips ``Cache-Control``), uv asks the
index again for every page on every resolution: 0.1-0.3 s per env, most of a cold env's setup. Within
one ``orch run``, once an env's ``uv pip install`` has resolved some packages online, uv's cached
pages for them are seconds old. A later env of the same run whose requirements all name such
packages installs them with ``--offline``: uv resolves from those pages and links cached wheels.

What keeps this from ever giving an env something a fresh resolution would not:

* only plain requirements (a name, extras, versions, markers) and local wheel files take part: no
  ``-r``/``-c`` file, option, path or URL (:func:`plan`); only the uv installer, no ``install_command``;
* the same index: every ``UV_*`` and ``PIP_*`` variable the installer sees (the env's ``set_env``
  included) and the folder uv starts in (its ``uv.toml``) are part of the key;
* every requirement's name was installed online earlier in this run under that key;
* the offline install stands only if every version it took is the one the index offers this Python
  now, as ``uv pip compile --no-deps --refresh`` of those names answers afterwards
  (:meth:`orch.envs.installer.Installer.install`): uv's offline mode passes over a version whose wheel
  it has not cached (another Python's wheel of a release, a release newer than the cache) and takes an
  older one without a word. Otherwise what it installed is uninstalled and the install runs online;
* an offline install that fails (a page never cached) changes nothing in the env, and the install
  runs online as without this module.

An env whose requirements another env of the run is resolving online right now waits for it, then
goes offline (with ``-p auto``, the first env resolves and the others link). Which env resolves
online is the run's first in order (:meth:`OnlineResolutions.rank`): an env about to go online first
waits, for at most :data:`EARLIER_WAIT` seconds, while an env before it in the run's order is
being set up and has not reached its install yet. So in a one-after-another run the env whose
commands run first resolves, instead of whichever set-up thread reached the index first, and its
commands start without waiting for another env's resolution. Only a virtualenv env holding its env
lock counts as being set up (:meth:`~OnlineResolutions.begin`, by the backend), until its first
install or the end of its setup; a reused env, a ``uv sync`` env, a conda env never hold others up.
``-p`` runs rank their envs in the selection's order (``env_list``'s), so its first env resolves a cold
run's deps, which covers what the others need more often than a newer Python's would (``tomli`` and
``exceptiongroup`` for 3.9). Nothing here outlives the
run: the next run asks the index again, as ``docs/explanation/cold-runs.md`` promises (its first
install may revalidate every page at once, :mod:`orch.envs.prefetch`, which counts as online here).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from orch.config.typed import canonical_name
from orch.envs.seed import requirement_name

_INSTALLED = re.compile(r"^\s*\+\s+([A-Za-z0-9][A-Za-z0-9._-]*)(?:==|\s|@|$)")
_VERSION = re.compile(r"^\s*\+\s+([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
_REMOVED = re.compile(r"^\s*-\s+[A-Za-z0-9]")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*$")
MODE = "resolved online earlier in this run"
EARLIER_WAIT = 3.0  # seconds an env waits at most for an earlier env to reach its install
HEAD_START = 1.0  # seconds an env waits at most, before creating its venv, for the run's first env to reach its install


def plain_name(requirement: str) -> str | None:
    """The name of a plain requirement (name, extras, versions, markers), else ``None``: no option,
    file, path or direct URL reference (``name @ url``)."""
    if "@" in requirement.split(";", 1)[0] or requirement.endswith((".whl", ".tar.gz", ".zip")):
        return None
    return requirement_name(requirement)


class Plan(NamedTuple):
    """What an install asks for: the requirements' names and the names of the local wheels given."""

    key: tuple[tuple[str, str], ...]
    names: frozenset[str]
    local: frozenset[str]


def plan(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> Plan | None:
    """The plan of ``uv pip install ARGS``, or ``None`` when an argument is not a plain requirement or
    an existing local wheel (those always install online)."""
    names: set[str] = set()
    local: set[str] = set()
    for arg in args:
        if arg.endswith(".whl") and Path(arg).is_absolute() and Path(arg).is_file():
            local.add(canonical_name(Path(arg).name.split("-", 1)[0]))
            continue
        name = plain_name(arg)
        if name is None:
            return None
        names.add(name)
    settings = sorted((k, v) for k, v in env.items() if k.upper().startswith(("UV_", "PIP_")))
    return Plan((("cwd", str(cwd)), *settings), frozenset(names), frozenset(local))


def installed_names(lines: Iterable[str]) -> set[str]:
    """The packages uv's output says it installed (`` + name==version``)."""
    found = set()
    for line in lines:
        match = _INSTALLED.match(line)
        if match:
            found.add(canonical_name(match.group(1)))
    return found


def installed_versions(lines: Iterable[str]) -> dict[str, str]:
    """The packages uv's output says it installed, with their versions (`` + name==version``)."""
    return {canonical_name(m.group(1)): m.group(2) for line in lines if (m := _VERSION.match(line))}


def replaced_any(lines: Iterable[str]) -> bool:
    """Whether uv's output says it removed (or replaced) a package (`` - name==version``)."""
    return any(_REMOVED.match(line) for line in lines)


def pinned(lines: Iterable[str]) -> dict[str, str]:
    """The ``name==version`` lines of ``uv pip compile``'s output."""
    return {canonical_name(m.group(1)): m.group(2) for line in lines if (m := _PIN.match(line))}


class OnlineResolutions:
    """What one run's uv installs resolved online, by index key; shared by the run's setup threads."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._fresh: dict[tuple[tuple[str, str], ...], set[str]] = {}
        self._resolving: list[tuple[tuple[tuple[str, str], ...], frozenset[str]]] = []
        self._order: dict[str, int] = {}
        self._setting_up: set[str] = set()  # envs being set up that have not reached their install
        self._answers: dict[object, dict[str, str]] = {}  # the versions uv named, by question (Installer._pins)

    def rank(self, names: Sequence[str]) -> None:
        """The run's order: of two envs about to resolve the same packages, the earlier goes online."""
        with self._changed:
            self._order = {name: index for index, name in enumerate(names)}

    def head_start(self, env: str) -> None:
        """Before ``env`` creates its venv: wait while the run's first env (by :meth:`rank`) is being set up
        and has not reached its install, at most :data:`HEAD_START` seconds. Its ``uv venv`` then has the CPUs
        to itself and its online resolution, which the others' installs may wait for, starts sooner; the
        others create theirs while it resolves, when the CPUs have little else to do."""
        deadline = time.monotonic() + HEAD_START
        with self._changed:
            first = min(self._order, key=self._order.__getitem__, default=env)
            while first != env and first in self._setting_up and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)

    def begin(self, env: str) -> None:
        """``env``'s setup starts."""
        with self._changed:
            self._setting_up.add(env)

    def decided(self, env: str) -> None:
        """``env`` reached its install (or its setup ended without one): later envs need not wait for it."""
        with self._changed:
            self._decided(env)

    def _decided(self, env: str) -> None:
        if env in self._setting_up:
            self._setting_up.discard(env)
            self._changed.notify_all()

    def covers(self, wanted: Plan, env: str = "") -> bool:
        """Whether every requirement of ``wanted`` was installed online in this run under its key; when
        some are being resolved online right now by another env, wait for that env's install to end.
        Before answering no, wait while an env earlier in the run's order has not reached its install."""
        deadline = time.monotonic() + EARLIER_WAIT
        with self._changed:
            while True:
                fresh = self._fresh.get(wanted.key, set())
                missing = wanted.names - fresh
                if not missing:
                    self._decided(env)
                    return bool(wanted.names)
                pending = set().union(*(names for key, names in self._resolving if key == wanted.key))
                if missing <= pending:
                    self._changed.wait()
                    continue
                left = deadline - time.monotonic()
                if not self._earlier_setting_up(env) or left <= 0:
                    return False  # the env goes online: resolving() marks it decided
                self._changed.wait(left)

    def _earlier_setting_up(self, env: str) -> bool:
        mine = self._order.get(env)
        if mine is None:
            return False
        return any(self._order.get(other, mine) < mine for other in self._setting_up)

    def answer(self, question: object, names: Iterable[str]) -> dict[str, str] | None:
        """The versions of ``names`` the index offers, as uv named them in this run for ``question``
        (the environment, folder, interpreter and requirements asked with); None unless all are known."""
        with self._changed:
            known = self._answers.get(question, {})
            wanted = set(names)
            return {name: known[name] for name in wanted} if wanted <= set(known) else None

    def told(self, question: object, pins: Mapping[str, str]) -> None:
        """Keep uv's answer to ``question`` for the run's other envs."""
        with self._changed:
            self._answers.setdefault(question, {}).update(pins)

    def fetched_names(self, wanted: Plan) -> set[str]:
        """The names whose pages this run fetched online under ``wanted``'s key."""
        with self._changed:
            return set(self._fresh.get(wanted.key, set()))

    def fetched(self, wanted: Plan, names: Iterable[str]) -> None:
        """The index pages of ``names`` were just fetched online under ``wanted``'s key, before any install
        (:mod:`orch.envs.prefetch`): envs waiting on them may install offline now."""
        with self._changed:
            self._fresh.setdefault(wanted.key, set()).update(names)
            self._changed.notify_all()

    @contextmanager
    def resolving(self, wanted: Plan | None, env: str = "") -> Iterator[set[str]]:
        """Around an online install: yields a set to fill with the names it installed, recorded at the end
        (empty when it failed); envs waiting on these requirements wake up then."""
        installed: set[str] = set()
        if wanted is None:
            self.decided(env)
            yield installed
            return
        entry = (wanted.key, wanted.names)
        with self._changed:
            self._resolving.append(entry)
            self._decided(env)
        try:
            yield installed
        finally:
            with self._changed:
                self._resolving.remove(entry)
                self._fresh.setdefault(wanted.key, set()).update(installed)
                self._changed.notify_all()
