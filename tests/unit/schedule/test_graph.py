"""The order constraints between selected envs (orch.schedule.graph): depends, cycles, run order."""

from __future__ import annotations

import pytest

from orch.errors import ConfigError
from orch.schedule.graph import by_history, dependencies, find_cycle, run_order


@pytest.mark.parametrize(
    ("names", "depends", "expected"),
    [
        pytest.param(["a", "b"], {}, {"a": set(), "b": set()}, id="none"),
        pytest.param(["a", "b"], {"b": ["a"]}, {"a": set(), "b": {"a"}}, id="one"),
        pytest.param(
            ["py311", "py312", "cov"],
            {"cov": ["py3*"]},
            {"py311": set(), "py312": set(), "cov": {"py311", "py312"}},
            id="glob",
        ),
        pytest.param(["b"], {"b": ["a"]}, {"b": set()}, id="not-selected-is-not-pulled-in"),
        pytest.param(["a", "b"], {"a": ["*"]}, {"a": {"b"}, "b": set()}, id="never-itself"),
        pytest.param(["py3"], {"py3": ["PY3"]}, {"py3": set()}, id="case-sensitive"),
    ],
)
def test_dependencies_are_the_selected_envs_each_waits_for(
    names: list[str], depends: dict[str, list[str]], expected: dict[str, set[str]]
) -> None:
    assert dependencies(names, depends) == expected


@pytest.mark.parametrize(
    ("depends", "cycle"),
    [
        ({"a": ["b"], "b": ["a"]}, "a -> b -> a"),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, "a -> b -> c -> a"),
        ({"b": ["c"], "c": ["b"]}, "b -> c -> b"),
    ],
)
def test_a_cycle_is_a_config_error_naming_it(depends: dict[str, list[str]], cycle: str) -> None:
    with pytest.raises(ConfigError, match=f"^depends forms a cycle: {cycle}$"):
        dependencies(["a", "b", "c"], depends)


def test_a_cycle_among_envs_not_selected_is_no_error() -> None:
    assert dependencies(["a"], {"b": ["c"], "c": ["b"]}) == {"a": set()}


def test_find_cycle_gives_none_for_a_diamond() -> None:
    assert find_cycle({"top": {"left", "right"}, "left": {"base"}, "right": {"base"}, "base": set()}) == []


@pytest.mark.parametrize(
    ("names", "waits", "expected"),
    [
        (["a", "b", "c"], {"a": set(), "b": set(), "c": set()}, ["a", "b", "c"]),
        (["a", "b", "c"], {"a": {"c"}, "b": set(), "c": set()}, ["b", "c", "a"]),
        (
            ["cov", "py311", "py312"],
            {"cov": {"py311", "py312"}, "py311": set(), "py312": set()},
            ["py311", "py312", "cov"],
        ),
        (["a", "b", "c"], {"a": {"b"}, "b": {"c"}, "c": set()}, ["c", "b", "a"]),
    ],
)
def test_run_order_keeps_config_order_but_puts_each_env_after_what_it_waits_for(
    names: list[str], waits: dict[str, set[str]], expected: list[str]
) -> None:
    assert run_order(names, waits) == expected


def test_by_history_starts_the_longest_first_and_new_envs_last_in_config_order() -> None:
    names = ["new1", "short", "long", "new2", "mid"]
    durations = {"short": 1.0, "long": 30.0, "mid": 5.0, "gone": 100.0}
    assert by_history(names, durations) == ["long", "mid", "short", "new1", "new2"]
    assert by_history(names, {}) == names
