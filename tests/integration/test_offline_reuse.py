"""Within one run, an env whose deps an earlier env resolved online installs them with ``uv pip install
--offline`` (orch.envs.resolutions); an offline attempt that fails, or that takes a package this run
did not resolve online, is followed by the online install. Checked through the setup logs.

Each project has its own uv cache (``UV_CACHE_DIR`` in ``set_env``), empty at the start, so what is
cached is what these runs fetched. ``depends`` fixes the order: an env that depends on another is set
up in its turn, after that env.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

MODE = "# resolved online earlier in this run"
REVALIDATED = "# every page revalidated just before (uv pip compile --refresh)"  # orch.envs.prefetch
TOX_INI = """\
[tox]
env_list = a, b, c, d
[testenv]
skip_install = true
deps = pytest
set_env = UV_CACHE_DIR={toxinidir}/uv-cache
commands = python -c "import pytest"
[testenv:a]
base_python = python3.13
[testenv:b]
base_python = python3.12
depends = a
[testenv:c]
base_python = python3.9
depends = b
[testenv:d]
base_python = python3.10
depends = c
"""


def resolved_online(line: str) -> bool:
    """An install that read the index in this run: online, or offline right after revalidating every page."""
    return "--offline" not in line or line.endswith(REVALIDATED)


def installs(proj, env: str) -> list[str]:
    """The installer command lines and orch's notes in an env's setup log."""
    log = proj.path / ".tox" / ".orch" / env / "log" / "setup.log"
    return [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(("$ ", "# "))]


def test_later_envs_install_offline_and_fall_back_online(project) -> None:
    proj = project({"tox.ini": TOX_INI})
    proj.run("run").assert_success()

    first = [line for line in installs(proj, "a") if "pip install" in line]
    assert len(first) == 1 and "--offline" not in first[0] and MODE not in first[0]

    # py312 needs what py313 resolved: offline, one install
    second = [line for line in installs(proj, "b") if "pip install" in line]
    assert len(second) == 1, second
    assert "--offline" in second[0] and second[0].endswith(MODE)

    # py39 needs tomli and exceptiongroup too, whose pages no one fetched: the offline attempt fails
    third = installs(proj, "c")
    assert "--offline" in third[0] and third[0].endswith(MODE)
    assert third[1] == "# the offline install failed: installing online"
    assert "--offline" not in third[2] and "--upgrade" not in third[2]
    assert proj.record()["envs"]["c"]["status"] == "ok"

    # a new run: py39's pages are cached now, but older than this run: not trusted, resolved online (py313's
    # install revalidated only the pages py313 read last time: orch.envs.prefetch keeps names by interpreter)
    proj.run("run", "-r").assert_success()
    again = installs(proj, "c")[-3:]
    assert "--offline" in again[0], again
    assert again[1].startswith("# ") and again[1].endswith("not resolved online in this run: resolving online")
    assert "tomli" in again[1]
    assert "--upgrade" in again[2] and "--offline" not in again[2]
    assert proj.record()["envs"]["c"]["status"] == "ok"
    # what that online --upgrade left as it was is resolved online all the same: py310 needs no more
    last = installs(proj, "d")[-1]
    assert "--offline" in last and last.endswith(MODE), installs(proj, "d")


def test_requirement_files_stay_online(project) -> None:
    proj = project(
        {
            "tox.ini": TOX_INI.replace("deps = pytest", "deps = -r requirements.txt"),
            "requirements.txt": "pytest\n",
        }
    )
    proj.run("run", "-e", "a,b").assert_success()
    for env in ("a", "b"):
        assert not any("--offline" in line for line in installs(proj, env))


def test_in_a_sequential_run_the_first_env_resolves_online(project) -> None:
    """The envs are set up ahead on two threads at once; the first in order resolves online, so its
    commands need not wait for another env's resolution (which a race between the threads could give)."""
    ini = TOX_INI.replace("depends = a\n", "").replace("[testenv:c]", "[testenv:unused]")
    proj = project({"tox.ini": ini})
    for _ in range(2):
        proj.run("run", "-e", "b,a", "-r").assert_success()  # b runs first: its turn comes first
        [first] = [line for line in installs(proj, "b") if "pip install" in line][-1:]
        assert resolved_online(first), installs(proj, "b")
        [second] = [line for line in installs(proj, "a") if "pip install" in line][-1:]
        assert "--offline" in second and second.endswith(MODE), installs(proj, "a")


def test_in_a_parallel_run_the_first_env_of_env_list_resolves_online(project) -> None:
    """Issue 15: ``-p`` runs rank their envs too (the config's order without history), so py39, first here,
    resolves online and py313, which needs less (no tomli, no exceptiongroup), installs offline from that
    resolution; before, whichever env reached the index first resolved, and when that was py313, py39's extra
    packages needed a second online resolution."""
    ini = TOX_INI.replace("depends = a\n", "").replace("depends = b\n", "").replace("depends = c\n", "")
    ini = ini.replace("env_list = a, b, c, d", "env_list = c, a")  # c: python3.9, a: python3.13
    proj = project({"tox.ini": ini})
    for _ in range(2):
        proj.run("run", "-p", "all", "--notest", "-r").assert_success()
        [first] = [line for line in installs(proj, "c") if "pip install" in line][-1:]
        assert resolved_online(first), installs(proj, "c")
        [second] = [line for line in installs(proj, "a") if "pip install" in line][-1:]
        assert "--offline" in second and second.endswith(MODE), installs(proj, "a")
