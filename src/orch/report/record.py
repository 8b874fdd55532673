"""The run record: ``<work_dir>/last-run.json``, what the last run did env by env.

Tests and tools read it to see work *not* done (``installer_runs`` is 0 for a reused env); later
``orch run --failed`` reads it to rerun the failures.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from orch import __version__
from orch.execute.masking import current
from orch.schedule.results import EnvResult

RECORD_NAME = "last-run.json"


def write_record(
    work_dir: Path,
    results: Sequence[EnvResult],
    *,
    started: float,
    duration: float,
    selected: Sequence[str] = (),
    complete: bool = True,
) -> Path:
    """Write the record atomically (a reader never sees half a file); return its path.

    ``selected`` and ``complete`` (false after Ctrl-C) let ``orch run --resume`` continue the run.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "orch": __version__,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration": round(duration, 3),
        "selected": list(selected),
        "complete": complete,
        "envs": {r.name: current().mask_data(r.as_record()) for r in results},  # secrets out
    }
    target = work_dir / RECORD_NAME
    fd, tmp = tempfile.mkstemp(prefix=".last-run-", suffix=".json", dir=work_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, target)
    return target


def read_record(work_dir: Path) -> dict[str, object] | None:
    try:
        data = json.loads((work_dir / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
