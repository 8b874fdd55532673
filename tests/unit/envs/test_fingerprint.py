"""The record that decides whether an env is reused, updated or recreated."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from orch.envs import fingerprint
from orch.envs.fingerprint import Decision, Fingerprint, compare, file_hashes
from orch.envs.interpreter import Interpreter

BASE = Fingerprint(
    backend="virtualenv",
    python_path="/py/3.11/bin/python3.11",
    python_version="3.11.7",
    implementation="cpython",
    installer="uv",
    install_command="",
    deps=("pytest", "mock", "-r requirements.txt"),
    files={"requirements.txt": "aaa"},
    options={"creator": "virtualenv", "pip": "none"},
)


def changed(**fields: object) -> Fingerprint:
    return BASE._replace(**fields)


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(BASE, Decision("reuse"), id="same"),
        pytest.param(changed(deps=("mock", "pytest", "-r requirements.txt")), Decision("reuse"), id="reordered"),
        pytest.param(changed(deps=(*BASE.deps, "six")), Decision("add", "deps added (six)", ("six",)), id="appended"),
        pytest.param(
            changed(deps=("six", "pytest", "attrs", "mock", "-r requirements.txt")),
            Decision("add", "deps added (six, attrs)", ("six", "attrs")),
            id="inserted",
        ),
        pytest.param(
            changed(deps=(*BASE.deps, "-r dev.txt"), files={"requirements.txt": "aaa", "dev.txt": "bbb"}),
            Decision("add", "deps added (-r dev.txt)", ("-r dev.txt",)),
            id="added-requirements-file",
        ),
        pytest.param(
            changed(deps=(*BASE.deps, "-c constraints.txt")),
            Decision("recreate", "deps changed (added constraint: -c constraints.txt)"),
            id="added-constraint",
        ),
        pytest.param(
            changed(deps=("pytest", "-r requirements.txt")),
            Decision("recreate", "deps changed (removed: mock)"),
            id="removed",
        ),
        pytest.param(
            changed(deps=("pytest>=8", "mock", "-r requirements.txt")),
            Decision("recreate", "deps changed (removed: pytest)"),
            id="pinned",
        ),
        pytest.param(
            changed(python_version="3.12.1", python_path="/py/3.12/bin/python3.12"),
            Decision("recreate", "interpreter changed (3.11.7 -> 3.12.1)"),
            id="interpreter-version",
        ),
        pytest.param(
            changed(python_path="/usr/bin/python3.11"),
            Decision("recreate", "interpreter changed (/py/3.11/bin/python3.11 -> /usr/bin/python3.11)"),
            id="interpreter-path",
        ),
        pytest.param(
            changed(implementation="pypy"), Decision("recreate", "interpreter changed (cpython -> pypy)"), id="pypy"
        ),
        pytest.param(changed(installer="pip"), Decision("recreate", "installer changed (uv -> pip)"), id="installer"),
        pytest.param(
            changed(install_command="python -m pip install {packages}"),
            Decision("recreate", "install_command changed (none -> python -m pip install {packages})"),
            id="install-command",
        ),
        pytest.param(
            changed(options={"creator": "virtualenv", "pip": "seeded"}),
            Decision("recreate", "pip changed (none -> seeded)"),
            id="option",
        ),
        pytest.param(
            changed(files={"requirements.txt": "ccc"}),
            Decision("recreate", "requirements file requirements.txt changed"),
            id="requirements-file",
        ),
        pytest.param(
            changed(deps=(*BASE.deps, "six"), files={"requirements.txt": "ccc"}),
            Decision("recreate", "requirements file requirements.txt changed"),
            id="file-changed-and-dep-added",
        ),
        pytest.param(
            changed(backend="current"), Decision("recreate", "env type changed (virtualenv -> current)"), id="backend"
        ),
        pytest.param(
            changed(format=fingerprint.FORMAT + 1),
            Decision(
                "recreate",
                f"recorded by another orch version (format {fingerprint.FORMAT}, now {fingerprint.FORMAT + 1})",
            ),
            id="format",
        ),
    ],
)
def test_compare(new: Fingerprint, expected: Decision) -> None:
    assert compare(BASE, new) == expected


def test_compare_without_record() -> None:
    assert compare(None, BASE) == Decision("recreate", "no record of a finished setup")


def test_snapshot_hashes_requirements_files_and_their_includes(tmp_path: Path) -> None:
    (tmp_path / "reqs").mkdir()
    (tmp_path / "requirements.txt").write_text("six\n-r reqs/base.txt  # nested\n--constraint=reqs/pins.txt\n")
    (tmp_path / "reqs" / "base.txt").write_text("iniconfig\n-r ../requirements.txt\n-r https://example.org/r.txt\n")
    (tmp_path / "reqs" / "pins.txt").write_text("six==1.17.0\n")
    interpreter = Interpreter("/py/bin/python3.12", "cpython", (3, 12, 1), 64, "x86_64")
    deps = ("pytest", "-r requirements.txt", "-c missing.txt")

    def take() -> Fingerprint:
        return fingerprint.snapshot(
            backend="virtualenv", interpreter=interpreter, installer="uv", install_command="", deps=deps, root=tmp_path
        )

    before = take()
    assert before.python_version == "3.12.1"
    assert sorted(before.files) == ["missing.txt", "reqs/base.txt", "reqs/pins.txt", "requirements.txt"]
    assert before.files["missing.txt"] == fingerprint.MISSING
    assert compare(before, take()).kind == "reuse"

    (tmp_path / "reqs" / "pins.txt").write_text("six==1.16.0\n")
    assert compare(before, take()) == Decision("recreate", "requirements file reqs/pins.txt changed")


def test_file_hashes_ignore_plain_requirements(tmp_path: Path) -> None:
    assert file_hashes(("pytest", "-e .", "requests[socks]>=2"), tmp_path) == {}


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    fingerprint.write(tmp_path / "env", BASE)
    assert fingerprint.read(tmp_path / "env") == BASE
    assert [p.name for p in (tmp_path / "env").iterdir()] == [fingerprint.FILE_NAME]
    fingerprint.remove(tmp_path / "env")
    fingerprint.remove(tmp_path / "env")  # a missing record is fine
    assert fingerprint.read(tmp_path / "env") is None


@pytest.mark.parametrize("text", ["", "{", "[]", '{"backend": "virtualenv"}'])
def test_unreadable_record_is_no_record(tmp_path: Path, text: str) -> None:
    (tmp_path / fingerprint.FILE_NAME).write_text(text)
    assert fingerprint.read(tmp_path) is None


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint.write(tmp_path, BASE)

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        fingerprint.write(tmp_path, changed(installer="pip"))
    assert fingerprint.read(tmp_path) == BASE  # the old record is whole
    assert [p.name for p in tmp_path.iterdir()] == [fingerprint.FILE_NAME]  # no temporary file left


def test_lock_notes_when_another_holder_waits(tmp_path: Path) -> None:
    from filelock import FileLock

    notes: list[str] = []
    with fingerprint.locked(tmp_path / "py311", "py311", notes.append):
        assert (tmp_path / "py311.lock").exists()
    assert notes == []

    held, events = threading.Event(), []

    def other_orch() -> None:
        with FileLock(str(tmp_path / "py311.lock")):
            held.set()
            threading.Event().wait(0.3)
            events.append("released")

    thread = threading.Thread(target=other_orch)
    thread.start()
    held.wait()
    with fingerprint.locked(tmp_path / "py311", "py311", notes.append):
        events.append("acquired")
    thread.join()
    assert notes == ["waiting for another orch on py311"]
    assert events == ["released", "acquired"]


def test_a_url_password_never_reaches_the_record_yet_a_new_one_is_seen(tmp_path: Path) -> None:
    url = "pkg @ https://user:hunter22@example.org/pkg.whl"
    fingerprint.write(tmp_path / "env", changed(deps=(url,)))
    text = (tmp_path / "env" / fingerprint.FILE_NAME).read_text()
    assert "hunter22" not in text and "example.org" in text
    old = fingerprint.read(tmp_path / "env")
    assert compare(old, changed(deps=(url,))) == Decision("reuse")
    new_password = compare(old, changed(deps=(url.replace("hunter22", "hunter23"),)))
    assert new_password.kind == "recreate" and "hunter2" not in new_password.reason
    added = compare(old, changed(deps=(url, "six @ https://u:p4ssw0rd@example.org/six.whl")))
    assert added.added == ("six @ https://u:p4ssw0rd@example.org/six.whl",)  # installed with the real URL
    assert "p4ssw0rd" not in added.reason
