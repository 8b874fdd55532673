"""Generate projects, compare tox's and orch's reading of each, and summarise.

``python -m tests.fuzz --examples 300 [--format ini|toml] [--seed N] [--show 3]`` prints the agreement
figure (keys, files fully agreeing, whole-file failures) and the divergences grouped by kind, each
kind with its smallest example (lines removed while the divergence stays).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from .oracle import Differ, Divergence, Outcome

FILE_NAMES = {"ini": "tox.ini", "toml": "tox.toml"}


def strategy(fmt: str) -> st.SearchStrategy[str]:
    if fmt == "ini":
        from .ini_grammar import tox_ini

        return tox_ini()
    from .toml_grammar import tox_toml

    return tox_toml()


@dataclass
class Summary:
    fmt: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def keys(self) -> int:
        return sum(o.keys for o in self.outcomes)

    @property
    def same(self) -> int:
        return sum(o.same for o in self.outcomes)

    @property
    def key_agreement(self) -> float:
        return self.same / self.keys if self.keys else 1.0

    @property
    def files_agreeing(self) -> int:
        return sum(o.agrees for o in self.outcomes)

    @property
    def whole_file_failures(self) -> list[Outcome]:
        """Files tox reads and orch does not (the converse is counted apart)."""
        return [o for o in self.outcomes if o.tox_reads and not o.orch_reads]

    @property
    def orch_reads_rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.orch_reads and not o.tox_reads]

    def by_kind(self) -> dict[str, list[tuple[Outcome, Divergence]]]:
        groups: dict[str, list[tuple[Outcome, Divergence]]] = defaultdict(list)
        for outcome in self.outcomes:
            for div in outcome.divergences:
                groups[div.kind].append((outcome, div))
        return dict(sorted(groups.items(), key=lambda item: -len(item[1])))

    def figures(self) -> str:
        n = len(self.outcomes)
        tox_reads = sum(o.tox_reads for o in self.outcomes)
        return (
            f"{self.fmt}: {n} files ({tox_reads} read by tox); keys agree {self.same}/{self.keys} "
            f"({100 * self.key_agreement:.2f}%); files fully agreeing {self.files_agreeing}/{n}; "
            f"whole-file failures (tox reads, orch fails) {len(self.whole_file_failures)}; "
            f"orch reads a file tox rejects {len(self.orch_reads_rejected)}"
        )


def collect(differ: Differ, fmt: str, examples: int, seed_value: int | None = None) -> Summary:
    """Draw ``examples`` files with hypothesis and compare each (no shrinking: the summary is the result)."""
    summary = Summary(fmt)
    name = FILE_NAMES[fmt]

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy(fmt))
    def one(text: str) -> None:
        summary.outcomes.append(differ.compare({name: text}))

    if seed_value is not None:
        one = seed(seed_value)(one)
    one()
    return summary


def _still(differ: Differ, name: str, div: Divergence) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            outcome = differ.compare({name: text})
        except Exception:
            return False
        return any(d.kind == div.kind and d.env == div.env for d in outcome.divergences)

    return check


def minimise(text: str, still: Callable[[str], bool], budget: int = 150) -> str:
    """Drop sections, then lines, then trailing words while ``still`` holds (greedy, bounded)."""
    for unit in ("\n\n", "\n"):
        parts = text.split(unit)
        i = 0
        while i < len(parts) and budget > 0:
            trial = parts[:i] + parts[i + 1 :]
            budget -= 1
            if trial and still(unit.join(trial)):
                parts = trial
            else:
                i += 1
        text = unit.join(parts)
    return text


def _fmt(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:297] + "..."


def report(summary: Summary, differ: Differ | None = None, show: int = 1, out: Any = sys.stdout) -> None:
    print(summary.figures(), file=out)
    name = FILE_NAMES[summary.fmt]
    for kind, items in summary.by_kind().items():
        files = len({id(o) for o, _ in items})
        print(f"\n== {kind}: {len(items)} divergences in {files} files", file=out)
        examples = sorted(items, key=lambda item: len(item[0].files[name]))[:show]
        for outcome, div in examples:
            text = outcome.files[name]
            if differ is not None:
                text = minimise(text, _still(differ, name, div))
                again = [d for d in differ.compare({name: text}).divergences if d.kind == div.kind]
                div = next((d for d in again if d.env == div.env), again[0] if again else div)
            print(f"-- env {div.env!r} key {div.key!r}", file=out)
            print("   " + text.rstrip().replace("\n", "\n   "), file=out)
            print(f"   tox:  {_fmt(div.tox)}\n   orch: {_fmt(div.orch)}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--format", choices=sorted(FILE_NAMES), default="ini")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--show", type=int, default=1, help="minimised examples per kind (0: none)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    with Differ() as differ:
        summary = collect(differ, args.format, args.examples, args.seed)
        took = time.monotonic() - start
        report(summary, differ if args.show else None, max(args.show, 1))
    print(f"\n({took:.1f} s for {len(summary.outcomes)} files, tox {differ.tox.version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
