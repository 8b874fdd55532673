"""The run record: ``<work_dir>/last-run.json``, what the last run did env by env.

Tests and tools read it to see work *not* done (``installer_runs`` is 0 for a reused env);
``orch run --failed`` and ``--resume`` read it to rerun the failures or finish an interrupted run.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from orch import __version__
from orch.execute.masking import current
from orch.files import write_atomic
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
    masker = current()  # once: it reads the environment's secrets
    data = {
        "orch": __version__,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration": round(duration, 3),
        "selected": list(selected),
        "complete": complete,
        "envs": {r.name: masker.mask_data(r.as_record()) for r in results},  # secrets out
    }
    return write_atomic(work_dir / RECORD_NAME, json.dumps(data, indent=2) + "\n", make_folder=False)


class RunRecord:
    """The record of one ``orch run``: rewritten, marked incomplete, as the run goes
    (:meth:`save`, given to :func:`orch.schedule.session.run_envs`), then written whole by the
    report stage (:meth:`finish`), with the summary."""

    def __init__(self, work_dir: Path, selected: Sequence[str]) -> None:
        self.work_dir, self.selected = work_dir, list(selected)

    def save(self, results: Sequence[EnvResult], started: float, duration: float) -> None:
        write_record(self.work_dir, results, started=started, duration=duration, selected=self.selected, complete=False)

    def finish(self, results: Sequence[EnvResult], *, started: float, duration: float, complete: bool) -> None:
        """The final record; one that cannot be written is a warning: the envs ran, their result stands
        (only ``--failed`` and ``--resume`` lose this run)."""
        try:
            write_record(
                self.work_dir, results, started=started, duration=duration, selected=self.selected, complete=complete
            )
        except OSError as exc:
            where = self.work_dir / RECORD_NAME
            print(f"warning: cannot write the run record {where}: {exc.strerror or exc}", file=sys.stderr)


def read_record(work_dir: Path) -> dict[str, object] | None:
    """The last run's record, or None when there is none or it is not one orch wrote.

    A record of the wrong shape (valid JSON, hand-edited or from another tool) is ignored with a warning on
    stderr: the run goes on as if there were none, and its own record replaces it.
    """
    path = work_dir / RECORD_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as exc:  # a folder named last-run.json, no permission: this run cannot replace it either
        _warn(path, str(exc.strerror or exc), "cannot read the run record {path}: {problem}")
        return None
    except ValueError as exc:
        _warn(path, str(exc))
        return None
    problem = record_problem(data)
    if problem is not None:
        _warn(path, problem)
        return None
    assert isinstance(data, dict)
    return data


_IGNORED = "ignoring the run record {path}: {problem}; this run replaces it"


def _warn(path: Path, problem: str, text: str = _IGNORED) -> None:
    print(f"warning: {text.format(path=path, problem=problem)}", file=sys.stderr)


_NUMBERS = ("duration", "started", "ended", "installer_runs")
_TEXTS = ("message", "interpreter", "log_dir")
_COMMAND_FIELDS: dict[str, tuple[type, ...]] = {
    "phase": (str,),
    "index": (int,),
    "command": (str,),
    "status": (str,),
    "exit_code": (int, type(None)),
    "duration": (int, float),
}


def record_problem(data: object) -> str | None:
    """What makes ``data`` something other than a run record :func:`write_record` writes, or None."""
    from orch.schedule.results import EnvStatus

    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    envs = data.get("envs", {})
    if not isinstance(envs, dict):
        return '"envs" is not an object'
    if not isinstance(data.get("selected", []), list) or not all(isinstance(n, str) for n in data.get("selected", [])):
        return '"selected" is not a list of env names'
    if not isinstance(data.get("complete", True), bool):
        return '"complete" is not true or false'
    statuses = {status.value for status in EnvStatus}
    for name, env in envs.items():
        if not isinstance(env, dict):
            return f"env {name!r} is not an object"
        if env.get("status", "failed") not in statuses:
            return f"env {name!r} has an unknown status {env.get('status')!r}"
        for key in _NUMBERS:
            if key in env and (not isinstance(env[key], (int, float)) or isinstance(env[key], bool)):
                return f"env {name!r}: {key!r} is not a number"
        for key in _TEXTS:
            if key in env and not isinstance(env[key], str):
                return f"env {name!r}: {key!r} is not a string"
        if not isinstance(env.get("actions") or [], list) or not isinstance(env.get("package") or {}, dict):
            return f"env {name!r}: 'actions' or 'package' has the wrong type"
        commands = env.get("commands") or []
        if not isinstance(commands, list):
            return f"env {name!r}: 'commands' is not a list"
        for command in commands:
            if not isinstance(command, dict) or not all(
                isinstance(command.get(key), types) and not isinstance(command.get(key), bool)
                for key, types in _COMMAND_FIELDS.items()
            ):
                return f"env {name!r}: a command entry has missing or mistyped fields"
    return None
