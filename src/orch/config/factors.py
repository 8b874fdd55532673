"""Factor expressions: generative env names and numeric ranges (factor-conditional lines are in
:mod:`orch.config.conditions`).

Everything here is a pure function of its arguments (plus the running platform for :func:`active_factors`) and
behaves like tox 4.67's factor handling, with two orch extensions:

* brace groups may nest (``{py{38,39},pypy3}-x``); tox rejects those, orch expands them innermost first;
* angle brackets are an alternative spelling of brace groups (``<py38,py39>-<venv,conda>``), see
  :func:`angle_to_braces`.

On every input without nesting or angle brackets the results are those of tox.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from typing import Final

LATEST_PYTHON_MINOR_MIN: Final[int] = 11
"""First Python 3 minor version of a range open at the bottom: ``{-13}`` is ``11,12,13``."""
LATEST_PYTHON_MINOR_MAX: Final[int] = 15
"""Last Python 3 minor version of a range open at the top: ``{13-}`` is ``13,14,15``."""
MAX_NAMES: Final[int] = 100_000
"""Most env names one expression (or one ``env_list``) may expand to: a larger one is an error, not 3 GB of names."""
MAX_NESTING: Final[int] = 50
"""Deepest nesting of brace groups in one expression."""

# one factor of a name (the text between two ``-``): an optional negation, then word characters, dots and the fnmatch
# glob characters ``* ? [ ]`` (a ``!`` is only allowed right after the ``!`` prefix or an opening ``[``); or nothing
_FACTOR_RE: Final[re.Pattern[str]] = re.compile(r"(?:!?(?:\[!?|[\w.*?\]])+)?")

# a numeric range item, always followed by ``,`` or ``}``; its start must not continue a name (``py-django-4-2``)
# (as text: re compiles it at its first use, not at every start; few configs have a range)
_RANGE_RE: Final = r"""(?x)
    (?<! [\w.-] ) (?P<low> \d+ ) - (?P<high> \d* ) (?= [,}] )   # 8-13 and the top open 8-
    |
    (?<= [{,] ) - (?P<top> \d+ ) (?= [,}] )                      # the bottom open -13
    """

# the characters that drive the generative-expression parser
_SYNTAX_RE: Final[re.Pattern[str]] = re.compile(r"[{},]")

# what the content of an angle group may be made of to count as generative syntax (as text, as _RANGE_RE)
_ANGLE_CONTENT_RE: Final = r"[\w.,!*?\[\]{}-]+"


def clear_caches() -> None:
    """Forget the memoised expansions (:func:`orch.config.conditions.clear_caches` clears these too)."""
    for cached in (
        _angle_to_braces,
        _expand_ranges,
        _expand_names,
        _expand_negated,
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
    return re.sub(_RANGE_RE, _range_items, text)


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
            if re.fullmatch(_ANGLE_CONTENT_RE, content) and _braces_balanced(content):
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


__all__ = [
    "LATEST_PYTHON_MINOR_MAX",
    "LATEST_PYTHON_MINOR_MIN",
    "MAX_NAMES",
    "MAX_NESTING",
    "ExpansionLimit",
    "angle_to_braces",
    "clear_caches",
    "expand_env_list",
    "expand_names",
    "expand_ranges",
]
