"""Running orch and the commands for the benchmarks, and checking what orch's run record says a run did.

Shared by ``bench_parallel.py`` (the commands started at once, the record of every timed run) and
``bench_scale.py`` (the record of runs of 5 to 100 envs).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import DEFAULT_TIMEOUT, CommandFailed

RECORD = "last-run.json"
"""orch's run record, in its work dir."""

# --------------------------------------------------------------------------------------------- the shell's way


def run_parallel(
    cmds: Sequence[Sequence[str]], *, cwd: Path, env: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT
) -> float:
    """Start every command of *cmds* at once, wait for all; return the wall clock seconds of the whole.

    What ``sh -c 'cmd1 & cmd2 & ... & wait'`` does, but every exit code is checked: the first command that
    exits non-zero (or all of them, on a timeout) raises :class:`CommandFailed` with its output. Each command's
    stdout and stderr go to one temporary file (made before the clock starts), so no pipe can fill up.
    """
    with contextlib.ExitStack() as stack:
        outputs = [stack.enter_context(tempfile.TemporaryFile()) for _ in cmds]
        procs: list[subprocess.Popen[bytes]] = []
        start = time.perf_counter()
        try:
            for cmd, out in zip(cmds, outputs):
                procs.append(
                    subprocess.Popen(
                        list(cmd),
                        cwd=cwd,
                        env=dict(env),
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            codes = [proc.wait(timeout=max(0.0, start + timeout - time.perf_counter())) for proc in procs]
        except subprocess.TimeoutExpired as exc:
            _kill(procs)
            raise CommandFailed(
                exc.cmd, None, f"timed out after {timeout:g}s (all {len(cmds)} commands killed)"
            ) from exc
        except OSError as exc:
            _kill(procs)
            raise CommandFailed(cmds[len(procs)], 127, f"cannot start: {exc}") from exc
        elapsed = time.perf_counter() - start
        for cmd, code, out in zip(cmds, codes, outputs):
            if code != 0:
                out.seek(0)
                raise CommandFailed(cmd, code, out.read().decode("utf-8", "replace"))
    return elapsed


def _kill(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """Kill and reap the processes *procs* (this script started them)."""
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
    for proc in procs:
        proc.wait()


# --------------------------------------------------------------------------------------------- orch's record


def record_stamp(work_dir: Path) -> tuple[int, int] | None:
    """Inode and modification time of orch's run record, to tell whether a run rewrote it (``None``: none)."""
    try:
        stat = (work_dir / RECORD).stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


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
        groups: dict[str, list[str]] = {}
        for name, env in self.envs.items():
            actions = ", ".join(map(str, env["actions"])) or "no actions"
            groups.setdefault(f"{env['status']}, {env['installer_runs']} installer runs, {actions}", []).append(name)
        return "; ".join(f"{','.join(names)}: {what}" for what, names in groups.items()) or "no envs in the record"

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
    path = work_dir / RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        by_env = record["envs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return RunCheck(phase, timed, {}, [f"no readable {work_dir.name}/{RECORD}: {exc}"])
    envs = {
        name: {
            "status": by_env.get(name, {}).get("status"),
            "installer_runs": by_env.get(name, {}).get("installer_runs"),
            "actions": list(by_env.get(name, {}).get("actions") or []),
        }
        for name in envs_expected
    }
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
