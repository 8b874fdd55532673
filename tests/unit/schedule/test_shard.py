"""``--shard K/N``: every selected env in exactly one shard, the same split on every machine, and
shards of about equal duration."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orch.cli.main import main
from orch.errors import UsageError
from orch.schedule.shard import assign, estimates, parse_shard, read_durations, shard

NAMES = st.lists(st.text("abcdefgh-0123", min_size=1, max_size=6), unique=True, max_size=30)
SECONDS = st.floats(min_value=0, max_value=1e4, allow_nan=False)


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[str], dict[str, float], int]:
    names = draw(NAMES)
    recorded = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    durations = {name: draw(SECONDS) for name in recorded}
    durations.update(draw(st.dictionaries(st.text("xyz", min_size=1), SECONDS, max_size=3)))  # envs not selected
    return names, durations, draw(st.integers(min_value=1, max_value=8))


@settings(max_examples=300, deadline=None)
@given(problems())
def test_shards_partition_the_selection(problem: tuple[list[str], dict[str, float], int]) -> None:
    names, durations, n = problem
    shards = [shard(names, durations, k, n) for k in range(1, n + 1)]
    together = [name for part in shards for name in part]
    assert sorted(together) == sorted(names)  # the union is the selection, and no env twice
    assert len(together) == len(set(together))
    for part in shards:  # selection order within a shard
        assert part == [name for name in names if name in part]


@settings(max_examples=300, deadline=None)
@given(problems())
def test_split_is_deterministic(problem: tuple[list[str], dict[str, float], int]) -> None:
    names, durations, n = problem
    first = assign(names, durations, n)
    assert assign(list(names), dict(reversed(list(durations.items()))), n) == first
    # every job computes the whole split: shard K alone is that split's K-th part
    assert [shard(names, durations, k, n) for k in range(1, n + 1)] == first


@settings(max_examples=300, deadline=None)
@given(problems())
def test_largest_shard_is_bounded(problem: tuple[list[str], dict[str, float], int]) -> None:
    names, durations, n = problem
    cost = estimates(names, durations)
    total, longest = sum(cost.values()), max(cost.values(), default=0.0)
    for part in assign(names, durations, n):
        assert sum(cost[name] for name in part) <= total / n + longest + 1e-6 * (1 + total)


def test_unrecorded_envs_count_as_the_median() -> None:
    assert estimates(["a", "b", "c", "new"], {"a": 1, "b": 10, "c": 4, "other": 100}) == {
        "a": 1,
        "b": 10,
        "c": 4,
        "new": 4,
    }
    assert estimates(["a", "b"], {}) == {"a": 1.0, "b": 1.0}


def test_longest_first_into_the_lightest_shard() -> None:
    durations = {"a": 1, "b": 8, "c": 5, "d": 4, "e": 3}
    assert assign(list("abcde"), durations, 2) == [["b", "e"], ["a", "c", "d"]]  # 11 s and 10 s
    assert assign(list("abcde"), durations, 3) == [["b"], ["a", "c"], ["d", "e"]]


def test_ties_go_by_name() -> None:
    assert assign(["d", "c", "b", "a"], {}, 2) == [["c", "a"], ["d", "b"]]


def test_more_shards_than_envs() -> None:
    assert assign(["a", "b"], {}, 4) == [["a"], ["b"], [], []]


@pytest.mark.parametrize(("text", "expected"), [("1/1", (1, 1)), ("2/3", (2, 3)), ("10/10", (10, 10))])
def test_parse_shard(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3", ""])
def test_parse_shard_rejects(text: str) -> None:
    with pytest.raises(UsageError, match="expected K/N"):
        parse_shard(text)


def test_shard_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match="between 1 and N"):
        shard(["a"], {}, 3, 2)


# ------------------------------------------------------------------------------ durations files
def test_read_a_run_record(tmp_path: Path) -> None:
    path = tmp_path / "last-run.json"
    envs = {"a": {"duration": 2.5, "status": "ok"}, "b": {"duration": 1}, "c": {"status": "ok"}, "d": "junk"}
    path.write_text(json.dumps({"orch": "0.1", "envs": envs}))
    assert read_durations(path) == {"a": 2.5, "b": 1.0}


def test_read_a_plain_mapping(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    path.write_text('{"a": 3, "b": 0.5}')
    assert read_durations(path) == {"a": 3.0, "b": 0.5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "expected a run record"),
        ('{"a": "slow"}', "expected a run record"),
        ('{"a": -1}', "expected a run record"),
        ('{"a": true}', "expected a run record"),
        ("{", "not JSON"),
    ],
)
def test_read_rejects(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "durations.json"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        read_durations(path)


def test_read_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read it"):
        read_durations(tmp_path / "nope.json")


# ------------------------------------------------------------------------------- orch run --shard
TOX_INI = """
[tox]
env_list = a-system, b-system, c-system, d-system, e-system
[testenv]
commands = true
"""
DURATIONS = {"a-system": 1, "b-system": 8, "c-system": 5, "d-system": 4, "e-system": 3}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "tox.ini").write_text(textwrap.dedent(TOX_INI))
    (tmp_path / "durations.json").write_text(json.dumps(DURATIONS))
    monkeypatch.chdir(tmp_path)
    for name in ("TOXENV", "ORCH_ENV", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def ran(root: Path) -> list[str]:
    return list(json.loads((root / ".tox" / ".orch" / "last-run.json").read_text())["envs"])


def test_run_shard_runs_exactly_that_shard(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = assign(list(DURATIONS), DURATIONS, 3)
    for k in (1, 2, 3):
        assert main(["run", "--shard", f"{k}/3", "--durations", "durations.json"]) == 0
        assert ran(project) == expected[k - 1]
    assert "orch: shard 3/3: d-system, e-system (2 of 5 envs)" in capsys.readouterr().out


def test_shard_applies_to_the_selection(project: Path) -> None:
    assert main(["run", "-e", "a-system,c-system,e-system", "--shard", "2/2", "--durations", "durations.json"]) == 0
    assert ran(project) == ["a-system", "e-system"]


def test_shard_without_command_ignores_the_last_run_record(project: Path) -> None:
    record = {"envs": {name: {"duration": seconds, "status": "ok"} for name, seconds in DURATIONS.items()}}
    (project / ".tox" / ".orch").mkdir(parents=True)
    (project / ".tox" / ".orch" / "last-run.json").write_text(json.dumps(record))
    assert main(["--shard", "1/3"]) == 0
    assert ran(project) == assign(list(DURATIONS), {}, 3)[0] == ["a-system", "d-system"]


@pytest.mark.parametrize("n", range(1, 9))
@pytest.mark.parametrize("durations", [{}, DURATIONS, {"b-system": 30.0}], ids=["none", "all", "some"])
def test_every_env_in_exactly_one_shard(n: int, durations: dict[str, float]) -> None:
    names = list(DURATIONS)
    together = [name for k in range(1, n + 1) for name in shard(names, durations, k, n)]
    assert sorted(together) == sorted(names)


@pytest.mark.parametrize("with_record", [False, True], ids=["fresh", "record"])
@pytest.mark.parametrize("durations", [[], ["--durations", "durations.json"]], ids=["default", "file"])
def test_shards_in_sequence_in_one_work_dir_run_every_env_once(
    project: Path, with_record: bool, durations: list[str]
) -> None:
    """CI jobs run one after another on one machine: each shard rewrites the run record, and the
    next one must still compute the same split (the bug: py311 twice, py312 never)."""
    if with_record:  # a full run left a record whose durations differ from durations.json
        assert main(["run"]) == 0
        record = json.loads((project / ".tox" / ".orch" / "last-run.json").read_text())
        for name, seconds in zip(DURATIONS, (50, 1, 2, 40, 3)):
            record["envs"][name]["duration"] = seconds
        (project / ".tox" / ".orch" / "last-run.json").write_text(json.dumps(record))
    for n in range(1, 9):
        runs: list[str] = []
        for k in range(1, n + 1):
            record = project / ".tox" / ".orch" / "last-run.json"
            before = record.read_text() if record.exists() else None
            assert main(["run", "-q", "--shard", f"{k}/{n}", *durations]) == 0
            if record.exists() and record.read_text() != before:
                runs += ran(project)
        assert sorted(runs) == sorted(DURATIONS), f"--shard K/{n}: {runs}"


def test_empty_shard_runs_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-e", "a-system", "--shard", "2/2"]) == 0
    assert "orch: shard 2/2 has no env (1 envs in 2 shards)" in capsys.readouterr().out
    assert not (project / ".tox" / ".orch" / "last-run.json").exists()


def test_bad_shard_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--shard", "4/3"]) == 2
    assert "error: --shard 4/3: expected K/N" in capsys.readouterr().err
