"""How orch's cold and warm runs grow with the number of envs: up to 100, 20 on each of 5 Pythons.

One generated project, a ``tox.ini`` with 100 envs ``py{39,310,311,312,313}-e{01..20}`` that share
their deps (``pytest``, from uv's cache after the warm-up) and run one trivial command
(``python -c pass``), so what orch adds per env shows. For each size N (``--sizes``, default 5, 25,
50, 100; the first N/5 envs of each Python), one after another (no ``-p``):

* **cold**: ``orch run -e <N envs>`` with the work dir deleted before each timed run;
* **warm**: the same with the envs in place (after one untimed run);
* **commands alone**: the N commands with each env's interpreter, one after another, timed as one.

After each size's cold and warm runs, orch's ``last-run.json`` must have been rewritten, be complete and
list the N envs ``ok``, created (cold) or without an installer run (warm). A least-squares line
``time = fixed + per_env * N`` is fitted to each of cold, warm and warm minus the commands alone (orch's
overhead), with the largest gap between a measured time and the line. Run it with the interpreter orch
is installed into: ``python benchmarks/bench_scale.py``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from _cli import check_repeats
from _process import CommandFailed, Timing, time_sequence
from _projects import run_in_temp_dir, write_files
from _report import Results, finish, format_table, format_targets, machine_info, section
from _runs import check_orch_run, record_stamp
from _suite import PYTHONS, bench_env, find_interpreters
from _tools import locate_orch, venv_executable

PER_PYTHON = 20
"""Envs per Python in the generated project (5 Pythons: 100 envs)."""

ENVS = tuple(f"py{version.replace('.', '')}-e{index:02d}" for index in range(1, PER_PYTHON + 1) for version in PYTHONS)
"""Every env, ordered so that the first N hold N/5 envs of each Python."""

_FACTORS = ",".join(v.replace(".", "") for v in PYTHONS), ",".join(f"{i:02d}" for i in range(1, PER_PYTHON + 1))
TOX_INI = f"""\
[tox]
env_list = py{{{_FACTORS[0]}}}-e{{{_FACTORS[1]}}}

