"""Factor expressions: generative env names, numeric ranges and factor-conditional lines.

Everything here is a pure function of its arguments (plus the running platform for :func:`active_factors`) and
behaves like tox 4.67's factor handling, with two orch extensions:

* brace groups may nest (``{py{38,39},pypy3}-x``); tox rejects those, orch expands them innermost first;
* angle brackets are an alternative spelling of brace groups (``<py38,py39>-<venv,conda>``), see
  :func:`angle_to_braces`.

On every input without nesting or angle brackets the results are those of tox.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from functools import lru_cache
from itertools import product
from typing import TYPE_CHECKING, Final, NamedTuple, Optional

if TYPE_CHECKING:
    from collections.abc import Iterator

    _Line = tuple[Optional["Condition"], str]  # a line's condition (None: unconditional) and content

LATEST_PYTHON_MINOR_MIN: Final[int] = 11
"""First Python 3 minor version of a range open at the bottom: ``{-13}`` is ``11,12,13``."""
LATEST_PYTHON_MINOR_MAX: Final[int] = 15
"""Last Python 3 minor version of a range open at the top: ``{13-}`` is ``13,14,15``."""
MAX_NAMES: Final[int] = 100_000
"""Most env names one expression (or one ``env_list``) may expand to: a larger one is an error, not 3 GB of names."""
MAX_NESTING: Final[int] = 50
"""Deepest nesting of brace groups in one expression."""

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

# one factor of a name (the text between two ``-``): an optional negation, then word characters, dots and the fnmatch
# glob characters ``* ? [ ]`` (a ``!`` is only allowed right after the ``!`` prefix or an opening ``[``); or nothing
# A name that cannot hold a generative expression: no braces, commas, negation or globs, and no
# leading digit (a range such as ``3-5`` only opens at the start or after ``{`` or ``,``).
_PLAIN_NAME: Final[re.Pattern[str]] = re.compile(r"[A-Za-z_.][\w.]*(?:-[\w.]+)*")
_FACTOR_RE: Final[re.Pattern[str]] = re.compile(r"(?:!?(?:\[!?|[\w.*?\]])+)?")

# a numeric range item, always followed by ``,`` or ``}``; its start must not continue a name (``py-django-4-2``)
_RANGE_RE: Final[re.Pattern[str]] = re.compile(
    r"""
    (?<! [\w.-] ) (?P<low> \d+ ) - (?P<high> \d* ) (?= [,}] )   # 8-13 and the top open 8-
    |
    (?<= [{,] ) - (?P<top> \d+ ) (?= [,}] )                      # the bottom open -13
    """,
    re.VERBOSE,
)

# the condition marker: the first colon followed by whitespace or the end of the line
_MARKER_RE: Final[re.Pattern[str]] = re.compile(r":(?:\s|$)")

# the characters that drive the generative-expression parser
_SYNTAX_RE: Final[re.Pattern[str]] = re.compile(r"[{},]")

# what the content of an angle group may be made of to count as generative syntax
_ANGLE_CONTENT_RE: Final[re.Pattern[str]] = re.compile(r"[\w.,!*?\[\]{}-]+")


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
    """Forget every memoised result (for tests that change the platform)."""
    for cached in (
        _angle_to_braces,
        _expand_ranges,
        _expand_names,
        _expand_negated,
        _split_condition,
        _split_lines,
        _active_factors,
        _machine_isa,
    ):
        cached.cache_clear()


def expand_ranges(text: str) -> str:
    """Replace the numeric ranges of brace items with the numbers they cover.

    ``{8-13}`` counts up, ``{13-8}`` counts down, ``{10-}`` stops at :data:`LATEST_PYTHON_MINOR_MAX` and ``{-13}``
    starts at :data:`LATEST_PYTHON_MINOR_MIN` (an open range that would be empty keeps its one explicit bound). A
    range is an item ended by ``,`` or ``}`` that does not continue a name, so the dashes of ``py-django-4-2`` are
    left alone; like tox this does not check for an opening brace, so a top-level ``3-5,x`` is ``3,4,5,x`` too.
    """
    return _expand_ranges(text)


class ExpansionLimit(ValueError):
    """An expression past :data:`MAX_NAMES` or :data:`MAX_NESTING`: its message is the whole explanation."""


@lru_cache(maxsize=4096)
def _expand_ranges(text: str) -> str:
    if "-" not in text:
        return text
    return _RANGE_RE.sub(_range_items, text)


def _range_items(match: re.Match[str]) -> str:
    low, high, top = match.group("low", "high", "top")
    if low is None:  # -top
        numbers = list(range(LATEST_PYTHON_MINOR_MIN, int(top) + 1)) or [int(top)]
    elif high:  # low-high, either direction, both ends included
        first, last = int(low), int(high)
        if abs(last - first) >= MAX_NAMES:
            raise ExpansionLimit(f"the range {match.group()} has more than {MAX_NAMES:,} numbers")
        step = 1 if first < last else -1
        numbers = list(range(first, last + step, step))
    else:  # low-
        numbers = list(range(int(low), LATEST_PYTHON_MINOR_MAX + 1)) or [int(low)]
    return ",".join(map(str, numbers))


def angle_to_braces(text: str) -> str:
    """Rewrite orch's angle-bracket groups as the equivalent brace groups.

    ``<py37,py38>-<venv,conda>`` becomes ``{py37,py38}-{venv,conda}``, nested groups included
    (``<py<38,39>,pypy3>`` becomes ``{py{38,39},pypy3}``). So that version specifiers and PEP 508 markers are left
    alone, a ``<...>`` pair is only rewritten when it is balanced, not empty, and its content (after its own inner
    groups were rewritten) is made only of word characters and ``. , ! * ? [ ] - { }`` with balanced braces: any
    whitespace, quote, ``=``, ``;``, ``:``, ``/``, ``@``, ``+``, ``~``, parenthesis, or unpaired ``<``/``>`` (a
    comparison operator) keeps the pair as it is, and a ``>`` followed by ``=`` never closes a pair (so
    ``pytest<8,>=7`` stays). The callers only rewrite env names, ``env_list`` lines and the text in front of a
    condition marker, never the content of a line.
    """
    return _angle_to_braces(text)


@lru_cache(maxsize=4096)
def _angle_to_braces(text: str) -> str:
    if "<" not in text or ">" not in text:
        return text
    out: list[str] = []
    opened: list[int] = []  # indexes in out of the '<' still waiting for their '>'
    for at, char in enumerate(text):
        if char == "<":
            opened.append(len(out))
            out.append(char)
        elif char == ">" and opened and not text.startswith("=", at + 1):  # >= is an operator, never a closer
            start = opened.pop()
            content = "".join(out[start + 1 :])
            if _ANGLE_CONTENT_RE.fullmatch(content) and _braces_balanced(content):
                out[start] = "{"
                out.append("}")
            else:
                out.append(char)
        else:
            out.append(char)
    return "".join(out)


def _braces_balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def expand_names(text: str) -> list[str]:
    """Expand one generative expression into the env names it stands for, like tox's ``extend_factors``.

    Commas outside braces separate alternatives (an empty alternative is skipped, a blank one gives ``""``); each
    brace group multiplies the names with its items, in order (``{,-cov}`` adds nothing or ``-cov``); whitespace
    around the literal parts and the items is dropped, and so is the ``!`` of negated factors (``!lint`` gives
    ``lint``). Angle groups and ranges are rewritten first. Groups may nest
    and expand innermost first: ``{py{38,39},pypy3}-x`` is ``py38-x, py39-x, pypy3-x``.

    :raises ValueError: unbalanced or empty braces, a name with a factor that is not a valid factor, more than
        :data:`MAX_NAMES` names or braces nested deeper than :data:`MAX_NESTING`
    """
    return list(_expand_names(text))


@lru_cache(maxsize=8192)
def _expand_names(text: str) -> tuple[str, ...]:
    return tuple("-".join(_drop_negation(factor) for factor in name.split("-")) for name in _expand_negated(text))


def _drop_negation(factor: str) -> str:
    return factor[1:] if factor.startswith("!") else factor


@lru_cache(maxsize=8192)
def _expand_negated(text: str) -> tuple[str, ...]:
    # the names with their negated factors still marked by a leading !
    try:
        text = _expand_ranges(_angle_to_braces(text))
        names, _ = _parse_alternatives(text, 0, nested=False, depth=0)
    except ExpansionLimit as exc:
        shown = text if len(text) <= 80 else f"{text[:77]}..."
        raise ExpansionLimit(f"{shown!r}: {exc}") from None
    for name in names:
        for factor in name.split("-"):
            if not _FACTOR_RE.fullmatch(factor):
                raise ValueError(name)
    return tuple(names)


def _parse_alternatives(text: str, pos: int, *, nested: bool, depth: int) -> tuple[list[str], int]:
    # comma separated alternatives from pos up to the end of text (top level) or past the closing brace (nested)
    if depth > MAX_NESTING:
        raise ExpansionLimit(f"brace groups nested more than {MAX_NESTING} deep")
    names: list[str] = []
    while True:
        start = pos
        found, pos = _parse_product(text, pos, depth)
        if nested or pos > start:  # tox skips the empty top-level alternatives, but not the empty brace items
            names.extend(found)
            _check_count(len(names))
        if pos == len(text):
            if nested:
                raise ValueError(f"unclosed brace in {text!r}")
            return names, pos
        if text[pos] == ",":
            pos += 1
        elif nested:  # the closing brace
            return names, pos + 1
        else:
            raise ValueError(f"unopened brace in {text!r}")


def _check_count(count: int) -> None:
    if count > MAX_NAMES:
        raise ExpansionLimit(f"expands to more than {MAX_NAMES:,} env names")


def _parse_product(text: str, pos: int, depth: int) -> tuple[list[str], int]:
    # one alternative: literal parts and brace groups up to a comma, a closing brace or the end of text
    parts: list[list[str]] = []
    literal_at = pos
    while True:
        found = _SYNTAX_RE.search(text, pos)
        if found is None or found.group() != "{":
            pos = len(text) if found is None else found.start()
            parts.append([text[literal_at:pos].strip()])
            break
        parts.append([text[literal_at : found.start()].strip()])
        if text.startswith("}", found.end()):
            raise ValueError(f"empty brace group in {text!r}")
        group, pos = _parse_alternatives(text, found.end(), nested=True, depth=depth + 1)
        parts.append(group)
        literal_at = pos
    if len(parts) == 1:
        return parts[0], pos
    count = 1
    for part in parts:
        count *= len(part)
        _check_count(count)
    return ["".join(combination) for combination in product(*parts)], pos


def expand_env_list(value: str) -> list[str]:
    """Expand an ``env_list`` value (comments already removed) into env names, like tox's ``EnvList``.

    Each line is one generative expression (:func:`expand_names`); the names keep the order of their first
    appearance, repeats and blank names are dropped.

    :raises ValueError: a line that is not a valid generative expression, or more than :data:`MAX_NAMES` names
    """
    seen: dict[str, None] = {}
    for line in value.split("\n"):
        for name in _expand_names(line):
            if name:
                seen.setdefault(name, None)
        if len(seen) > MAX_NAMES:
            raise ValueError(f"the env list expands to more than {MAX_NAMES:,} env names")
    return list(seen)


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
    active = _active_factors(env_name)
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
        elif condition.matches(active):
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
def _active_factors(env_name: str | None) -> frozenset[str]:
    named: set[str] = set()
    if env_name is not None and _PLAIN_NAME.fullmatch(env_name):
        named.update(env_name.split("-"))  # no braces, commas or ranges: the name is its only expansion
    elif env_name is not None:
        for name in _expand_names(env_name):
            named.update(name.split("-"))
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


__all__ = [
    "KNOWN_ARCHITECTURES",
    "LATEST_PYTHON_MINOR_MAX",
    "LATEST_PYTHON_MINOR_MIN",
    "MAX_NAMES",
    "MAX_NESTING",
    "Condition",
    "ExpansionLimit",
    "active_factors",
    "angle_to_braces",
    "clear_caches",
    "expand_env_list",
    "expand_names",
    "expand_ranges",
    "filter_for_env",
    "find_envs",
    "normalize_isa",
    "split_condition",
]
