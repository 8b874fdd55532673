"""The whole run: the selected envs on a bounded thread pool, then the record and the exit code.

With ``-p 0`` (the default) envs run one after another in the main thread, in config order, with
their output streaming through; meanwhile the next envs are set up in background threads
(:meth:`~orch.schedule.envrun.EnvRunner.setup_ahead`), except those that depend on another or
hold resources. With ``-p N``/``auto``/``all`` up to N envs run at once, each in a thread of
its own (:class:`_Workers`): an env starts when the envs it ``depends`` on have
finished and none of its ``resources`` is taken; among the ready ones, those that took longest
last time go first. Package builds happen inside the env tasks, after the env's own setup, and the
artifact cache makes concurrent askers build once.

Exit codes follow tox's rule (:mod:`orch.schedule.exitcode`): 0 when every env passed, was ignored
or skipped (but not all skipped); the failing command's code when the one selected env failed; 1
when several were selected and one failed (under fail-fast: the first failed env's code); 130 when
the run was interrupted (Ctrl-C), 143 when stopped by SIGTERM, 129 by SIGHUP. Configuration and
usage errors (2) happen before the start, except a value of one env that cannot be computed: that
env fails in its turn, the others run.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from orch.errors import OrchError
from orch.execute import signals
from orch.schedule.exitcode import run_code
from orch.schedule.graph import by_history, dependencies, run_order
from orch.schedule.results import EnvResult, EnvStatus

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.schedule.envrun import EnvRunner

EXIT_INTERRUPTED = 130
AHEAD_PARALLEL = 8  # -p N: setups at once, ahead of the envs' slots (when N is smaller); with 4, the fifth
# env of a cold five-env run created its venv only after the online resolution, at the end of the run


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


SaveProgress = Callable[[Sequence[EnvResult], float, float], None]
"""The report stage's writer of the record as a run goes: (results so far, started, duration), marked
incomplete; given by the caller (``orch run``: :class:`orch.report.record.RunRecord`), so the run
stage writes no report itself. It may raise ``OSError``: the run goes on."""


def run_envs(
    runner: EnvRunner, names: Sequence[str], plan: Plan | None = None, save: SaveProgress | None = None
) -> tuple[int, list[EnvResult]]:
    """Run ``names``; return the exit code and the results, in selection order.

    ``save`` is called at the start and as envs finish (see :class:`_Progress`), so a run that dies
    without a teardown (``kill -9``) can be resumed with ``--resume`` like one stopped by Ctrl-C,
    SIGTERM or SIGHUP. The final record and the summary are the report stage's (``orch run`` writes
    them after this returns).
    """
    plan = plan or Plan()
    progress = _Progress(names, plan, save)
    runner.plugins.lifecycle("orch_before_run", envs=list(names))  # a plugin's error stops the run here
    try:
        _run_all(runner, names, plan, progress)
    except KeyboardInterrupt:  # one that came between two envs, outside EnvRunner.run's own handler
        runner.interrupted = True
    finally:
        progress.close()  # no rewrite of the record as it stood may come after the final one
    ordered = progress.ordered()
    try:
        runner.plugins.lifecycle("orch_after_run", results=ordered)
        hook_failed = False
    except OrchError as exc:  # the envs ran: their results stand, and the run fails with the hook's error
        print(f"error: {exc}", file=sys.stderr)
        hook_failed = True
    # 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP; else tox's rule (orch.schedule.exitcode)
    code = signals.exit_code(EXIT_INTERRUPTED) if runner.interrupted else run_code(ordered, fail_fast=plan.fail_fast)
    return ((code or 1) if hook_failed else code), ordered


def _run_all(runner: EnvRunner, names: Sequence[str], plan: Plan, progress: _Progress) -> None:
    # resolve before any thread starts; an env whose config has an error fails in its turn (EnvRunner.run)
    configs = {name: runner.config.env(name) for name in names if runner.config.env_error(name) is None}
    waits = dependencies(names, {n: configs[n].depends if n in configs else () for n in names})
    progress.save()
    # Envs that wait for no other env may be set up before their turn: not those that do (an env
    # they depend on may make what they install), nor those holding resources (never two at once).
    # With -p N too: setting up is mostly waiting on the index, so more setups than N go at once.
    order = run_order(names, waits) if plan.jobs == 1 else by_history(names, plan.durations)
    # Sequential: the env whose commands run first resolves online, those set up ahead go offline. -p: the
    # first of the selection (env_list's order), not the longest by history (which flips between runs, the
    # env that waited for the resolution taking longest), most often the oldest Python, whose deps cover the
    # others': a newer Python resolving first left py39's extra deps (tomli, exceptiongroup) to a second round.
    runner.resolutions.rank(order if plan.jobs == 1 else names)
    # The envs started at once (the first of a sequential run, the first N of -p N) check their envs one
    # after another, each in its own turn; the others' setups go ahead of their turns after them (Turns).
    startable = [n for n in order if not waits[n] and n not in plan.previous]
    runner.turns.begin(_leaders(startable, configs, 1 if plan.jobs == 1 else plan.jobs or len(startable)))
    ahead = [n for n in startable if n in configs and not configs[n].resources and n not in runner.turns.leaders]
    workers = plan.setup_ahead if plan.jobs == 1 else min(plan.setup_ahead and AHEAD_PARALLEL, len(ahead))
    try:
        if plan.jobs is not None:  # -p all starts every env at once already
            runner.setup_ahead(ahead, workers=workers)
        if plan.jobs == 1:
            _sequential(runner, order, plan, progress)
        else:
            _parallel(runner, names, waits, plan, progress)
    finally:
        runner.stop_ahead()


def _leaders(startable: Sequence[str], configs: Mapping[str, EnvConfig], slots: int) -> list[str]:
    """The envs a run starts at once, in order: up to ``slots`` of ``startable``, none sharing a resource."""
    leaders: list[str] = []
    taken: set[str] = set()
    for name in startable:
        resources = set(configs[name].resources) if name in configs else set()
        if len(leaders) < slots and not resources & taken:
            leaders.append(name)
            taken |= resources
    return leaders


class _Progress:
    """The results so far, and the record rewritten as envs finish, for a run that dies mid-way.

    The rewrites happen in a thread of their own, so no env waits for the disk: replacing a file on ext4
    flushes the new one first (2-10 ms here, each time). A rewrite asked for while one is under way is
    merged into the next. Rewriting the whole record is cheap for a few envs and not for a thousand:
    a rewrite waits until 9 times as long as the last one took has passed, so records cost at most a
    tenth of the run. A result that comes during that pause is written when it ends, never dropped.
    """

    def __init__(self, names: Sequence[str], plan: Plan, save: SaveProgress | None) -> None:
        self._save, self._names, self._previous = save, list(names), plan.previous
        self.started, self._clock = time.time(), time.monotonic()
        self.results: list[EnvResult] = []
        self._lock = threading.Lock()
        self._next_save = 0.0
        self._wanted = threading.Condition(self._lock)  # a rewrite is asked for, or the run is over
        self._dirty = self._closed = False
        self._writer: threading.Thread | None = None
        self.saves = 0  # rewrites done (the final record is not one of them)

    def add(self, result: EnvResult) -> None:
        with self._lock:
            self.results.append(result)
        self.save()  # written when the writer's pause is over: never dropped, only merged

    def duration(self) -> float:
        return time.monotonic() - self._clock

    def ordered(self) -> list[EnvResult]:
        """The results of this run and those kept from the interrupted one (--resume), in selection order."""
        names = self._names
        with self._lock:
            results = list(self.results)
        kept = [self._previous[n] for n in names if n in self._previous and all(r.name != n for r in results)]
        return sorted([*kept, *results], key=lambda r: names.index(r.name) if r.name in names else len(names))

    def save(self) -> None:
        """Have the record as it stands rewritten, marked incomplete, by the writer thread."""
        with self._lock:
            if self._closed:
                return
            self._dirty = True
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_on_demand, name="orch-record", daemon=True)
                self._writer.start()
            self._wanted.notify()

    def close(self) -> None:
        """Stop the writer: a rewrite under way ends, one only asked for is dropped (the final record follows)."""
        with self._lock:
            self._closed, self._dirty = True, False
            self._wanted.notify()
            writer = self._writer
        if writer is not None:
            writer.join()

    def _write_on_demand(self) -> None:
        while True:
            with self._lock:
                while not (self._dirty or self._closed):
                    self._wanted.wait()
                while not self._closed and (pause := self._next_save - time.monotonic()) > 0:
                    self._wanted.wait(pause)  # the last rewrite's pause; what finishes meanwhile is merged
                if not self._dirty:
                    return
                self._dirty = False
            self._write()

    def _write(self) -> None:
        """Write the record as it stands, marked incomplete (a failure to write it is not the run's)."""
        begin = time.monotonic()
        if self._save is not None:
            with contextlib.suppress(OSError):
                self._save(self.ordered(), self.started, self.duration())
        self.saves += 1
        self._next_save = time.monotonic() + 9 * (time.monotonic() - begin)


def _not_started(name: str, why: str) -> EnvResult:
    now = time.time()
    return EnvResult(name, EnvStatus.SKIPPED, why, started=now, ended=now)


def _sequential(runner: EnvRunner, names: Sequence[str], plan: Plan, progress: _Progress) -> None:
    for name in names:
        if name in plan.previous:
            continue
        if runner.interrupted:
            break
        if plan.fail_fast and any(r.status.fails_run for r in progress.results):
            progress.add(_not_started(name, "not started (fail-fast)"))
            continue
        progress.add(runner.run(name))


class _Workers:
    """A thread per running env, and the envs that finished in the order they did: what
    ``ThreadPoolExecutor`` and ``wait(FIRST_COMPLETED)`` would give, without importing
    :mod:`concurrent.futures`, which imports :mod:`logging` (4-7 ms of every ``-p`` run's start)."""

    def __init__(self, runner: EnvRunner) -> None:
        self.runner = runner
        self.running: set[str] = set()
        self._done: list[tuple[str, EnvResult | BaseException]] = []
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self, name: str, cancel: threading.Event) -> None:
        thread = threading.Thread(target=self._work, args=(name, cancel), name=f"orch-env_{len(self._threads)}")
        self._threads.append(thread)
        thread.start()
        self.running.add(name)  # after the start: a Ctrl-C before it leaves nothing to wait for that never ends

    def drain(self) -> Iterator[EnvResult]:
        """After Ctrl-C: the results of the envs still running, as they end, until no thread is left
        (not until :attr:`running` is empty, which a second interrupt at the wrong moment could leave
        holding an env whose result was taken)."""
        while True:
            with self._changed:
                while not self._done and any(thread.is_alive() for thread in self._threads):
                    self._changed.wait(0.1)
                if not self._done:
                    return
                name, outcome = self._done.pop(0)
            self.running.discard(name)
            if not isinstance(outcome, BaseException):
                yield outcome

    def join(self) -> None:
        """Wait for every thread started (after an error: the envs still running end first)."""
        for thread in self._threads:
            thread.join()

    def _work(self, name: str, cancel: threading.Event) -> None:
        outcome: EnvResult | BaseException
        try:
            outcome = self.runner.run(name, cancel)
        except BaseException as exc:  # handed to the scheduling thread, which raises it
            outcome = exc
        with self._changed:
            self._done.append((name, outcome))
            self._changed.notify()

    def next_done(self) -> tuple[str, EnvResult]:
        """Wait for the next env to finish; raise what its run raised."""
        with self._changed:
            while not self._done:
                self._changed.wait()
            name, outcome = self._done.pop(0)
        self.running.discard(name)
        if isinstance(outcome, BaseException):
            raise outcome
        return name, outcome


