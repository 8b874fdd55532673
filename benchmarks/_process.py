"""Running and timing the benchmarked commands (stdlib only, Python >= 3.9).

* one command, captured, failing loudly (:func:`run_command`, :class:`CommandFailed`),
* best of N wall-clock runs of one command, or of several one after another (:func:`time_command`,
  :func:`time_sequence`, :class:`Timing`),
* several commands started at once, the way a shell's ``&`` does (:func:`run_parallel`).
"""

from __future__ import annotations

import contextlib
import shlex
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 600.0
"""Seconds after which a single benchmarked command is considered hung."""


class CommandFailed(RuntimeError):
    """A benchmarked command exited non-zero, timed out or could not be started."""

    def __init__(self, cmd: Sequence[str], returncode: int | None, stderr: str, stdout: str = "") -> None:
        self.cmd = list(cmd)
        self.returncode = returncode
        self.stderr = stderr
        self.stdout = stdout
        super().__init__(self.describe())

    def describe(self, max_lines: int = 30) -> str:
        """A multi-line report: the command, its exit code and the tail of its stderr (or stdout)."""
        status = "timed out" if self.returncode is None else f"exited with {self.returncode}"
        output = (self.stderr or self.stdout).rstrip().splitlines()
        tail = output[-max_lines:]
        lines = [f"command {status}: {shell_join(self.cmd)}"]
        if len(output) > len(tail):
            lines.append(f"  ... ({len(output) - len(tail)} earlier lines cut)")
        lines.extend(f"  | {line}" for line in tail)
        return "\n".join(lines)


def shell_join(cmd: Sequence[str]) -> str:
    """Render *cmd* for humans (POSIX quoting; good enough for messages on Windows too)."""
    return " ".join(shlex.quote(part) for part in cmd)


def run_command(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run *cmd* with captured text output and no stdin; raise :class:`CommandFailed` unless it exits 0."""
    try:
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CommandFailed(cmd, None, _as_text(exc.stderr), _as_text(exc.stdout)) from exc
    except OSError as exc:
        raise CommandFailed(cmd, 127, f"cannot start: {exc}") from exc
    if proc.returncode != 0:
        raise CommandFailed(cmd, proc.returncode, proc.stderr, proc.stdout)
    return proc


def _as_text(data: str | bytes | None) -> str:
    """Decode the partial output attached to a ``TimeoutExpired``."""
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


@dataclass
class Timing:
    """Wall-clock timings of one command; ``best`` is what benchmarks report."""

    cmd: list[str]
    runs: list[float]
    stdout: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")

    @property
    def best(self) -> float:
        """The fastest run in seconds: the least disturbed by noise from the rest of the machine."""
        return min(self.runs)

    @property
    def median(self) -> float:
        """The median run in seconds (reported alongside ``best`` in JSON)."""
        ordered = sorted(self.runs)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the captured output)."""
        return {"cmd": self.cmd, "best": self.best, "median": self.median, "runs": self.runs}


def time_command(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    repeat: int = 5,
    warmup: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    before: Callable[[], object] | None = None,
    after: Callable[[bool, subprocess.CompletedProcess[str]], object] | None = None,
) -> Timing:
    """Time *cmd* ``repeat`` times after ``warmup`` untimed runs; every run must exit 0.

    The warm-up runs fill the OS file cache and write ``__pycache__`` so a freshly installed tool is not
    charged for compiling itself. The output of the first run (warm-up or timed) is kept on the result so
    callers can check it without running the command again. *before* (if given) is called, untimed, before
    every run; ``after(timed, completed_process)`` after every run.
    """
    runs, first = _rounds([cmd], cwd, env, repeat, warmup, timeout, before, after)
    return Timing(cmd=list(cmd), runs=runs, stdout=first[0].stdout, stderr=first[0].stderr)


def time_sequence(
    cmds: Sequence[Sequence[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    repeat: int = 3,
    warmup: int = 1,
    before: Callable[[], object] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Timing:
    """Time *cmds* run one after another, as one whole, ``repeat`` times after ``warmup`` untimed rounds.

    *before* (if given) is called before every round, warm-up included, and is not timed: e.g. deleting a
    tool's env folder so each timed run starts cold. Every command must exit 0 (:class:`CommandFailed`
    otherwise). The result's ``cmd`` holds one shell-quoted string per command; its ``stdout``/``stderr`` are
    those of the first round, the commands' outputs concatenated.
    """
    if not cmds:
        raise ValueError("no commands to time")
    runs, first = _rounds(cmds, cwd, env, repeat, warmup, timeout, before, None)
    return Timing(
        cmd=[shell_join(cmd) for cmd in cmds],
        runs=runs,
        stdout="".join(p.stdout for p in first),
        stderr="".join(p.stderr for p in first),
    )


def _rounds(
    cmds: Sequence[Sequence[str]],
    cwd: Path | None,
    env: Mapping[str, str] | None,
    repeat: int,
    warmup: int,
    timeout: float,
    before: Callable[[], object] | None,
    after: Callable[[bool, subprocess.CompletedProcess[str]], object] | None,
) -> tuple[list[float], list[subprocess.CompletedProcess[str]]]:
    """``warmup`` untimed, then ``repeat`` timed rounds of *cmds* one after another: the timed rounds' seconds,
    and the processes of the first round. Untimed: *before* before each round, *after* on each command after it."""
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    first: list[subprocess.CompletedProcess[str]] = []
    runs: list[float] = []
    for round_no in range(warmup + repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        procs = [run_command(cmd, cwd=cwd, env=env, timeout=timeout) for cmd in cmds]
        elapsed = time.perf_counter() - start
        if round_no >= warmup:
            runs.append(elapsed)
        first = first or procs
        if after is not None:
            for proc in procs:
                after(round_no >= warmup, proc)
    return runs, first


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
