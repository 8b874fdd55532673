"""orch.envs.resolutions: which installs may go offline, and the run's record of online resolutions."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from orch.envs.resolutions import OnlineResolutions, installed_names, plain_name, plan


@pytest.mark.parametrize(
    ("requirement", "name"),
    [
        ("pytest", "pytest"),
        ("Typing_Extensions>=4", "typing-extensions"),
        ("pytest[testing] ; python_version < '3.10'", "pytest"),
        ("zope.interface~=6.0", "zope-interface"),
        ("pkg @ https://example.com/pkg.whl", None),
        ("-r requirements.txt", None),
        ("--index-url=https://example.com/simple", None),
        ("./src", None),
        ("https://example.com/pkg-1.0.tar.gz", None),
        ("pkg-1.0-py3-none-any.whl", None),
    ],
)
def test_plain_name(requirement: str, name: str | None) -> None:
    assert plain_name(requirement) == name


def test_plan_takes_local_wheels_and_the_index_settings(tmp_path: Path) -> None:
    wheel = tmp_path / "setuptools-80.0.0-py3-none-any.whl"
    wheel.write_bytes(b"")
    env = {"UV_INDEX_URL": "https://a/simple", "PATH": "/bin", "VIRTUAL_ENV": "/x"}
    wanted = plan(["pytest>=8", str(wheel)], env, tmp_path)
    assert wanted is not None
    assert wanted.names == {"pytest"} and wanted.local == {"setuptools"}
    assert ("UV_INDEX_URL", "https://a/simple") in wanted.key and ("cwd", str(tmp_path)) in wanted.key
    assert all(name != "PATH" and name != "VIRTUAL_ENV" for name, _ in wanted.key)
    other = plan(["pytest>=8"], {**env, "UV_INDEX_URL": "https://b/simple"}, tmp_path)
    assert other is not None and other.key != wanted.key
    assert plan(["pytest", "-r", "req.txt"], env, tmp_path) is None
    assert plan([str(tmp_path / "missing-1.0-py3-none-any.whl")], env, tmp_path) is None


def test_installed_names_reads_uvs_output() -> None:
    output = [
        "Resolved 3 packages in 12ms\n",
        "Installed 3 packages in 4ms\n",
        " + iniconfig==2.1.0\n",
        " + Pluggy==1.6.0\n",
        " + pkg @ file:///tmp/pkg-1.0-py3-none-any.whl\n",
        " - old==1.0\n",
    ]
    assert installed_names(output) == {"iniconfig", "pluggy", "pkg"}


def test_covers_only_what_an_online_install_of_the_same_index_took(tmp_path: Path) -> None:
    resolutions = OnlineResolutions()
    first = plan(["pytest"], {}, tmp_path)
    assert first is not None and not resolutions.covers(first)
    with resolutions.resolving(first) as installed:
        installed.update({"pytest", "pluggy"})
    assert resolutions.covers(first)
    more = plan(["pytest", "six"], {}, tmp_path)
    assert more is not None and not resolutions.covers(more)
    elsewhere = plan(["pytest"], {"UV_INDEX_URL": "https://b/simple"}, tmp_path)
    assert elsewhere is not None and not resolutions.covers(elsewhere)
    failed = plan(["six"], {}, tmp_path)
    with resolutions.resolving(failed):
        pass  # failed: nothing installed, nothing recorded
    assert failed is not None and not resolutions.covers(failed)


def test_an_env_waits_for_the_online_install_resolving_its_requirements(tmp_path: Path) -> None:
    resolutions = OnlineResolutions()
    wanted = plan(["pytest"], {}, tmp_path)
    assert wanted is not None
    answers: list[bool] = []
    started = threading.Event()
    with resolutions.resolving(wanted) as installed:
        waiter = threading.Thread(target=lambda: (started.set(), answers.append(resolutions.covers(wanted))))
        waiter.start()
        started.wait()
        waiter.join(0.2)
        assert waiter.is_alive() and not answers  # waiting for this install
        installed.add("pytest")
    waiter.join(10)
    assert answers == [True]


def test_pages_fetched_before_the_install_let_the_waiting_envs_go_at_once(tmp_path: Path) -> None:
    """orch.envs.prefetch revalidates the pages, then installs offline: the envs waiting on it go offline
    as soon as the pages are fetched, without waiting for that install too."""
    resolutions = OnlineResolutions()
    wanted = plan(["pytest"], {}, tmp_path)
    assert wanted is not None
    answers: list[bool] = []
    with resolutions.resolving(wanted):
        waiter = threading.Thread(target=lambda: answers.append(resolutions.covers(wanted)))
        waiter.start()
        waiter.join(0.2)
        assert waiter.is_alive()
        resolutions.fetched(wanted, {"pytest", "pluggy"})
        waiter.join(10)
        assert answers == [True]  # while the install is still under way
    assert resolutions.covers(wanted)


def test_the_env_first_in_order_resolves_online_even_when_it_gets_there_second(tmp_path: Path) -> None:
    resolutions = OnlineResolutions()
    resolutions.rank(["first", "second"])
    wanted = plan(["pytest"], {}, tmp_path)
    assert wanted is not None
    resolutions.begin("first")  # still creating its env
    resolutions.begin("second")
    answers: list[bool] = []
    waiter = threading.Thread(target=lambda: answers.append(resolutions.covers(wanted, "second")))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive() and not answers  # "second" reached the index first, and waits
    assert not resolutions.covers(wanted, "first")  # "first" goes online
    with resolutions.resolving(wanted, "first") as installed:
        waiter.join(0.2)
        assert waiter.is_alive()  # now waiting for that install
        installed.add("pytest")
    waiter.join(10)
    assert answers == [True]  # and installs offline


def test_an_earlier_env_that_installs_nothing_lets_the_later_go_on(tmp_path: Path) -> None:
    resolutions = OnlineResolutions()
    resolutions.rank(["reused", "later", "unranked"])
    wanted = plan(["pytest"], {}, tmp_path)
    assert wanted is not None
    resolutions.begin("reused")
    resolutions.begin("later")
    answers: list[bool] = []
    waiter = threading.Thread(target=lambda: answers.append(resolutions.covers(wanted, "later")))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()
    resolutions.decided("reused")  # its setup ended without an install (a reused env)
    waiter.join(10)
    assert answers == [False]  # "later" goes online itself
    assert not resolutions.covers(wanted, "not-in-the-run")  # no rank: never waits
    assert not resolutions.covers(wanted)


def test_a_venv_is_created_after_the_first_env_reached_its_install() -> None:
    """Issue 15: the run's first env creates its venv alone and goes online sooner; the others wait for it to
    reach its install (or to end its setup), and not for an env that is not being set up."""
    runs = OnlineResolutions()
    runs.rank(["a", "b", "c"])
    runs.head_start("b")  # a is not being set up (reused, or not started): no wait
    runs.begin("a")
    runs.head_start("a")  # the first never waits for itself
    created: list[str] = []
    later = threading.Thread(target=lambda: (runs.head_start("c"), created.append("c")))
    later.start()
    later.join(0.3)
    assert later.is_alive() and created == []  # still waiting while a creates its venv
    runs.decided("a")  # a reached its install
    later.join(10)
    assert created == ["c"]


def test_uvs_answers_are_kept_for_the_run_by_question() -> None:
    resolutions = OnlineResolutions()
    question = ("index", "/usr/bin/python3.12", ("pytest<9",))
    assert resolutions.answer(question, {"pytest"}) is None
    resolutions.told(question, {"pytest": "8.4.2", "pluggy": "1.6.0"})
    assert resolutions.answer(question, {"pytest"}) == {"pytest": "8.4.2"}
    assert resolutions.answer(question, {"pytest", "tomli"}) is None  # not all asked before: ask uv
    assert resolutions.answer(("index", "/usr/bin/python3.13", ("pytest<9",)), {"pytest"}) is None
