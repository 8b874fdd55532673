"""The whole run: the selected envs on a bounded thread pool, then the record and the exit code.

With ``-p 0`` (the default) envs run one after another in the main thread, in config order, with
their output streaming through; meanwhile the next envs are set up in background threads
(:meth:`~orch.schedule.envrun.EnvRunner.setup_ahead`), except those that depend on another or
hold resources. With ``-p N``/``auto``/``all`` a :class:`~concurrent.futures.
ThreadPoolExecutor` runs up to N envs at once: an env starts when the envs it ``depends`` on have
finished and none of its ``resources`` is taken; among the ready ones, those that took longest
last time go first. Package builds happen inside the env tasks, after the env's own setup, and the
artifact cache makes concurrent askers build once.

Exit codes: 0 when every env passed, was skipped or ignored; 1 when one failed or timed out; 130
when the run was interrupted (Ctrl-C). Configuration and usage errors (2) happen before the start,
except a value of one env that cannot be computed: that env fails in its turn, the others run.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, NamedTuple

from orch.report.record import write_record
from orch.schedule.graph import by_history, dependencies
from orch.schedule.results import EnvResult, EnvStatus

if TYPE_CHECKING:
    from orch.schedule.envrun import EnvRunner

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


class Plan(NamedTuple):
    """How to run: ``jobs`` (1 = sequential in the main thread, None = no bound), fail-fast."""

    jobs: int | None = 1
    fail_fast: bool = False
    durations: Mapping[str, float] = {}  # last run's durations, for the order of parallel runs
    previous: Mapping[str, EnvResult] = {}  # --resume: results kept from the interrupted run
    setup_ahead: int = min(os.cpu_count() or 1, 4)  # sequential runs: envs set up ahead at once (0: none)


def parse_jobs(text: str | None) -> int | None:
    """``-p``: ``auto`` = CPU count, ``all`` = no bound, ``0``/absent = sequential (1), or a number."""
    if text is None or text in ("0", "1"):
        return 1
    if text == "auto":
        return os.cpu_count() or 1
    if text == "all":
        return None
    value = int(text)
    if value < 0:
        raise ValueError(f"-p {text}: a number of jobs, auto or all")
    return max(value, 1)


def run_envs(runner: EnvRunner, names: Sequence[str], plan: Plan | None = None) -> tuple[int, list[EnvResult]]:
    """Run ``names``; write the record; print the summary; return the exit code and the results."""
    plan = plan or Plan()
    started, clock = time.time(), time.monotonic()
    # resolve before any thread starts; an env whose config has an error fails in its turn (EnvRunner.run)
    configs = {name: runner.config.env(name) for name in names if runner.config.env_error(name) is None}
    waits = dependencies(names, {n: configs[n].depends if n in configs else () for n in names})
    if plan.jobs == 1:
        order = _topological(names, waits)
        # Envs that wait for no other env may be set up before their turn: not those that do (an env
        # they depend on may make what they install), nor those holding resources (never two at once).
        ahead = [n for n in order if n in configs and not waits[n] and not configs[n].resources]
        ahead = [n for n in ahead if n not in plan.previous]
        runner.setup_ahead(ahead, workers=plan.setup_ahead)
        try:
            results = _sequential(runner, order, plan)
        finally:
            runner.stop_ahead()
    else:
        results = _parallel(runner, names, waits, plan)
    duration = time.monotonic() - clock
    kept = [plan.previous[n] for n in names if n in plan.previous and all(r.name != n for r in results)]
    ordered = sorted([*kept, *results], key=lambda r: list(names).index(r.name) if r.name in names else len(names))
    write_record(
        runner.config.core.work_dir,
        ordered,
        started=started,
        duration=duration,
        selected=list(names),
        complete=not runner.interrupted,
    )
    runner.console.summary(ordered, duration)
    if runner.interrupted:
        code = EXIT_INTERRUPTED
    else:
        code = EXIT_FAILED if any(r.status.fails_run for r in ordered) else EXIT_OK
    return code, ordered


def _topological(names: Sequence[str], waits: Mapping[str, set[str]]) -> list[str]:
    """Config order, moving an env after the envs it depends on."""
    done: list[str] = []
    remaining = list(names)
    while remaining:
        ready = next(n for n in remaining if waits[n] <= set(done))
        done.append(ready)
        remaining.remove(ready)
    return done


def _not_started(name: str, why: str) -> EnvResult:
    now = time.time()
    return EnvResult(name, EnvStatus.SKIPPED, why, started=now, ended=now)


def _sequential(runner: EnvRunner, names: Sequence[str], plan: Plan) -> list[EnvResult]:
    results: list[EnvResult] = []
    for name in names:
        if name in plan.previous:
            continue
        if runner.interrupted:
            break
        if plan.fail_fast and any(r.status.fails_run for r in results):
            results.append(_not_started(name, "not started (fail-fast)"))
            continue
        results.append(runner.run(name))
    return results


def _parallel(runner: EnvRunner, names: Sequence[str], waits: Mapping[str, set[str]], plan: Plan) -> list[EnvResult]:
    pending = [n for n in by_history(names, plan.durations) if n not in plan.previous]
    finished: set[str] = set(plan.previous)
    results: list[EnvResult] = []
    resources = {n: set(runner.config.env(n).resources) if runner.config.env_error(n) is None else set() for n in names}
    taken: set[str] = set()
    cancels: dict[str, threading.Event] = {}
    running: dict[Future[EnvResult], str] = {}
    stopping = False
    start_view = getattr(runner.console, "start", None)
    if callable(start_view):
        start_view(len(pending))
    pool = ThreadPoolExecutor(max_workers=plan.jobs or max(len(pending), 1), thread_name_prefix="orch-env")
    try:
        while pending or running:
            while not stopping and pending and (plan.jobs is None or len(running) < plan.jobs):
                ready = next((n for n in pending if waits[n] <= finished and not resources[n] & taken), None)
                if ready is None:
                    break
                pending.remove(ready)
                taken |= resources[ready]
                cancels[ready] = threading.Event()
                running[pool.submit(runner.run, ready, cancels[ready])] = ready
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                result = future.result()
                results.append(result)
                finished.add(name)
                taken -= resources[name]
                if plan.fail_fast and result.status.fails_run and not stopping:
                    stopping = True
                    for other in running.values():
                        cancels[other].set()
    except KeyboardInterrupt:
        runner.interrupted = True
        for event in cancels.values():
            event.set()
        for future in running:
            results.append(future.result())
        running.clear()
    finally:
        pool.shutdown(wait=True)
        stop_view = getattr(runner.console, "stop", None)
        if callable(stop_view):
            stop_view()
    why = "not started (interrupted)" if runner.interrupted else "not started (fail-fast)"
    results.extend(_not_started(name, why) for name in pending)
    return results
