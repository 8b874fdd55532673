"""A cancel event for every process a thread starts, without passing it down through each call.

Backends, installers and builders run their processes through :func:`orch.execute.execute` with
requests of their own making. The session wraps an env's setup in :func:`cancel_scope`, so that
Ctrl-C or fail-fast, which set the env's cancel event, stop an installer started deep inside a
backend (a plugin's too) the way they stop a command: the whole process group, within the grace
periods, and status INTERRUPTED.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_scope = threading.local()


@contextlib.contextmanager
def cancel_scope(event: threading.Event | None) -> Iterator[None]:
    """Within the block, processes this thread starts without a ``cancel`` of their own use ``event``."""
    previous = getattr(_scope, "event", None)
    _scope.event = event
    try:
        yield
    finally:
        _scope.event = previous


def scoped_cancel() -> threading.Event | None:
    """The event of the innermost :func:`cancel_scope` of this thread, if any."""
    event: threading.Event | None = getattr(_scope, "event", None)
    return event
