"""The masker: which variables hold secrets, what text loses them, and the masked output of a real process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orch.execute import Request, Status
from orch.execute.masking import (
    MASK,
    Masker,
    current,
    execute_masked,
    forget,
    is_secret_name,
    last_lines,
    remember,
    secret_values,
    url_secrets,
)

TOKEN = "ghp_0123456789abcdef"


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    forget()
    yield
    forget()


@pytest.mark.parametrize(
    "name",
    ["GITHUB_TOKEN", "api_token", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "PGPASSWD", "DB_PWD", "API_KEY",
     "NPM_AUTH", "HTTP_AUTHORIZATION", "AUTH_HEADER", "GOOGLE_CREDENTIALS", "SSH_PRIVATE", "SESSION_COOKIE"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["PATH", "HOME", "PWD", "OLDPWD", "AUTHOR", "PIP_KEYRING_PROVIDER", "UV_KEYRING_PROVIDER", "XKBKEYMAP"]
)
def test_names_that_hold_no_secret(name: str) -> None:
    assert not is_secret_name(name)


def test_values_of_secret_variables_long_enough_and_not_a_folder(tmp_path: Path) -> None:
    environ = {"GITHUB_TOKEN": TOKEN, "USE_KEY": "1", "KEY_DIR": str(tmp_path), "HOME": "/home/someone-long"}
    assert secret_values(environ) == {TOKEN}


def test_url_passwords_in_any_variable_are_secrets() -> None:
    assert secret_values({"PIP_INDEX_URL": "https://ci:hunter22@pypi.example/simple"}) == {"hunter22", "ci:hunter22"}
    assert url_secrets(f"git+https://{TOKEN}@github.com/o/r") == {TOKEN}
    assert url_secrets("ssh://git@github.com/o/r") == set()  # too short to mask elsewhere


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"pytest --token={TOKEN} -x", f"pytest --token={MASK} -x"),
        (f"echo {TOKEN}!", f"echo {MASK}!"),
        ("pip --index-url https://ci:pw@host/simple x", f"pip --index-url https://{MASK}@host/simple x"),
        ("['--api-key=zzz', 'x']", f"['--api-key={MASK}', 'x']"),
        ("--password=abc def --keep=1", f"--password={MASK} def --keep=1"),
        ("mail me@example.org, see http://host/a@b", "mail me@example.org, see http://host/a@b"),
        (f"https://user:{TOKEN}@host", f"https://{MASK}@host"),
    ],
)  # fmt: skip
def test_mask_text_and_bytes(text: str, shown: str) -> None:
    masker = Masker({TOKEN})
    assert masker.mask(text) == shown
    assert masker.mask_bytes(text.encode()) == shown.encode()


def test_a_longer_value_is_masked_whole_before_a_shorter_one_inside_it() -> None:
    assert Masker({"abcdef", "abcdef-ghijkl"}).mask("x abcdef-ghijkl y abcdef") == f"x {MASK} y {MASK}"


def test_mask_data_masks_values_not_keys() -> None:
    data = {TOKEN: [TOKEN, ("a", 1)], "n": None, "x": 2.5}
    assert Masker({TOKEN}).mask_data(data) == {TOKEN: [MASK, ["a", 1]], "n": None, "x": 2.5}


def test_current_knows_the_process_environment_and_what_envs_brought(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET", "from-the-caller")
    assert current().mask("from-the-caller") == MASK
    assert current().mask("from-an-env") == "from-an-env"
    remember(Masker.from_environ({"API_TOKEN": "from-an-env"}))
    assert current().mask("from-an-env from-the-caller") == f"{MASK} {MASK}"


def test_last_lines() -> None:
    assert last_lines("a\n\nb\r\nc  \n\n", count=2) == ["b", "c"]
    assert last_lines("x" * 10, width=6) == ["xxx..."]


def test_execute_masked_masks_the_log_the_sink_and_the_tail_but_the_process_sees_the_secret(tmp_path: Path) -> None:
    log, seen = tmp_path / "log" / "out.log", []
    code = "import os, sys; print(os.environ['API_TOKEN'], sys.argv[1]); print('https://u:pw@h/x')"
    request = Request(
        (sys.executable, "-c", code, f"--token={TOKEN}"), tmp_path, {"API_TOKEN": TOKEN}, log=log, on_output=seen.append
    )
    outcome = execute_masked(request, Masker({TOKEN}))
    assert outcome.ok
    expected = f"{MASK} --token={MASK}\nhttps://{MASK}@h/x\n"
    assert log.read_text() == expected
    assert b"".join(seen).decode() == expected
    assert outcome.text == expected
    assert outcome.request is request  # what ran is what was asked


def test_execute_masked_masks_urls_and_options_with_no_secret_known(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    code = "print('https://u:pw12345@h/x --token=abcdefgh')"
    assert execute_masked(Request((sys.executable, "-c", code), tmp_path, {}, log=log), Masker()).ok
    assert log.read_text() == f"https://{MASK}@h/x --token={MASK}\n"


def test_execute_masked_writes_why_a_program_cannot_run(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    outcome = execute_masked(Request((str(tmp_path / f"no-{TOKEN}"),), tmp_path, {}, log=log), Masker({TOKEN}))
    assert outcome.status is Status.NOT_FOUND
    assert TOKEN not in log.read_text() and MASK in log.read_text()
