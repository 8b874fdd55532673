"""The README's two commands for a fresh machine are the ones `.ci/run` runs, word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _command(section: str) -> str:
    """The one line of the first ```bash block under README's ``## SECTION``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", body, re.S)
    assert block is not None, f"no bash block under ## {section}"
    lines = block.group(1).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("section", ["Try it", "Run the tests"])
def test_ci_runs_the_readme_command(section: str) -> None:
    command = _command(section)
    assert command.startswith("python3 -m venv .venv && ")  # PEP 668: never into the system Python
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
