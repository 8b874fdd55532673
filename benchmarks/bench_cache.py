#!/usr/bin/env python3
"""Benchmark: the result cache (``orch -p auto --cached``) on 5 and on 100 envs, start-up included.

Two projects in a temporary git checkout, each with ``skip_install = true`` envs whose command is a short
``python -c``: **5 envs** (py39 ... py313, the CPythons ``bench_run.py`` finds) and **100 envs** (``t0`` ...
``t99`` on one CPython). For each, after an untimed run that creates the envs and stores their passes:

* ``orch -p auto`` (warm, no cache): every command runs;
* ``orch -p auto --cached`` after no change: every env reported cached;
* ``orch -p auto --cached`` after a docs-only change (``docs/index.md`` edited before each timed run, untimed).

Every timed ``--cached`` run is checked from ``.tox/.orch/last-run.json``: every env ``ok`` and marked cached.
``ORCH_CACHE_DIR`` is a folder of the temporary project, so the user's cache is never touched.

Targets (issue 16): a fully cached ``orch -p auto --cached`` at most 0.2 s for 5 envs and 1 s for 100 envs.

Usage: ``python benchmarks/bench_cache.py [--repeat 5] [--json results.json] [--keep]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _process import CommandFailed, run_command, time_command, time_sequence
from _projects import scrubbed_env
from _report import format_table, format_targets, machine_info, section, write_json
from _suite import PYTHONS
from _tools import find_python, locate_orch

TARGETS = {5: 0.2, 100: 1.0}
MINORS = PYTHONS


def _project(root: Path, envs: int) -> tuple[list[str], list[Path]]:
    """Write the project; its env names and the interpreter folders to put first on PATH."""
    pythons = {m: find_python(m) for m in MINORS}
    found = {m: p for m, p in pythons.items() if p is not None}
    if not found:
        raise SystemExit("no CPython 3.9-3.13 found")
    if envs == len(MINORS) and len(found) == len(MINORS):
        names = [f"py{m.replace('.', '')}" for m in MINORS]
        base = ""
    else:
        names = [f"t{i}" for i in range(envs)]
        base = f"base_python = python{next(iter(found))}\n"
    root.mkdir(parents=True)
    (root / "tox.ini").write_text(
        f"[tox]\nenv_list = {', '.join(names)}\n[testenv]\nskip_install = true\n{base}"
        "commands = python -c \"print('ok')\"\n"
    )
    (root / "src").mkdir()
    (root / "src" / "mod.py").write_text("X = 1\n")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# docs\n")
    (root / ".gitignore").write_text(".tox/\n.cache/\n")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "init"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)
    return names, [p.parent for p in found.values()]


def _check(root: Path, names: list[str]) -> str | None:
    """Why the last run was not fully cached, or None."""
    envs = json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"]
    bad = [n for n in names if envs.get(n, {}).get("status") != "ok" or not envs.get(n, {}).get("cached")]
    return f"not cached: {', '.join(bad[:5])}" if bad else None


def measure(base: Path, envs: int, orch: list[str], repeat: int) -> dict[str, object]:
    root = base / f"project-{envs}"
    names, bins = _project(root, envs)
    env = scrubbed_env({"ORCH_CACHE_DIR": str(root / ".cache" / "orch")})
    env["PATH"] = ":".join([*map(str, bins), env.get("PATH", "")])
    run_command([*orch, "-p", "auto", "--cached", "-q"], cwd=root, env=env)  # creates the envs, stores the passes
    plain = time_command([*orch, "-p", "auto", "-q"], cwd=root, env=env, repeat=repeat)
    cached = time_command([*orch, "-p", "auto", "--cached", "-q"], cwd=root, env=env, repeat=repeat)
    problem = _check(root, names)
    counter = iter(range(10**6))

    def docs_change() -> None:
        (root / "docs" / "index.md").write_text(f"# docs {next(counter)}\n")

    docs = time_sequence(
        [[*orch, "-p", "auto", "--cached", "-q"]], cwd=root, env=env, repeat=repeat, before=docs_change
    )
    problem = problem or _check(root, names)
    return {"envs": envs, "plain": plain, "cached": cached, "docs": docs, "problem": problem}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case; the best is reported")
    parser.add_argument("--orch", help="the orch executable (default: next to this interpreter)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    args = parser.parse_args()
    orch = locate_orch(args.orch).cmd
    base = Path(tempfile.mkdtemp(prefix="orch-bench-cache-"))
    results, errors = [], []
    try:
        for envs in TARGETS:
            section(f"{envs} envs")
            try:
                results.append(measure(base, envs, list(orch), args.repeat))
            except CommandFailed as exc:
                errors.append(exc.describe())
                print(exc.describe(), file=sys.stderr)
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            subprocess.run(["rm", "-rf", str(base)], check=False)
    rows = [
        [f"{r['envs']} envs", *(f"{r[k].best:.3f}" for k in ("plain", "cached", "docs"))]  # type: ignore[attr-defined]
        for r in results
    ]
    print(format_table(["project", "-p auto [s]", "--cached [s]", "--cached, docs changed [s]"], rows))
    goals = []
    for r in results:
        worst = max(r["cached"].best, r["docs"].best)  # type: ignore[attr-defined]
        limit = TARGETS[int(r["envs"])]  # type: ignore[call-overload]
        goals.append(
            {"target": f"{r['envs']} envs fully cached <= {limit} s", "value": f"{worst:.3f} s", "ok": worst <= limit}
        )
        if r["problem"]:
            errors.append(f"{r['envs']} envs: {r['problem']}")
    print(format_targets(goals))
    if args.json:
        data = [{**r, **{k: r[k].as_dict() for k in ("plain", "cached", "docs")}} for r in results]  # type: ignore[attr-defined]
        write_json(args.json, {"machine": machine_info(), "results": data, "errors": errors})
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
