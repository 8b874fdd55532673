"""orch reads 45 real tox.ini files the way tox 4 does (see ``tests/compat.py`` and shared/compat).

Thresholds from the foundation issue: env lists identical for at least 95% of the files tox
reads, resolved keys identical for at least 90% of all envs. The known differences are listed
in docs/explanation/tox-compatibility.md; ``python tests/compat.py NAME`` prints them.
"""

from __future__ import annotations

import pytest

from compat import COMPAT, compare, corpus

NAMES = corpus()
pytestmark = pytest.mark.skipif(not NAMES, reason=f"compat corpus not found at {COMPAT} (set ORCH_COMPAT_DIR)")


@pytest.fixture(scope="module")
def results():
    return [compare(name) for name in NAMES]


def test_env_lists_match_tox(results) -> None:
    comparable = [r for r in results if r.lists_comparable]
    mismatched = [f"{r.name}: {r.list_diff}" for r in comparable if not r.lists_match]
    assert len(comparable) >= 40
    assert (len(comparable) - len(mismatched)) / len(comparable) >= 0.95, "\n".join(mismatched)


def test_resolved_keys_match_tox(results) -> None:
    envs = sum(r.envs for r in results)
    same = sum(r.envs_match for r in results)
    assert envs > 1000
    diffs = [d for r in results for d in r.key_diffs]
    assert same / envs >= 0.90, "\n".join(diffs[:50])


@pytest.mark.parametrize("name", ["pallets__click", "tox-dev__tox", "pytest-dev__pytest-bdd", "pyca__pyopenssl"])
def test_exact_files(name: str) -> None:
    """Files with no known difference stay exact, key by key."""
    result = compare(name)
    assert result.lists_match, result.list_diff
    assert result.key_diffs == []
