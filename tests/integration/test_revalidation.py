"""A cold env's first install revalidates at once the pages an earlier install of the same deps read,
then installs ``--offline`` (orch.envs.prefetch): checked through the setup logs and the names kept in
orch's cache. The project has its own orch cache and uv cache, empty at the start."""

from __future__ import annotations

import json
import shutil

import pytest

pytestmark = pytest.mark.integration

REVALIDATED = "# every page revalidated just before (uv pip compile --refresh)"
LATER = "# resolved online earlier in this run"
TOX_INI = """\
[tox]
env_list = a, b
[testenv]
skip_install = true
deps = pytest
set_env = UV_CACHE_DIR={toxinidir}/uv-cache
commands = python -c "import pytest"
[testenv:a]
base_python = python3.12
[testenv:b]
base_python = python3.13
"""


def lines(proj, env: str) -> list[str]:
    """The installer command lines and orch's notes in an env's setup log."""
    log = proj.path / ".tox" / ".orch" / env / "log" / "setup.log"
    return [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(("$ ", "# "))]


@pytest.fixture
def proj(project, tmp_path):
    return project({"tox.ini": TOX_INI}, cache=tmp_path / "orch-cache")


def kept(proj) -> dict[str, list[str]]:
    return json.loads((proj.cache / "resolved-names.json").read_text(encoding="utf-8"))


def rewrite(proj, change) -> None:
    """Change every list of names kept, then start again from an empty work dir."""
    data = {key: change(names) for key, names in kept(proj).items()}
    (proj.cache / "resolved-names.json").write_text(json.dumps(data), encoding="utf-8")
    shutil.rmtree(proj.path / ".tox")


def test_a_cold_run_revalidates_what_the_last_one_took_then_installs_offline(proj) -> None:
    proj.run("run").assert_success()
    first = lines(proj, "a")
    assert len(first) == 1 and "--offline" not in first[0] and "pip compile" not in first[0]  # nothing known yet
    [names] = kept(proj).values()
    assert {"pytest", "pluggy", "iniconfig"} <= set(names)
    assert not any("UV_CACHE_DIR" in key or "uv-cache" in key for key in kept(proj))  # a digest, not the settings

    shutil.rmtree(proj.path / ".tox")
    proj.run("run").assert_success()
    again = lines(proj, "a")
    assert "pip compile --no-deps --refresh" in again[0], again
    assert "--offline" in again[1] and again[1].endswith(REVALIDATED), again
    assert len(again) == 2
    later = lines(proj, "b")  # the revalidated pages count as resolved online in this run
    assert len(later) == 1 and later[0].endswith(LATER), later
    assert all(env["status"] == "ok" for env in proj.record()["envs"].values())


def test_a_package_whose_page_was_not_revalidated_is_resolved_online(proj) -> None:
    proj.run("run", "-e", "a").assert_success()
    rewrite(proj, lambda names: [name for name in names if name != "pluggy"])
    proj.run("run", "-e", "a").assert_success()
    log = lines(proj, "a")
    assert "pip compile --no-deps --refresh" in log[0]
    assert log[1].endswith(REVALIDATED)
    assert log[2] == "# pluggy not revalidated in this run: resolving online", log
    assert "--upgrade" in log[3] and "--offline" not in log[3], log
    assert len(log) == 4
    assert "pluggy" in next(iter(kept(proj).values()))  # kept again for the next run


def test_a_name_gone_from_the_index_is_dropped_and_the_install_goes_online(proj) -> None:
    proj.run("run", "-e", "a").assert_success()
    gone = "orch-test-no-such-package-zz9"
    rewrite(proj, lambda names: [*names, gone])
    proj.run("run", "-e", "a").assert_success()
    log = lines(proj, "a")
    assert "pip compile --no-deps --refresh" in log[0]
    assert log[1] == "# revalidating the pages failed: installing online", log
    assert "--offline" not in log[2] and "pip install" in log[2], log
    assert len(log) == 3
    [names] = kept(proj).values()
    assert gone not in names and "pytest" in names  # what the online install took
