"""pass_env's globs, matched with a set of plain names and one regex of the rest (orch.envs.environ.passed):
as fnmatchcase, glob by glob."""

from __future__ import annotations

import fnmatch

from hypothesis import given
from hypothesis import strategies as st

from orch.envs.environ import passed

NAMES = st.text(alphabet="AaBb_*?[]!1.\\", min_size=0, max_size=6)


@given(st.dictionaries(NAMES, st.just("v"), max_size=8), st.lists(NAMES, max_size=5))
def test_the_same_names_as_fnmatchcase_glob_by_glob(environ: dict[str, str], globs: list[str]) -> None:
    expected = {n: v for n, v in environ.items() if any(fnmatch.fnmatchcase(n, g) for g in globs)}
    assert passed(environ, globs) == expected


def test_examples() -> None:
    environ = {"LC_ALL": "C", "lc_all": "c", "PIP_INDEX_URL": "x", "HOME": "/h", "HOMEX": "y", "A\nB": "z"}
    assert passed(environ, ["LC_*", "HOME", "PIP_*"]) == {"LC_ALL": "C", "PIP_INDEX_URL": "x", "HOME": "/h"}
    assert passed(environ, []) == {}
    assert passed(environ, ["A?B"]) == {"A\nB": "z"}  # fnmatch's ? matches a newline too
