"""Differential test: hypothesis-generated tox.ini and tox.toml files, read by tox 4 and by orch.

Targets (issue 11): at least 99% of (env, key) values agree, and no whole-file failure: where tox
reads a file orch reads it too, and where tox rejects a file orch rejects it too.

The default run draws a handful of files with a fixed seed (a few seconds). The long run draws
``ORCH_FUZZ_EXAMPLES`` (default 300) files with a random seed; select it with
``ORCH_FUZZ_LONG=1`` or ``-m fuzz_long``. ``python -m tests.fuzz --examples 300`` prints the same
figures with a minimised example of each kind of divergence.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest

from tox_oracle import needs_oracle_tox

from .oracle import Differ
from .run import Summary, collect, report

pytestmark = needs_oracle_tox

DEFAULT_EXAMPLES = 8


@pytest.fixture(scope="module")
def differ() -> Iterator[Differ]:
    with Differ() as d:
        yield d


def _long_selected(config: pytest.Config) -> bool:
    return bool(os.environ.get("ORCH_FUZZ_LONG")) or "fuzz_long" in (config.option.markexpr or "")


def _check(summary: Summary) -> None:
    text = io.StringIO()
    report(summary, out=text)
    assert summary.outcomes, "hypothesis drew no files"
    assert not summary.whole_file_failures, text.getvalue()
    assert not summary.orch_reads_rejected, text.getvalue()
    assert summary.key_agreement >= 0.99, text.getvalue()


def test_ini_agrees_with_tox(differ: Differ) -> None:
    _check(collect(differ, "ini", DEFAULT_EXAMPLES, seed_value=0))


def test_toml_agrees_with_tox(differ: Differ) -> None:
    _check(collect(differ, "toml", DEFAULT_EXAMPLES, seed_value=0))


@pytest.mark.fuzz_long
@pytest.mark.parametrize("fmt", ["ini", "toml"])
def test_long_run_agrees_with_tox(differ: Differ, fmt: str, request: pytest.FixtureRequest) -> None:
    if not _long_selected(request.config):
        pytest.skip("long fuzz run: set ORCH_FUZZ_LONG=1 or select -m fuzz_long")
    _check(collect(differ, fmt, int(os.environ.get("ORCH_FUZZ_EXAMPLES", "300"))))