[testenv]
skip_install = true
deps = pytest
commands = python -c pass
"""

PER_ENV_TARGET_MS = 25.0
"""Issue 15: a warm run adds at most about 25 ms per env to its commands, start-up included."""

GROWTH_TARGET = 1.25
"""Linear growth: one more env among the largest sizes costs at most this times the fitted cost per env."""


def write_project(root: Path) -> Path:
    return write_files(root / "project", {"tox.ini": TOX_INI})


def fit(points: Sequence[tuple[int, float]]) -> dict[str, float]:
    """Least squares ``seconds = fixed + per_env * n``; ``worst``: the largest gap to the line, in seconds."""
    count = len(points)
    mean_n = sum(n for n, _ in points) / count
    mean_t = sum(t for _, t in points) / count
    spread = sum((n - mean_n) ** 2 for n, _ in points)
    slope = sum((n - mean_n) * (t - mean_t) for n, t in points) / spread if spread else 0.0
    fixed = mean_t - slope * mean_n
    worst = max(abs(t - (fixed + slope * n)) for n, t in points)
    return {"fixed": fixed, "per_env": slope, "worst": worst}


def growth(points: Sequence[tuple[int, float]]) -> float | None:
    """Cost of one more env between the two largest sizes over the fitted cost per env (1.0: a line; more:
    each env costs more the more there are)."""
    if len(points) < 3:
        return None
    slope = fit(points)["per_env"]
    (m0, s0), (m1, s1) = points[-2], points[-1]
    return None if slope <= 0 else ((s1 - s0) / (m1 - m0)) / slope


class Scale:
    """The measurements of every size, and what went wrong."""

    def __init__(self, orch: list[str], project: Path, env: Mapping[str, str], results: Results) -> None:
        self.orch, self.project, self.env, self.results = orch, project, env, results
        self.work_dir = project / ".tox" / ".orch"
        self.times: dict[int, dict[str, Timing]] = {}

    def orch_run(self, names: Sequence[str], repeat: int, *, cold: bool) -> Timing | None:
        cmd = [*self.orch, "run", "-q", "-e", ",".join(names)]
        before = (lambda: shutil.rmtree(self.work_dir, ignore_errors=True)) if cold else None
        stamp = record_stamp(self.work_dir)
        try:
            timing = time_sequence(
                [cmd], cwd=self.project, env=self.env, repeat=repeat, warmup=0 if cold else 1, before=before
            )
        except CommandFailed as exc:
            self.results.error(f"{len(names)} envs, {'cold' if cold else 'warm'}: {exc.describe()}")
            return None
        phase = "cold" if cold else "warm"
        for problem in check_orch_run(phase, True, self.work_dir, stamp, names).problems:
            self.results.error(f"{len(names)} envs, {phase}: {problem}")
        return timing

    def commands(self, names: Sequence[str], repeat: int) -> Timing | None:
        cmds = [[str(venv_executable(self.work_dir / n, "python")), "-c", "pass"] for n in names]
        try:
            return time_sequence(cmds, cwd=self.project, env=self.env, repeat=repeat)
        except CommandFailed as exc:
            self.results.error(f"{len(names)} commands alone: {exc.describe()}")
            return None

    def measure(self, size: int, repeat: int, cold_repeat: int) -> None:
        names = ENVS[:size]
        print(f"{size} envs: cold", end="", flush=True)
        row = {"cold": self.orch_run(names, cold_repeat, cold=True)}
        print(", warm", end="", flush=True)
        row["warm"] = self.orch_run(names, repeat, cold=False)
        print(", commands alone", flush=True)
        row["commands"] = self.commands(names, repeat)
        self.times[size] = {key: timing for key, timing in row.items() if timing is not None}

    def points(self, key: str) -> list[tuple[int, float]]:
        return [(size, row[key].best) for size, row in sorted(self.times.items()) if key in row]

    def overhead(self) -> list[tuple[int, float]]:
        return [
            (size, row["warm"].best - row["commands"].best)
            for size, row in sorted(self.times.items())
            if "warm" in row and "commands" in row
        ]


def report(scale: Scale) -> dict[str, Any]:
    section("times (best of N) [s]")
    rows = []
    for size, row in sorted(scale.times.items()):
        cells = [f"{row[k].best:.3f}" if k in row else "n/a" for k in ("cold", "warm", "commands")]
        over = row["warm"].best - row["commands"].best if "warm" in row and "commands" in row else None
        per_env = "n/a" if over is None else f"{over / size * 1000:.1f}"
        rows.append([str(size), *cells, "n/a" if over is None else f"{over:.3f}", per_env])
    print(format_table(["envs", "cold", "warm", "commands alone", "warm - commands", "per env [ms]"], rows))
    series = {"cold": scale.points("cold"), "warm": scale.points("warm"), "overhead": scale.overhead()}
    fits = {key: fit(points) for key, points in series.items() if len(points) >= 2}
    section("linear fit: seconds = fixed + per_env * envs")
    print(
        format_table(
            ["series", "fixed [s]", "per env [ms]", "largest gap to the line [ms]", "growth"],
            [
                [
                    key,
                    f"{f['fixed']:.3f}",
                    f"{f['per_env'] * 1000:.1f}",
                    f"{f['worst'] * 1000:.1f}",
                    "n/a" if (g := growth(series[key])) is None else f"{g:.2f}x",
                ]
                for key, f in fits.items()
            ],
        )
    )
    goals = []
    if "overhead" in fits:
        per_env = fits["overhead"]["per_env"] * 1000
        goals.append(
            {
                "target": f"warm: orch adds <= {PER_ENV_TARGET_MS:g} ms per env",
                "value": f"{per_env:.1f} ms",
                "ok": per_env <= PER_ENV_TARGET_MS,
            }
        )
    for key in ("cold", "warm"):
        g = growth(series[key])
        if g is not None:
            goals.append(
                {
                    "target": f"{key}: grows linearly (growth <= {GROWTH_TARGET:g}x)",
                    "value": f"{g:.2f}x",
                    "ok": g <= GROWTH_TARGET,
                }
            )
    section("targets")
    print(format_targets(goals))
    return {"series": series, "fits": fits, "targets": goals}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="5,25,50,100", help="numbers of envs, multiples of 5 up to 100 (default: %(default)s)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed warm runs and commands-alone rounds per size")
    parser.add_argument("--cold-repeat", type=int, default=1, help="timed cold runs per size")
    parser.add_argument("--orch", metavar="PATH", help="orch executable (default: next to python, or python -m orch)")
    parser.add_argument("--keep", action="store_true", help="keep the generated project and print where")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the results as JSON to PATH")
    args = parser.parse_args(argv)
    check_repeats(parser, args, "repeat", "cold_repeat")
    try:
        args.sizes = sorted({int(part) for part in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes {args.sizes}: expected numbers separated by commas")
    if any(size < 5 or size > len(ENVS) or size % 5 for size in args.sizes):
        parser.error(f"--sizes: each a multiple of 5 from 5 to {len(ENVS)}")
    return args


def run(args: argparse.Namespace, root: Path) -> int:
    results = Results()
    interpreters = find_interpreters(results)
    if results.errors:
        return 1
    orch = locate_orch(args.orch)
    project = write_project(root)
    env = bench_env(root, interpreters)
    scale = Scale(orch.cmd, project, env, results)
    section("warm-up (untimed): every env once, fills uv's cache and orch's bytecode store")
    scale.orch_run(ENVS[: max(args.sizes)], 1, cold=True)
    section("measuring")
    for size in args.sizes:
        scale.measure(size, args.repeat, args.cold_repeat)
    summary = report(scale)

    def document() -> dict[str, Any]:
        times = {size: {k: t.as_dict() for k, t in row.items()} for size, row in scale.times.items()}
        return {"machine": machine_info(), "sizes": args.sizes, "times": times, **summary, "errors": results.errors}

    return finish(args.json, document, results.errors)


def main(argv: Sequence[str] | None = None) -> int:
    return run_in_temp_dir(run, parse_args(argv), prefix="orch-bench-scale-")


if __name__ == "__main__":
    sys.exit(main())