def _parallel(
    runner: EnvRunner, names: Sequence[str], waits: Mapping[str, set[str]], plan: Plan, progress: _Progress
) -> None:
    pending = [n for n in by_history(names, plan.durations) if n not in plan.previous]
    finished: set[str] = set(plan.previous)
    resources = {n: set(runner.config.env(n).resources) if runner.config.env_error(n) is None else set() for n in names}
    taken: set[str] = set()
    cancels: dict[str, threading.Event] = {}
    workers = _Workers(runner)
    stopping = False
    runner.console.start(len(pending))
    try:
        while pending or workers.running:
            while not stopping and pending and (plan.jobs is None or len(workers.running) < plan.jobs):
                ready = next((n for n in pending if waits[n] <= finished and not resources[n] & taken), None)
                if ready is None:
                    break
                pending.remove(ready)
                taken |= resources[ready]
                cancels[ready] = threading.Event()
                workers.start(ready, cancels[ready])
            if not workers.running:
                break
            name, result = workers.next_done()
            progress.add(result)
            finished.add(name)
            taken -= resources[name]
            if plan.fail_fast and result.status.fails_run and not stopping:
                stopping = True
                for other in workers.running:
                    cancels[other].set()
    except KeyboardInterrupt:
        runner.interrupted = True
        for event in cancels.values():
            event.set()
        for result in workers.drain():
            progress.add(result)
    except BaseException:  # an env's run raised: stop the others before waiting for them
        for event in cancels.values():
            event.set()
        raise
    finally:
        workers.join()
        runner.console.stop()
    why = "not started (interrupted)" if runner.interrupted else "not started (fail-fast)"
    for name in pending:
        progress.add(_not_started(name, why))
