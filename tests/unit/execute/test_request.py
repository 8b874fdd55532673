"""Outcome.problem: how a failed process ended, as every installer and builder error says it."""

from __future__ import annotations

from pathlib import Path

from orch.execute import Request, Status, execute
from orch.execute.request import Outcome

REQUEST = Request(argv=("tool",), cwd=Path("."), env={})


def test_problem_says_how_it_ended() -> None:
    assert Outcome(REQUEST, Status.EXITED, 3, 0.1).problem == "exit 3"
    assert Outcome(REQUEST, Status.TIMEOUT, 137, 0.1).problem == "timeout"


def test_a_program_that_cannot_start_says_why(tmp_path: Path) -> None:
    outcome = execute(Request(argv=("no-such-program-here",), cwd=tmp_path, env={"PATH": str(tmp_path)}))
    assert outcome.status is Status.NOT_FOUND
    assert outcome.problem.startswith("cannot run no-such-program-here")
