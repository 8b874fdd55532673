"""``orch run --shard K/N``: the selected envs split into N shards of about equal duration.

A CI system with N parallel jobs runs ``orch run --shard 1/N`` ... ``--shard N/N``; together they
run every selected env exactly once. The split is greedy longest-processing-time on the durations
of ``--durations FILE`` (a run record or ``{name: seconds}``): the longest env goes to the least
loaded shard, then the next... Ties go by name, so every job computes the same split. An env with
no recorded duration counts as the median of the recorded ones (1 s when none is). Within a shard
the envs keep the selection's order.

The split is a pure function of the selection and that file. Without ``--durations`` every env
counts 1 s (round robin on the sorted names); the work dir's run record is never read: each shard
rewrites it, so shards run one after another in one work dir would each see another split, and
some envs would run twice and others never.

The largest shard takes at most ``total / N`` plus the longest env (the bound of any greedy list
scheduling): when its last env was added it was the least loaded shard, so below the average.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

from orch.errors import UsageError

UNKNOWN = 1.0  # seconds an env counts for when no duration is recorded at all
MAX_SHARDS = 100_000  # as many as the env names a selection may hold; N is the length of a list


def parse_shard(text: str) -> tuple[int, int]:
    """``--shard K/N`` -> ``(K, N)``, 1 <= K <= N <= :data:`MAX_SHARDS`."""
    k_text, sep, n_text = text.partition("/")
    try:
        k, n = int(k_text), int(n_text)
    except ValueError:
        k = n = 0
    if not sep or not 1 <= k <= n:
        raise UsageError(f"--shard {text}: expected K/N with 1 <= K <= N, e.g. --shard 2/3")
    if n > MAX_SHARDS:
        raise UsageError(f"--shard {text}: N is more than {MAX_SHARDS:,} shards")
    return k, n


def estimates(names: Sequence[str], durations: Mapping[str, float]) -> dict[str, float]:
    """Each env's expected duration: the recorded one, else the median of the recorded ones."""
    known = {n: v for n in names if (v := _seconds(durations.get(n))) is not None}
    fallback = statistics.median(known.values()) if known else UNKNOWN
    return {n: known.get(n, fallback) for n in names}


def assign(names: Sequence[str], durations: Mapping[str, float], n: int) -> list[list[str]]:
    """All ``n`` shards, each in selection order."""
    if n < 1:
        raise ValueError(f"cannot split into {n} shards")
    cost = estimates(names, durations)
    loads = [0.0] * n
    bins: list[set[str]] = [set() for _ in range(n)]
    for name in sorted(dict.fromkeys(names), key=lambda x: (-cost[x], x)):
        lightest = min(range(n), key=lambda i: (loads[i], i))
        bins[lightest].add(name)
        loads[lightest] += cost[name]
    return [[name for name in dict.fromkeys(names) if name in chosen] for chosen in bins]


def shard(names: Sequence[str], durations: Mapping[str, float], k: int, n: int) -> list[str]:
    """Shard ``k`` (1-based) of ``n``: its envs, in selection order."""
    if not 1 <= k <= n:
        raise ValueError(f"shard {k}/{n}: K must be between 1 and N")
    return assign(names, durations, n)[k - 1]


def read_durations(path: Path) -> dict[str, float]:
    """Durations from a run record (``{"envs": {name: {"duration": s}}}``, as ``.tox/.orch/last-run.json``)
    or from a plain ``{name: seconds}`` object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--durations {path}: cannot read it: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--durations {path}: not JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("envs"), dict):
        return durations_of_record(data["envs"])
    if isinstance(data, dict) and all(_seconds(v) is not None for v in data.values()):
        return {str(name): float(value) for name, value in data.items()}
    raise UsageError(
        f"--durations {path}: expected a run record (.tox/.orch/last-run.json) or an object of env name -> seconds"
    )


def durations_of_record(envs: Mapping[str, object]) -> dict[str, float]:
    """``{name: duration}`` from a run record's ``envs``, leaving out entries without a usable one."""
    result = {}
    for name, entry in envs.items():
        value = _seconds(entry.get("duration")) if isinstance(entry, dict) else None
        if value is not None:
            result[str(name)] = value
    return result


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return float(value)
