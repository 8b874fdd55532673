"""Factor-conditional lines (``py38,!lint: value``) and the factors that hold for an env, as tox 4.67 reads them.

A condition is the generative expression in front of a line's ``:`` marker (expanded by
:mod:`orch.config.factors`); a line applies to an env when one of its factor groups holds among the
env's active factors: those of its name, plus the platform and the machine's CPU architecture.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Final, NamedTuple, Optional

from orch.config import factors
from orch.config.factors import _expand_names, _expand_negated

if TYPE_CHECKING:
    from collections.abc import Iterator

    _Line = tuple[Optional["Condition"], str]  # a line's condition (None: unconditional) and content

KNOWN_ARCHITECTURES: Final[frozenset[str]] = frozenset(
    {"arm64", "loongarch64", "ppc", "ppc64", "ppc64le", "riscv64", "s390x", "sparc64", "x86", "x86_64"}
)
"""Canonical CPU architecture names; an env name holding one of them opts out of the implicit machine factor."""

_Group = tuple[tuple[str, bool], ...]  # the (factor, negated) pairs that must all hold

_ISA_ALIASES: Final[dict[str, str]] = {
    # alias       -> canonical name (anything not listed is only lower-cased)
    "amd64": "x86_64",
    "aarch64": "arm64",
    "i386": "x86",
    "i486": "x86",
    "i586": "x86",
    "i686": "x86",
    "powerpc": "ppc",
    "powerpc64": "ppc64",
    "powerpc64le": "ppc64le",
    "sparcv9": "sparc64",
}

# A name that cannot hold a generative expression: no braces, commas, negation or globs, and no
# leading digit (a range such as ``3-5`` only opens at the start or after ``{`` or ``,``).
_PLAIN_NAME: Final[re.Pattern[str]] = re.compile(r"[A-Za-z_.][\w.]*(?:-[\w.]+)*")

# the condition marker: the first colon followed by whitespace or the end of the line
_MARKER_RE: Final[re.Pattern[str]] = re.compile(r":(?:\s|$)")


class Condition(NamedTuple):
    """A factor condition: the alternatives (OR) of factor groups (AND) in front of a ``:`` marker.

    Each factor is a ``(name, negated)`` pair; ``py38,!lint-conda`` is ``((("py38", False),), (("lint", True),
    ("conda", False)))``. Factor names are compared literally with the active factors, as tox does: the glob
    characters ``*``, ``?`` and ``[seq]`` are accepted in a name but carry no pattern meaning.
    """

    groups: tuple[_Group, ...]

    def matches(self, active: frozenset[str]) -> bool:
        """Whether some group holds: each of its plain factors is active and each of its negated ones is not."""
        return any(all((name in active) is not negated for name, negated in group) for group in self.groups)

    @property
    def env_names(self) -> tuple[str, ...]:
        """The env name each group spells, negations dropped (``!lint-conda`` -> ``lint-conda``)."""
        return tuple("-".join(name for name, _ in group) for group in self.groups)

    def __str__(self) -> str:
        """The condition in its expanded tox spelling, e.g. ``py38-conda,!lint``."""
        return ",".join("-".join(f"!{name}" if negated else name for name, negated in group) for group in self.groups)


def clear_caches() -> None:
    """Forget every memoised result, the expansions' too (for tests that change the platform)."""
    for cached in (_split_condition, _split_lines, _named_factors, _active_factors, _machine_isa):
        cached.cache_clear()
    factors.clear_caches()


def split_condition(line: str) -> tuple[Condition | None, str]:
    """Split one line into its factor condition and its content, like tox's ``expand_factors``.

    The marker is the first ``:`` followed by whitespace or the end of the line. When the text in front of it is a
    valid generative factor expression the line is conditional: the condition and the stripped text after the marker
    are returned (a blank text in front gives a condition that never holds, as in tox). Otherwise, so for
    ``https://x`` or ``python -c 'a: b'``, the condition is ``None`` and the content is the whole, unstripped line.
    """
    return _split_condition(line)


