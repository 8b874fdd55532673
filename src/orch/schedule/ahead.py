"""A small pool of threads for the setups a one-after-another run does ahead of their turn.

:class:`concurrent.futures.ThreadPoolExecutor` would do, but importing it imports :mod:`logging`
(about 4 ms of every ``orch run``'s start, a tenth of what a warm run adds to its commands). A
sequential run needs only this: tasks started in order on a few threads, each waited for once, and
the ones not started yet dropped at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

T = TypeVar("T")


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
