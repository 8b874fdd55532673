"""The setups-ahead pool and the leaders' turns (orch.schedule.ahead), and what a sequential run's modules
leave unimported."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from orch.schedule import ahead
from orch.schedule.ahead import Pool, Turns


def test_tasks_run_in_order_and_return_or_raise() -> None:
    seen: list[int] = []

    def call(n: int) -> int:
        seen.append(n)
        if n == 2:
            raise ValueError("two")
        return n * 10

    pool = Pool([lambda n=n: call(n) for n in range(4)], workers=1, name="t")
    assert [pool.tasks[i].result() for i in (0, 1, 3)] == [0, 10, 30]
    with pytest.raises(ValueError, match="two"):
        pool.tasks[2].result()
    pool.shutdown()
    assert seen == [0, 1, 2, 3]


def test_shutdown_drops_the_tasks_not_started() -> None:
    gate, started = threading.Event(), threading.Event()

    def first() -> str:
        started.set()
        gate.wait()
        return "first"

    pool = Pool([first, lambda: "second"], workers=1, name="t")
    started.wait()
    stopper = threading.Thread(target=pool.shutdown)
    stopper.start()
    while not pool.tasks[1].cancelled():  # the queue is emptied before the running task is waited for
        time.sleep(0.001)
    gate.set()
    stopper.join()
    assert pool.tasks[0].result() == "first"
    assert pool.tasks[1].done()
    assert not pool.tasks[0].cancelled()


def test_a_sequential_run_imports_no_pool_module_nor_parsers_it_does_not_use() -> None:
    """Work not done at start-up: concurrent.futures (with logging), tomllib, zipfile and platform stay
    unimported until a parallel run, a pyproject, a wheel or --result-json needs them."""
    probe = (
        "import sys\n"
        "import orch.cli.commands, orch.cli.tox_commands, orch.schedule.session, orch.schedule.envrun\n"
        "lazy = ('concurrent.futures', 'logging', 'tomllib', 'zipfile', 'platform')\n"
        "print(sorted(m for m in lazy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_leaders_go_one_after_another_and_the_others_after_the_last(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead, "HEAD_CHECK", 60.0)  # only went() lets an env go in this test
    turns = Turns()
    turns.begin(["a", "b"])
    went: list[str] = []

    def wait(name: str) -> None:
        turns.wait(name)
        went.append(name)

    threads = [threading.Thread(target=wait, args=(name,)) for name in ("c", "b")]
    for thread in threads:
        thread.start()
    turns.wait("a")  # the first leader never waits
    time.sleep(0.05)
    assert went == []  # b waits for a, c for both
    turns.went("a")
    threads[1].join()
    assert went == ["b"]
    turns.went("b")
    threads[0].join()
    assert went == ["b", "c"]


def test_an_env_waits_for_the_leaders_no_longer_than_the_head_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """A leader being created (a cold run) or holding its turn does not stop the others beyond the cap."""
    monkeypatch.setattr(ahead, "HEAD_CHECK", 0.01)
    turns = Turns()
    turns.begin(["a"])
    turns.wait("b")  # returns although "a" never went
    turns.went("c")  # not a leader: changes nothing
    assert turns.leaders == ["a"]


def test_without_a_run_nobody_waits() -> None:
    Turns().wait("any")