@lru_cache(maxsize=8192)
def _split_condition(line: str) -> _Line:
    marker = _MARKER_RE.search(line)
    if marker is None:
        return None, line
    try:
        names = _expand_negated(line[: marker.start()].strip())
    except ValueError:
        return None, line
    groups = tuple(
        tuple((factor[1:], True) if factor.startswith("!") else (factor, False) for factor in name.split("-"))
        for name in names
    )
    return Condition(groups), line[marker.start() + 1 :].strip()


@lru_cache(maxsize=4096)
def _split_lines(value: str) -> tuple[_Line, ...]:
    return tuple(_split_condition(line) for line in value.split("\n"))


def filter_for_env(value: str, env_name: str | None) -> str:
    """Keep the lines of a value that apply to an env, like tox's ``filter_for_env``.

    Lines without a condition are kept as they are, except empty ones; conditional lines are kept (stripped, after
    the marker) when their condition matches :func:`active_factors` of the env. A skipped conditional line ending
    in ``\\`` also takes the next unconditional line with it, unless that line itself ends in ``\\`` or a kept line
    before it was continued: exactly tox's rule, which drops one continuation line only.

    :raises ValueError: the env name is not a valid factor expression
    """
    lines = _split_lines(value)
    _named_factors(env_name)  # an invalid name fails even a value without conditions, as in tox
    kept: list[str] = []
    continuing = False  # the last kept line ends in a backslash
    skip_next = False  # the last line was a skipped condition ending in a backslash
    for condition, content in lines:
        continued = content.endswith("\\")
        if condition is None:
            if skip_next and not continuing and not continued:
                skip_next = False
                continue
            if content:
                kept.append(content)
                continuing = continued
            skip_next = False
        elif condition.matches(_active_factors(env_name)):  # the machine's ISA: only once a line has a condition
            kept.append(content)
            continuing = continued
            skip_next = False
        else:
            skip_next = continued
    return "\n".join(kept)


def active_factors(env_name: str | None) -> frozenset[str]:
    """The factors that hold for an env, like tox's ``active_factors``.

    Those are the factors of the names its name expands to (negations dropped), plus ``sys.platform`` and the
    machine's ISA (the last ``-`` part of ``sysconfig.get_platform()``, normalised with a table of aliases); the
    ISA is left out when the name already holds an architecture factor or a factor normalising to the machine's.

    :raises ValueError: the env name is not a valid factor expression
    """
    return _active_factors(env_name)


@lru_cache(maxsize=4096)
def _named_factors(env_name: str | None) -> frozenset[str]:
    """The factors of the names ``env_name`` expands to (negations dropped).

    :raises ValueError: the env name is not a valid factor expression
    """
    named: set[str] = set()
    if env_name is not None and _PLAIN_NAME.fullmatch(env_name):
        named.update(env_name.split("-"))  # no braces, commas or ranges: the name is its only expansion
    elif env_name is not None:
        for name in _expand_names(env_name):
            named.update(name.split("-"))
    return frozenset(named)


@lru_cache(maxsize=4096)
def _active_factors(env_name: str | None) -> frozenset[str]:
    named = _named_factors(env_name)
    active = {*named, sys.platform}
    isa = _machine_isa()
    if isa is not None and not (named & KNOWN_ARCHITECTURES) and all(normalize_isa(factor) != isa for factor in named):
        active.add(isa)
    return frozenset(active)


def normalize_isa(isa: str) -> str:
    """The canonical name of a CPU architecture: ``amd64`` -> ``x86_64``, ``aarch64`` -> ``arm64``, others lowered."""
    lowered = isa.lower()
    return _ISA_ALIASES.get(lowered, lowered)


@lru_cache(maxsize=1)
def _machine_isa() -> str | None:
    import sysconfig  # when an env's factors are first needed, not at every start (0.4 ms)

    _, sep, machine = sysconfig.get_platform().rpartition("-")
    return normalize_isa(machine) if sep else None


def find_envs(value: str) -> Iterator[str]:
    """The env names that the factor conditions of a value spell (negations dropped), each once, in order."""
    seen: set[str] = set()
    for condition, _ in _split_lines(value):
        if condition is not None:
            for name in condition.env_names:
                if name not in seen:
                    seen.add(name)
                    yield name
