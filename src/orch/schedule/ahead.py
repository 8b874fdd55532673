"""A small pool of threads for the setups done ahead of their envs' turns, and the order in which the
envs a run starts at once check their envs (:class:`Turns`).

:class:`concurrent.futures.ThreadPoolExecutor` would do, but importing it imports :mod:`logging`
(about 4 ms of every ``orch run``'s start, a tenth of what a warm run adds to its commands). A
sequential run needs only this: tasks started in order on a few threads, each waited for once, and
the ones not started yet dropped at the end.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar, cast

from orch.envs import lock as env_lock

if TYPE_CHECKING:
    from orch.envs.api import PreparedEnv
    from orch.schedule.packages import Placed

T = TypeVar("T")

HEAD_CHECK = 0.05  # seconds an env waits, at most, for the leader before it to reach its commands (Turns)


class Task(Generic[T]):
    """One call on the pool: wait for it with :meth:`result`."""

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        self._cancelled = False

    def done(self) -> bool:
        return self._done.is_set()

    def cancelled(self) -> bool:
        return self._cancelled

    def wait(self, timeout: float) -> bool:
        """Whether the call finished (or was dropped) within ``timeout`` seconds."""
        return self._done.wait(timeout)

    def result(self) -> T:
        """What the call returned (raises what it raised); waits for it to finish. A task dropped by
        :meth:`Pool.shutdown` before it started returns ``None``: ask :meth:`cancelled` first."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return cast("T", self._value)  # set by _run before _done

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:  # handed to result(), as a Future does
            self._error = exc
        finally:
            self._done.set()

    def _cancel(self) -> None:
        self._cancelled = True
        self._done.set()


class Pool(Generic[T]):
    """``calls`` run in order on up to ``workers`` threads, started at once; :attr:`tasks` in the same order."""

    def __init__(self, calls: Sequence[Callable[[], T]], workers: int, name: str) -> None:
        self.tasks = [Task(call) for call in calls]
        self._lock = threading.Lock()
        self._queue = list(self.tasks)
        count = min(max(workers, 1), len(self.tasks))
        self._threads = [threading.Thread(target=self._work, name=f"{name}_{i}") for i in range(count)]
        for thread in self._threads:
            thread.start()

    def shutdown(self) -> None:
        """Drop the tasks not started yet (they become cancelled) and wait for the running ones."""
        with self._lock:
            dropped, self._queue = self._queue, []
        for task in dropped:
            task._cancel()
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    return
                task = self._queue.pop(0)
            task._run()


class Ahead(NamedTuple):
    """A setup done ahead of its env's turn: its progress lines and what it returned or raised."""

    notes: list[str]
    outcome: PreparedEnv | Exception
    locks: tuple[env_lock.EnvLock, ...] = ()  # the env's use lock, held for its turn
    package: Placed | Exception | None = None  # its package, built and installed with it (or why not)


class AheadSetups:
    """The setups of one run started before their envs' turns (see
    :meth:`orch.schedule.envrun.EnvRunner.setup_ahead`): started in order, each taken once by its
    env, the rest dropped and their locks let go at the end."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task[Ahead | None]] = {}
        self._pool: Pool[Ahead | None] | None = None
        self.cancel = threading.Event()  # set by stop (or a stopping run): stops the setups still running

    def start(self, names: Sequence[str], workers: int, setup: Callable[[str], Ahead | None]) -> None:
        self.cancel.clear()
        pool = Pool([functools.partial(setup, name) for name in names], workers, "orch-setup")
        self._tasks = dict(zip(names, pool.tasks))
        self._pool = pool

    def stop(self) -> None:
        """Drop the setups that have not started and stop the running ones (their installers get
        Ctrl-C's treatment); the envs they leave unfinished are rebuilt by their next setup."""
        pool, self._pool, tasks = self._pool, None, self._tasks
        self._tasks = {}
        if pool is not None:
            self.cancel.set()
            pool.shutdown()
        for task in tasks.values():  # done, but their turn never came: let other runs have the envs
            done = task.result() if task.done() and not task.cancelled() else None
            if done is not None:
                env_lock.release(done.locks)

    def take(self, name: str, cancel: threading.Event | None) -> Ahead | None:
        """The setup of ``name`` done ahead, waited for; None when none was started (or it was dropped).
        An env told to stop (``cancel``: Ctrl-C, fail-fast) does not wait: KeyboardInterrupt."""
        task = self._tasks.pop(name, None)
        while task is not None and not task.wait(0.1):
            if cancel is not None and cancel.is_set():
                self.cancel.set()  # the run is stopping: so do the setups ahead (stop follows)
                raise KeyboardInterrupt
        return task.result() if task is not None and not task.cancelled() else None


class Turns:
    """The envs a run starts first check their envs and start their commands one after another.

    A warm env's turn up to its first command is Python work (its config, its interpreter, the reuse
    check, the command's variables). When the other envs' setups, ahead or in ``-p`` slots, did the same
    at once, each thread's file reads let the others run, and the first command started 10-25 ms later
    than in a run of one env. So each of the ``leaders`` (the envs started at once: the first env of a
    sequential run, the first N of ``-p N``) waits until the one before it has started its commands or
    ended its turn, and every other env's setup waits for the last leader; each wait lasts at most
    :data:`HEAD_CHECK` seconds. A leader whose setup creates or installs (a cold run) lets the next go
    when it says so (its first progress note): that is slow work, and the others' setups wait for its
    online resolution anyway (``OnlineResolutions.head_start``).
    """

    def __init__(self) -> None:
        self._leaders: dict[str, int] = {}
        self._gone = 0  # how many leaders, in order, have started their commands or ended
        self._changed = threading.Condition()

    def begin(self, leaders: Sequence[str]) -> None:
        """A run starts ``leaders`` first, in this order."""
        with self._changed:
            self._leaders = {name: index for index, name in enumerate(leaders)}
            self._gone = 0

    @property
    def leaders(self) -> list[str]:
        return list(self._leaders)

    def wait(self, name: str) -> None:
        """Before ``name``'s turn or setup: wait for the leaders before it (all of them for a non-leader)."""
        deadline = time.monotonic() + HEAD_CHECK
        with self._changed:
            before = self._leaders.get(name, len(self._leaders))
            while self._gone < before and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)

    def went(self, name: str) -> None:
        """``name``'s commands start, or its turn ended: the envs after it go."""
        with self._changed:
            index = self._leaders.get(name)
            if index is not None and index >= self._gone:
                self._gone = index + 1
                self._changed.notify_all()
