"""What orch's run record says a benchmarked run did, and whether that was what the phase expects.

Shared by ``bench_parallel.py`` (the record of every timed run), ``bench_scale.py`` (runs of 5 to 100 envs) and
``bench_package.py`` (warm and touched runs, with the builds its output shows).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _report import Results

RECORD = "last-run.json"
"""orch's run record, in its work dir."""


# --------------------------------------------------------------------------------------------- orch's record


def record_stamp(work_dir: Path) -> tuple[int, int] | None:
    """Inode and modification time of orch's run record, to tell whether a run rewrote it (``None``: none)."""
    try:
        stat = (work_dir / RECORD).stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def read_record(work_dir: Path, names: Sequence[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """orch's record in *work_dir*, and per env of *names* its ``status``, ``installer_runs`` and ``actions``
    (``None``, ``None``, ``[]`` for an env not in it). Raises :class:`ValueError` when there is no readable one."""
    try:
        record = json.loads((work_dir / RECORD).read_text(encoding="utf-8"))
        by_env = record["envs"]
        envs = {
            name: {
                "status": by_env.get(name, {}).get("status"),
                "installer_runs": by_env.get(name, {}).get("installer_runs"),
                "actions": list(by_env.get(name, {}).get("actions") or []),
            }
            for name in names
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"no readable {work_dir.name}/{RECORD}: {exc}") from exc
    return record, envs


@dataclass
class RunCheck:
    """What one orch run did, from ``.tox/.orch/last-run.json``, and whether that was expected."""

    phase: str
    timed: bool
    envs: dict[str, dict[str, Any]]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """``py39,py310,...: ok, 0 installer runs, reused`` (alike envs merged)."""
        return "; ".join(self.summary_parts()) or "no envs in the record"

    def summary_parts(self) -> list[str]:
        """One ``names: what`` part per group of envs that :meth:`describe_env` describes alike."""
        groups: dict[str, list[str]] = {}
        for name, env in self.envs.items():
            groups.setdefault(self.describe_env(env), []).append(name)
        return [f"{','.join(names)}: {what}" for what, names in groups.items()]

    @staticmethod
    def describe_env(env: Mapping[str, Any]) -> str:
        """``ok, 0 installer runs, reused``: what the record says of one env."""
        actions = ", ".join(map(str, env["actions"])) or "no actions"
        return f"{env['status']}, {env['installer_runs']} installer runs, {actions}"

    def as_dict(self) -> dict[str, Any]:
        return {"phase": self.phase, "timed": self.timed, "envs": self.envs, "problems": self.problems}


def check_orch_run(
    phase: str,
    timed: bool,
    work_dir: Path,
    stamp_before: tuple[int, int] | None,
    envs_expected: Sequence[str],
    *,
    reused: Collection[str] = ("warm",),
    created: Collection[str] = ("cold", "warm-up"),
) -> RunCheck:
    """Compare the record of the orch run that just ended with what *phase* expects of *envs_expected*.

    Always: the record was rewritten by this run, is complete, and every env is ``ok``. A phase in *reused*
    (envs already set up): every env ``installer_runs == 0``. A phase in *created* (empty work dir): every
    env has the action ``created``.
    """
    try:
        record, envs = read_record(work_dir, envs_expected)
    except ValueError as exc:
        return RunCheck(phase, timed, {}, [str(exc)])
    by_env = record["envs"]
    check = RunCheck(phase, timed, envs)
    if record_stamp(work_dir) == stamp_before:
        check.problems.append(f"{work_dir.name}/{RECORD} was not rewritten by this run")
    if record.get("complete") is not True:
        check.problems.append(f"the record says the run is not complete (complete={record.get('complete')!r})")
    for name, env in envs.items():
        if name not in by_env:
            check.problems.append(f"{name}: not in the record")
            continue
        if env["status"] != "ok":
            check.problems.append(f"{name}: status {env['status']!r}")
        if phase in reused and env["installer_runs"] != 0:
            check.problems.append(f"{name}: installer_runs {env['installer_runs']} (expected 0)")
        if phase in created and "created" not in env["actions"]:
            check.problems.append(f"{name}: not created by this run (actions {env['actions']})")
    return check


def report_check(results: Results, check: RunCheck, label: str) -> None:
    """An unexpected *check*: an error if its run was timed, else a warning (``orch PHASE LABEL: problems``)."""
    message = f"orch {check.phase} {label}: {'; '.join(check.problems)}\n  {check.summary()}"
    if check.timed:
        results.error(message)
    else:
        results.warn(message)


def check_goals(checks: Sequence[RunCheck], goals: Sequence[tuple[Collection[str], str]]) -> list[dict[str, Any]]:
    """Per (phases, text) of *goals*, a target entry: how many timed runs of those phases were as expected."""
    entries = []
    for phases, what in goals:
        timed = [c for c in checks if c.timed and c.phase in phases]
        good = sum(c.ok for c in timed)
        value = f"{good}/{len(timed)} runs as expected" if timed else None
        entries.append({"target": what, "value": value, "ok": good == len(timed) if timed else None})
    return entries
