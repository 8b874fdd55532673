"""``--result-json PATH``: one JSON document that says what the run did, for CI tools and scripts.

The document is tox 4's ``--result-json`` (``reportversion``, ``toxversion``, ``platform``, ``host``,
``testenvs``: see :mod:`orch.report.tox_journal`), so tools that read tox's file read orch's, with
orch's own keys beside tox's. Format 2 (keys are added, never renamed, within a format; format 1 had
orch's ``platform`` object where tox has a string: it is ``orch_platform`` now)::

    {
      "reportversion": "1", "toxversion": "4.0.0+orch.0.1.0", "platform": "linux", "host": "ci-42",
      "testenvs": {"py312": {"python": {...}, "installed_packages": [...], "result": {...}, "test": [...]}},
      "format": 2,
      "orch": "0.1.0",                       # orch's version
      "orch_platform": {"system": "linux", "machine": "x86_64",
                        "python": "3.12.1", "implementation": "CPython"},   # what orch itself ran on
      "started": "2025-01-31T12:00:00+0100", # local time with offset
      "started_epoch": 1738321200.0,
      "duration": 12.345,                    # seconds, the whole run
      "exit_code": 1,
      "envs": {                              # in the order of ``results``
        "py312": {
          "settings": {                      # the env's configuration (omitted keys: not configured)
            "env_type": "virtualenv", "base_python": ["py312"], "deps": ["pytest"],
            "dependency_groups": [], "extras": [], "commands_pre": [], "commands": ["pytest"],
            "commands_post": [], "skip_install": false, "use_develop": false,
            "package": "wheel", "packagedef": "main", "installer": "pip", "ignore_outcome": false
          },
          "status": "failed",                # ok, failed, skipped, ignored, timeout, interrupted
          "message": "commands[0] exit 1",   # why it failed or was skipped; "" otherwise
          "interpreter": "CPython 3.12.1 (/usr/bin/python3.12)",
          "duration": 3.2,                   # seconds, the whole env
          "setup_duration": 1.2,             # the part not spent in commands (interpreter, setup, install)
          "commands_duration": 2.0,          # the sum of the commands' durations
          "started": 1738321200.5, "ended": 1738321203.7,   # wall clock, seconds since the epoch
          "actions": ["created", "installed deps"],
          "installer_runs": 2,
          "commands": [{"phase": "commands", "index": 0, "command": "pytest", "status": "exited",
                        "exit_code": 1, "duration": 2.0, "ignored": false, "attempts": 1}],
          "logs": {"dir": ".../py312/log", "commands": ".../py312/log/commands.log",
                   "setup": ".../py312/log/setup.log"},   # null: the env wrote no such log
          "package": {"name": "demo", "version": "1.0", "artifact": "demo-1.0-py3-none-any.whl",
                      "sha256": "...", "git_commit": "..."}   # provenance; null: no package installed
        }
      }
    }
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orch import __version__
from orch.execute.masking import current
from orch.files import write_atomic
from orch.schedule.results import EnvResult

if TYPE_CHECKING:
    from orch.config.model import EnvConfig

FORMAT = 2
COMMANDS_LOG, SETUP_LOG = "commands.log", "setup.log"

#: The env settings the document repeats: what was run, how, and with which package.
SETTINGS = (
    "env_type",
    "base_python",
    "deps",
    "dependency_groups",
    "extras",
    "commands_pre",
    "commands",
    "commands_post",
    "skip_install",
    "use_develop",
    "package",
    "packagedef",
    "installer",
    "ignore_outcome",
)


def output_logs(result: EnvResult) -> list[Path]:
    """The logs holding what the env printed in this run: ``setup.log`` when it stopped before its
    first command (a ``commands.log`` there is from an earlier run), else ``commands.log``."""
    if not result.log_dir:
        return []
    name = COMMANDS_LOG if result.commands else SETUP_LOG
    path = Path(result.log_dir) / name
    return [path] if path.is_file() else []


def _log(log_dir: str, name: str) -> str | None:
    if not log_dir:
        return None
    path = Path(log_dir) / name
    return str(path) if path.is_file() else None


def _settings(config: EnvConfig | None) -> dict[str, object]:
    from orch.config.types import plain

    if config is None:
        return {}
    return {key: plain(getattr(config, key)) for key in SETTINGS if hasattr(config, key)}


def _env(result: EnvResult, config: EnvConfig | None) -> dict[str, object]:
    from orch.config.types import plain

    record = result.as_record()
    commands_duration = sum(c.duration for c in result.commands)
    return {
        "settings": _settings(config),
        "status": result.status.value,
        "message": result.message,
        "interpreter": result.interpreter,
        "duration": round(result.duration, 3),
        "setup_duration": round(max(result.duration - commands_duration, 0.0), 3),
        "commands_duration": round(commands_duration, 3),
        "started": round(result.started, 3),
        "ended": round(result.ended, 3),
        "actions": list(result.actions),
        "installer_runs": result.installer_runs,
        "commands": record["commands"],
        "logs": {
            "dir": result.log_dir or None,
            "commands": _log(result.log_dir, COMMANDS_LOG),
            "setup": _log(result.log_dir, SETUP_LOG),
        },
        "package": plain(result.package) if result.package else None,
        **({"cached": dict(result.cached)} if result.cached else {}),  # a result cache hit: key, stored, saved
    }


def _span(results: Sequence[EnvResult], started: float | None, duration: float | None) -> tuple[float, float]:
    """The run's start and length: as given, else from the envs' wall-clock times."""
    starts = [r.started for r in results if r.started]
    ends = [r.ended for r in results if r.ended]
    if started is None:
        started = min(starts) if starts else time.time()
    if duration is None:
        duration = max(max(ends) - started, 0.0) if ends else sum(r.duration for r in results)
    return started, duration


def result_document(
    results: Sequence[EnvResult],
    *,
    configs: Mapping[str, EnvConfig],
    exit_code: int,
    started: float | None = None,
    duration: float | None = None,
) -> dict[str, object]:
    """The document :func:`write_result_json` writes, as data (see the module docstring)."""
    import platform  # here, not at the top: only --result-json needs it (1 ms of every run's start)

    from orch.report.tox_journal import journal

    started, duration = _span(results, started, duration)
    return {
        **journal(results, configs),
        "format": FORMAT,
        "orch": __version__,
        "orch_platform": {
            "system": sys.platform,
            "machine": platform.machine(),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "started_epoch": round(started, 3),
        "duration": round(duration, 3),
        "exit_code": exit_code,
        "envs": {r.name: _env(r, configs.get(r.name)) for r in results},
    }


def write_result_json(
    path: Path | str,
    results: Sequence[EnvResult],
    *,
    configs: Mapping[str, EnvConfig],
    exit_code: int,
    started: float | None = None,
    duration: float | None = None,
) -> Path:
    """Write the document to ``path`` atomically (a reader sees the old file or the new one, never
    half of one); create its folder; return the path.

    ``configs`` maps env names to their configuration (an env missing from it gets empty
    ``settings``); ``exit_code`` is the run's. ``started`` is ``time.time()`` at the start of the
    run and ``duration`` its length in seconds; without them, the envs' first start and last end.
    """
    data = result_document(results, configs=configs, started=started, duration=duration, exit_code=exit_code)
    masker = current()  # secrets out (orch.execute.masking)
    data = {**data, "envs": masker.mask_data(data["envs"]), "testenvs": masker.mask_data(data["testenvs"])}
    return write_atomic(Path(path), json.dumps(data, indent=2, default=str) + "\n")
