"""Within one run, an env whose deps an earlier env resolved online installs them with ``uv pip install
--offline`` (orch.envs.resolutions), then checks the versions it took against the index
(``uv pip compile --no-deps --refresh``); an offline attempt that fails is followed by the online
install. Checked through the setup logs. Versions that differ: ``test_revalidation.py``.

Each project has its own uv cache (``UV_CACHE_DIR`` in ``set_env``), empty at the start, so what is
cached is what these runs fetched. ``depends`` fixes the order: an env that depends on another is set
up in its turn, after that env.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

MODE = "# resolved online earlier in this run"
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


def installs(proj, env: str) -> list[str]:
    """The installer command lines and orch's notes in an env's setup log."""
    log = proj.path / ".tox" / ".orch" / env / "log" / "setup.log"
    return [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(("$ ", "# "))]


def fresh(proj) -> None:
    """Forget the names kept for the next cold run (orch.envs.prefetch): each env then goes as in a first run."""
    (proj.cache / "resolved-names.json").unlink(missing_ok=True)


def test_later_envs_install_offline_verified_and_fall_back_online(project, tmp_path) -> None:
    proj = project({"tox.ini": TOX_INI}, cache=tmp_path / "orch-cache")  # no names kept from other tests
    proj.run("run").assert_success()

    first = installs(proj, "a")
    assert len(first) == 1 and "--offline" not in first[0] and MODE not in first[0]

    # py312 needs what py313 resolved: offline, then checked: the versions it took are the newest for py312 on
    # the pages py313's install fetched (asked offline: --no-deps reads the pages, not the cached wheels)
    second = installs(proj, "b")
    assert "--offline" in second[0] and second[0].endswith(MODE), second
    assert "pip compile --no-deps --offline" in second[1] and len(second) == 2, second

    # py39 needs tomli and exceptiongroup too, whose pages no one fetched: the offline attempt fails
    third = installs(proj, "c")
    assert "--offline" in third[0] and third[0].endswith(MODE)
    assert third[1] == "# the offline install failed: installing online"
    assert "--offline" not in third[2] and "--upgrade" not in third[2] and len(third) == 3
    assert proj.record()["envs"]["c"]["status"] == "ok"

    # py310 after py39: offline and checked
    last = installs(proj, "d")
    assert last[0].endswith(MODE) and "pip compile" in last[1] and len(last) == 2, last


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


def test_in_a_sequential_run_the_first_env_resolves_online(project, tmp_path) -> None:
    """The envs are set up ahead on two threads at once; the first in order resolves online, so its
    commands need not wait for another env's resolution (which a race between the threads could give)."""
    ini = TOX_INI.replace("depends = a\n", "").replace("[testenv:c]", "[testenv:unused]")
    proj = project({"tox.ini": ini}, cache=tmp_path / "orch-cache")
    for _ in range(2):
        fresh(proj)
        proj.run("run", "-e", "b,a", "-r").assert_success()  # b runs first: its turn comes first
        [first] = [line for line in installs(proj, "b") if "pip install" in line][-1:]
        assert "--offline" not in first, installs(proj, "b")
        second = next(line for line in installs(proj, "a") if "pip install" in line)
        assert "--offline" in second and second.endswith(MODE), installs(proj, "a")


def test_in_a_parallel_run_the_first_env_of_env_list_resolves_online(project, tmp_path) -> None:
    """Issue 15: ``-p`` runs rank their envs too (the config's order without history), so py39, first here,
    resolves online and py313, which needs less (no tomli, no exceptiongroup), installs offline from that
    resolution; before, whichever env reached the index first resolved, and when that was py313, py39's extra
    packages needed a second online resolution."""
    ini = TOX_INI.replace("depends = a\n", "").replace("depends = b\n", "").replace("depends = c\n", "")
    ini = ini.replace("env_list = a, b, c, d", "env_list = c, a")  # c: python3.9, a: python3.13
    proj = project({"tox.ini": ini}, cache=tmp_path / "orch-cache")
    for _ in range(2):
        fresh(proj)
        proj.run("run", "-p", "all", "--notest", "-r").assert_success()
        [first] = [line for line in installs(proj, "c") if "pip install" in line][-1:]
        assert "--offline" not in first, installs(proj, "c")
        second = next(line for line in installs(proj, "a") if "pip install" in line)
        assert "--offline" in second and second.endswith(MODE), installs(proj, "a")
