"""The whole run (orch.schedule.session), in-process on ``current`` envs: order, depends, fail-fast,
parallel slots and resources, exit codes. Order is read from the results' start and end times."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from orch.errors import ConfigError
from orch.schedule import ahead
from orch.schedule.ahead import Turns
from orch.schedule.results import EnvStatus
from orch.schedule.session import Plan, parse_jobs, run_envs

SLEEP = 'python -c "import time; time.sleep(0.3)"'


def ini(envs: dict[str, str]) -> dict[str, str]:
    """A project whose envs are ``current`` envs: name -> the lines of its section."""
    sections = "".join(f"[testenv:{name}]\n{body}\n" for name, body in envs.items())
    return {"tox.ini": f"[tox]\nenv_list = {', '.join(envs)}\n[testenv]\nenv_type = current\n{sections}"}


@pytest.mark.parametrize(
    ("text", "jobs"),
    [(None, 1), ("0", 1), ("1", 1), ("3", 3), ("auto", os.cpu_count() or 1), ("all", None)],
)
def test_parse_jobs(text: str | None, jobs: int | None) -> None:
    assert parse_jobs(text) == jobs


def test_parse_jobs_refuses_a_negative_number() -> None:
    with pytest.raises(ValueError, match="auto or all"):
        parse_jobs("-2")


def test_a_sequential_run_goes_in_config_order_moved_after_depends(runner) -> None:
    run = runner(ini({"a": "depends = c\ncommands = python -c pass", "b": "commands = python -c pass", "c": ""}))
    code, results = run_envs(run, ["a", "b", "c"], Plan(jobs=1, setup_ahead=0))
    assert code == 0
    assert [r.name for r in results] == ["a", "b", "c"]  # results in selection order...
    by_start = sorted(results, key=lambda r: r.started)
    assert [r.name for r in by_start] == ["b", "c", "a"]  # ...run in order: a after c, which it depends on


def test_one_failed_env_gives_its_code_and_several_give_1(runner) -> None:
    run = runner(ini({"ok": "commands = python -c pass", "three": 'commands = python -c "raise SystemExit(3)"'}))
    assert run_envs(run, ["three"])[0] == 3
    code, results = run_envs(run, ["three", "ok"])
    assert code == 1
    assert [r.status for r in results] == [EnvStatus.FAILED, EnvStatus.OK]


def test_fail_fast_starts_nothing_after_the_first_failure(runner) -> None:
    run = runner(ini({"bad": 'commands = python -c "raise SystemExit(5)"', "later": "commands = python -c pass"}))
    code, results = run_envs(run, ["bad", "later"], Plan(fail_fast=True))
    assert code == 5
    assert [(r.name, r.status, r.message) for r in results][1] == (
        "later",
        EnvStatus.SKIPPED,
        "not started (fail-fast)",
    )


def test_a_depends_cycle_is_a_config_error_before_any_env_runs(runner, tmp_path) -> None:
    run = runner(ini({"a": "depends = b\ncommands = python -c pass", "b": "depends = a\ncommands = python -c pass"}))
    with pytest.raises(ConfigError, match="a -> b -> a"):
        run_envs(run, ["a", "b"], Plan(jobs=2))
    assert not (tmp_path / ".tox" / ".orch" / "a" / "log").exists()


def test_parallel_envs_overlap_but_depends_and_resources_do_not(runner) -> None:
    run = runner(
        ini(
            {
                "first": f"commands = {SLEEP}",
                "after": f"depends = first\ncommands = {SLEEP}",
                "db1": f"resources = db\ncommands = {SLEEP}",
                "db2": f"resources = db\ncommands = {SLEEP}",
            }
        )
    )
    code, results = run_envs(run, ["first", "after", "db1", "db2"], Plan(jobs=None))
    assert code == 0
    span = {r.name: (r.started, r.ended) for r in results}
    assert span["after"][0] >= span["first"][1]
    assert span["db1"][1] <= span["db2"][0] or span["db2"][1] <= span["db1"][0]
    assert span["first"][0] < span["db1"][1] and span["db1"][0] < span["first"][1]  # the rest ran at once


def test_resume_keeps_the_previous_results_and_runs_the_rest(runner) -> None:
    run = runner(ini({"done": 'commands = python -c "raise SystemExit(9)"', "rest": "commands = python -c pass"}))
    first = run_envs(run, ["done"])[1][0]
    code, results = run_envs(run, ["done", "rest"], Plan(previous={"done": first}))
    assert code == 1  # the kept failure counts
    assert results[0] is first and results[1].status is EnvStatus.OK


class _RecordedTurns(Turns):
    """The run's turns, with each env's start (after its wait) and its going, and the thread of each."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str, str]] = []
        self.callers: list[tuple[str, str]] = []  # who said an env went: its setup's note, its commands, its end

    def wait(self, name: str) -> None:
        super().wait(name)
        self.events.append(("go", name, threading.current_thread().name.split("_")[0]))

    def went(self, name: str) -> None:
        self.events.append(("went", name, threading.current_thread().name.split("_")[0]))
        self.callers.append((name, sys._getframe(1).f_code.co_name))
        super().went(name)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_first_envs_check_in_turn_and_the_others_are_set_up_ahead_after_them(
    runner, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Sequential: the first env goes alone; -p 2: the first two, one after the other, each in its own
    thread, not set up ahead; the others' setups ahead start once the last of them started its commands."""
    monkeypatch.setattr(ahead, "HEAD_CHECK", 60.0)  # only an env's commands or end let the next go
    run = runner(ini(dict.fromkeys("abcd", "commands = python -c pass")))
    run.turns = turns = _RecordedTurns()
    code, _ = run_envs(run, list("abcd"), Plan(jobs=jobs, setup_ahead=2))
    assert code == 0
    leaders = list("ab"[:jobs])
    ahead_of_turn = sorted(name for kind, name, thread in turns.events if kind == "go" and thread == "orch-setup")
    assert ahead_of_turn == sorted(set("abcd") - set(leaders))
    first_went = {name: turns.events.index(("went", name, t)) for k, name, t in turns.events if k == "went"}
    for index, leader in enumerate(leaders[1:], 1):
        assert turns.events.index(("go", leader, "orch-env")) > first_went[leaders[index - 1]]
    for kind, name, thread in turns.events:
        if kind == "go" and thread == "orch-setup":
            assert turns.events.index((kind, name, thread)) > first_went[leaders[-1]]


def test_a_leader_that_ends_without_commands_lets_the_others_go(runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead, "HEAD_CHECK", 60.0)
    run = runner(ini({"broken": "env_type = no-such-type", "fine": "commands = python -c pass"}))
    code, results = run_envs(run, ["broken", "fine"], Plan(jobs=1, setup_ahead=2))
    assert [r.status for r in results][1] is EnvStatus.OK
    assert code != 0


def test_a_leader_being_created_lets_the_next_go_before_its_commands(runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold leader's setup says what it does ("creating the env..."): the next leader goes then, not
    after the leader's create and install."""
    monkeypatch.setattr(ahead, "HEAD_CHECK", 60.0)
    body = "env_type = virtualenv\nskip_install = true\nbase_python = python3.11\ncommands = python -c pass"
    run = runner(ini({"a": body, "b": body}))
    run.turns = turns = _RecordedTurns()
    code, results = run_envs(run, ["a", "b"], Plan(jobs=2))
    assert code == 0, [r.message for r in results]
    assert turns.callers[0] == ("a", "noted")  # a's setup note, before a's commands
    assert turns.events.index(("go", "b", "orch-env")) > turns.events.index(("went", "a", "orch-env"))
