"""Matching envs to ``[packagedef:NAME]`` sections.

An env gets exactly one packagedef or none:

1. none when ``skip_install`` is true, ``package = skip``, or ``no_package`` is set in the core;
2. the packagedef named by an explicit ``package = NAME`` (a builder name without a section of
   that name means a packagedef with that builder and default options);
3. the one packagedef whose ``match`` selects the env (two matching is an error naming both);
4. otherwise the default: ``conda`` for conda envs, ``sdist`` for every other env type.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from functools import lru_cache

from orch.config.conditions import Condition, active_factors, split_condition

_GLOB = r"[*?\[]"  # compiled by re at its first use, not at every start


@lru_cache(maxsize=1024)
def _pattern(line: str) -> Condition | str:
    """A glob (a string) or a factor condition, for one ``match`` line."""
    text = line.strip()
    if re.search(_GLOB, text) and not text.startswith("!"):
        return text
    condition, rest = split_condition(f"{text}:")
    if condition is None or rest:
        raise ValueError(f"match line {text!r} is neither a factor expression nor a glob")
    return condition


def matches(lines: Iterable[str], env: str) -> bool:
    """Whether any ``match`` line selects ``env``."""
    for line in lines:
        pattern = _pattern(line)
        if isinstance(pattern, str):
            if fnmatch.fnmatchcase(env, pattern):
                return True
        elif pattern.matches(active_factors(env)):
            return True
    return False
