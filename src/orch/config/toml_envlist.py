"""Env names from tox 4's TOML forms: ``{ product = [...] }``, ranges and ``[env_base.NAME]`` factors.

Pure functions; each raises :class:`ValueError` with a sentence for a malformed value:

* ``{ product = [["py39", "py310"], ["a", "b"]] }`` is every combination joined with ``-``, in
  order, minus the names in an optional ``exclude`` list;
* a factor group is a list of strings, a range ``{ prefix = "py3", start = 9, stop = 12 }`` (both
  ends included; a missing end is open, bounded by the
  CPython minors tox knows: 11 to 15), or a labeled
  group ``{ LABEL = [...] }``/``{ LABEL = { values = [...] } }``;
* ``[env_base.NAME] factors = [[...], ...]`` names ``NAME-<combination>``; a flat list of strings
  names ``NAME-<factor>``.
"""

from __future__ import annotations

from itertools import product

from orch.config.factors import LATEST_PYTHON_MINOR_MAX, LATEST_PYTHON_MINOR_MIN

_RESERVED_LABELS = frozenset({"env", "posargs", "tty", "glob", "factor"})


def _type(value: object) -> str:
    return {str: "str", int: "int", float: "float", bool: "bool", list: "list", dict: "dict"}.get(
        type(value), type(value).__name__
    )


def expand_env_items(items: object, key: str = "env_list") -> list[str]:
    """An ``env_list`` (or ``depends``) value: strings as they are, tables expanded."""
    if not isinstance(items, list):
        raise ValueError(f"{key} must be a list, got {_type(items)}")
    envs: list[str] = []
    for item in items:
        if isinstance(item, str):
            envs.append(item)
        elif isinstance(item, dict):
            if "product" in item:
                if "prefix" in item:
                    raise ValueError(f"{key} dict items cannot combine 'product' with 'prefix'")
                envs.extend(expand_product(item))
            else:
                envs.extend(expand_factor_group(item))
        else:
            raise ValueError(
                f"{key} items must be strings, product dicts, range dicts, or labeled dicts, got {_type(item)}"
            )
    return envs


def expand_product(value: dict[str, object]) -> list[str]:
    groups = value["product"]
    if not isinstance(groups, list):
        raise ValueError(f"product value must be a list of factor groups, got {_type(groups)}")
    if not groups:
        return []
    expanded = [expand_factor_group(group) for group in groups]
    exclude = value.get("exclude") or []
    if not isinstance(exclude, list):
        raise ValueError(f"product exclude must be a list, got {_type(exclude)}")
    excluded = set(exclude)
    return [name for combo in product(*expanded) if (name := "-".join(combo)) not in excluded]


def expand_factor_group(group: object) -> list[str]:
    if isinstance(group, list):
        for item in group:
            if not isinstance(item, str):
                raise ValueError(f"factor group list items must be strings, got {_type(item)}")
        return list(group)
    if isinstance(group, dict):
        if "prefix" in group:
            return _expand_range(group)
        if len(group) == 1:
            label, values = next(iter(group.items()))
            return _expand_labeled(str(label), values)
    raise ValueError(f"factor group must be a list, a range dict, or a labeled dict, got {_type(group)}")


def _expand_range(table: dict[str, object]) -> list[str]:
    prefix = str(table["prefix"])
    start, stop = table.get("start"), table.get("stop")
    if start is None and stop is None:
        raise ValueError("range must have at least 'start' or 'stop'")
    for name, end in (("start", start), ("stop", stop)):
        if end is not None and type(end) is not int:
            raise ValueError(f"range {name!r} must be an integer, got {_type(end)}")
    first = start if isinstance(start, int) else LATEST_PYTHON_MINOR_MIN
    last = stop if isinstance(stop, int) else LATEST_PYTHON_MINOR_MAX
    # a bound outside the open window still names a version: keep it rather than expand to nothing
    minors = list(range(first, last + 1)) or [last if start is None else first]
    return [f"{prefix}{minor}" for minor in minors]


def _expand_labeled(label: str, values: object) -> list[str]:
    if label in _RESERVED_LABELS:
        raise ValueError(f"{label!r} is reserved and cannot be used as a factor label")
    if isinstance(values, dict):
        if "prefix" in values:
            return _expand_range(values)
        listed = values.get("values")
        if listed is None:
            raise ValueError(
                f"labeled factor group {label!r} maps to a dict with neither a 'prefix' nor a 'values' key"
            )
        if not isinstance(listed, list):
            raise ValueError(f"labeled factor group {label!r} 'values' must be a list, got {_type(listed)}")
        return [str(v) for v in listed]
    if not isinstance(values, list):
        raise ValueError(f"labeled factor group {label!r} must map to a list, a range dict, or a values dict")
    return [str(v) for v in values]


def env_base_names(base: str, factors: object) -> list[str]:
    """The envs an ``[env_base.NAME]`` table generates from its ``factors``."""
    if not isinstance(factors, list):
        raise ValueError(f"env_base.{base}.factors must be a list, got {_type(factors)}")
    if factors and isinstance(factors[0], (list, dict)):
        groups = [expand_factor_group(group) for group in factors]
        return ["-".join((base, *combo)) for combo in product(*groups)]
    return [f"{base}-{factor}" for factor in factors]
