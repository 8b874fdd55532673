"""The CLI run in-process, as a user would type it: ``orch_in(folder)("list", "-e", "lint")``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from orch.cli.main import main

SCRUBBED = ("TOXENV", "ORCH_ENV", "ORCH_SKIP_ENV", "TOX_SKIP_ENV", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")
"""Variables of the caller that change what orch selects or writes."""


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def orch_in(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[[Path], Run]:
    """``orch_in(folder)``: a function running ``orch ARGS`` in ``folder``, returning code, stdout and stderr."""
    for name in SCRUBBED:
        monkeypatch.delenv(name, raising=False)

    def at(folder: Path) -> Run:
        monkeypatch.chdir(folder)

        def run(*args: str) -> Result:
            code = main(list(args))
            captured = capsys.readouterr()
            return Result(code, captured.out, captured.err)

        return run

    return at
