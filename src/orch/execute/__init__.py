"""The only place that starts subprocesses: a frozen :class:`Request` in, an :class:`Outcome` out.

See :mod:`orch.execute.request` for the types and :mod:`orch.execute.run` for the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orch.execute.request import Outcome, Request, Status
    from orch.execute.scope import cancel_scope

__all__ = ["Outcome", "Request", "Status", "cancel_scope", "capture", "execute"]


def __getattr__(name: str) -> object:
    """The types and :func:`cancel_scope`, imported at their first use: ``orch list`` imports this package
    only for :mod:`orch.execute.signals`."""
    if name in ("Outcome", "Request", "Status"):
        from orch.execute import request

        return getattr(request, name)
    if name == "cancel_scope":
        from orch.execute.scope import cancel_scope

        return cancel_scope
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def execute(request: Request) -> Outcome:
    """Run one process to its end (or its timeout, or Ctrl-C) and say how it went."""
    from orch.execute.run import execute as _execute

    return _execute(request)


def capture(
    argv: list[str] | tuple[str, ...], *, timeout: float | None = 30.0, env: dict[str, str] | None = None
) -> Outcome:
    """Run a short helper process (an interpreter probe, ``uv --version``) and keep its output in memory."""
    from orch.execute.run import capture as _capture

    return _capture(argv, timeout=timeout, env=env)
