"""What an env's name says on its own: its Python (``py38``, ``3.12``, ``pypy3.10``) and its env type."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

# As text, not compiled: re compiles a pattern at its first use (and keeps it), not at every start of orch.
_PY_FACTOR = (
    r"^(?!py$)(?P<impl>py|pypy|cpython|jython|graalpy|rustpython|ironpython)"
    r"(?:(?P<version>[2-9]\.?[0-9]?[0-9]?)(?P<threaded>t?)(?P<debug>d?))?$"
)
_PY_DOTTED = r"^(?:(?P<impl>cpython|pypy)-)?(?P<version>[23]\.[0-9]+)(?P<threaded>t?)(?P<debug>d?)$"


def _dotted_spec(match: re.Match[str]) -> str:
    impl = "pypy" if match.group("impl") == "pypy" else ""
    return f"{impl}{match.group('version')}{match.group('threaded')}{match.group('debug')}"


@lru_cache(maxsize=4096)
def python_factor(env_name: str) -> str | None:
    """The Python spec an env name carries (``py311-lint`` -> ``py311``), or ``None``.

    Raises :class:`ValueError` when the name carries two different ones (``py38-py39``).
    """
    found: list[str] = []
    factors = env_name.split("-")
    i = 0
    while i < len(factors):
        factor = factors[i]
        i += 1
        pair = re.match(_PY_DOTTED, f"{factor}-{factors[i]}") if i < len(factors) else None
        if pair is not None:
            found.append(_dotted_spec(pair))
            i += 1
        elif re.match(_PY_FACTOR, factor):
            found.append(factor)
        elif (dotted := re.match(_PY_DOTTED, factor)) is not None:
            found.append(_dotted_spec(dotted))
    if len(found) > 1:
        raise ValueError(f"conflicting Python factors {', '.join(found)} in {env_name}")
    return found[0] if found else None


def version_of(spec: str) -> tuple[int, ...] | None:
    """``py38`` -> (3, 8); ``python3.12`` -> (3, 12); ``pypy3`` -> (3,); anything else -> ``None``."""
    match = re.search(r"(?:^|[a-z])(?P<major>[23])(?:\.?(?P<minor>[0-9]{1,2}))?t?d?$", spec.rsplit("/", 1)[-1])
    if match is None:
        return None
    major, minor = int(match.group("major")), match.group("minor")
    return (major, int(minor)) if minor else (major,)


def implementation_of(spec: str) -> str | None:
    """The implementation a spec names (``python3`` is CPython), or ``None`` for ``py310``/``3.10``."""
    base = spec.rsplit("/", 1)[-1]
    for impl in ("cpython", "pypy", "graalpy", "jython", "rustpython", "ironpython"):
        if base.startswith(impl):
            return impl
    return "cpython" if base.startswith("python") else None


def conflicts(factor_spec: str, base_python: str) -> bool:
    """Whether an explicit ``base_python`` contradicts the env name's Python factor (tox's rule):
    the base must have every version part the factor names (``py39`` vs ``python3`` conflicts),
    and a factor that names an implementation must not meet another."""
    a, b = version_of(factor_spec), version_of(base_python)
    if a is not None and b is not None and b[: len(a)] != a:
        return True
    impl_a, impl_b = implementation_of(factor_spec), implementation_of(base_python)
    return impl_a is not None and impl_b is not None and impl_a != impl_b


def env_type_factor(env_name: str, type_factors: Mapping[str, str]) -> str | None:
    """The env type named by a factor (``py38-conda`` -> ``conda``), given ``factor -> env type``."""
    found = [type_factors[f] for f in env_name.split("-") if f in type_factors]
    if len(set(found)) > 1:
        raise ValueError(f"conflicting env type factors in {env_name}: {', '.join(dict.fromkeys(found))}")
    return found[0] if found else None
