"""The whole run: the selected envs one after another, then the record and the exit code.

Exit codes: 0 when every env passed, was skipped or ignored; 1 when one failed; 130 when the run
was interrupted (Ctrl-C). Configuration and usage errors (2) are raised before the run starts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from orch.report.record import write_record
from orch.schedule.results import EnvResult

if TYPE_CHECKING:
    from orch.report.console import Console
    from orch.schedule.envrun import EnvRunner

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


def run_envs(runner: EnvRunner, names: Sequence[str], console: Console) -> int:
    """Run ``names`` in order; record and summarise; return the exit code."""
    started, clock = time.time(), time.monotonic()
    results: list[EnvResult] = []
    for name in names:
        results.append(runner.run(name))
        if runner.interrupted:
            break
    duration = time.monotonic() - clock
    write_record(runner.config.core.work_dir, results, started=started, duration=duration)
    console.summary(results, duration)
    if runner.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if any(r.status.fails_run for r in results) else EXIT_OK
