"""No secret in anything orch shows or writes (issue 12, §4), and a failed install says why (§7).

The real CLI runs envs holding secrets the ways a user passes them: a token passed from the caller
(``pass_env``) and given as ``--token={env:GITHUB_TOKEN}``, a ``set_env`` secret, a password in a
secret option, and a password in a deps URL. The commands print them all. Then stdout, stderr,
every file of the project (``.tox/.orch`` included) and the ``--result-json`` and ``--junit`` reports
are searched for each secret: none may hold one, and the masked forms must be there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orch_project import MakeProject, Outcome

pytestmark = pytest.mark.integration

GITHUB_TOKEN = "ghp_probeToken0123456789abcdef"
SET_ENV_SECRET = "set-env-secret-0f9e8d7c"
OPTION_SECRET = "literal-option-pw-4242"
URL_PASSWORD = "url-password-5151xyz"
SECRETS = (GITHUB_TOKEN, SET_ENV_SECRET, OPTION_SECRET, URL_PASSWORD)

PRINT = (
    "python -c \"import os, sys; print(sys.argv[1:]); print(os.environ.get('GITHUB_TOKEN'), os.environ['API_TOKEN'])\""
)
INI = f"""
[tox]
env_list = leak, broken
[testenv]
skip_install = true
pass_env = GITHUB_TOKEN
set_env =
    API_TOKEN = {SET_ENV_SECRET}
    PIP_INDEX_URL = https://ci:{URL_PASSWORD}@127.0.0.1:9/simple
    UV_OFFLINE = 1
[testenv:leak]
commands =
    {PRINT} --token={{env:GITHUB_TOKEN}} {{env:API_TOKEN}}
    {PRINT} --password={OPTION_SECRET} https://ci:{URL_PASSWORD}@example.invalid/x
    python -c "import sys; sys.exit(3)" {{env:API_TOKEN}}
[testenv:broken]
deps =
    --index-url=https://ci:{URL_PASSWORD}@127.0.0.1:9/simple
    orch-no-such-package-anywhere
"""


#: a sequential run (output streamed), a parallel one (output blocks from the logs), a live parallel one
MODES = {"sequential": (), "parallel": ("-p", "2"), "live": ("-p", "2", "-o")}


@pytest.fixture(params=list(MODES))
def run(request: pytest.FixtureRequest, project: MakeProject, tmp_path: Path) -> Outcome:
    proj = project({"tox.ini": INI}, at="project", env={"GITHUB_TOKEN": GITHUB_TOKEN})
    reports = tmp_path / "reports"
    argv = [
        "run",
        *MODES[request.param],
        "--result-json",
        str(reports / "result.json"),
        "--junit",
        str(reports / "junit.xml"),
    ]
    return proj.run(*argv)


def outputs(tmp_path: Path, run: Outcome) -> dict[str, bytes]:
    """Everything the run showed or wrote: its streams, the project's files but its tox.ini, the reports."""
    found = {"<stdout>": run.out.encode(), "<stderr>": run.err.encode()}
    for folder, _dirs, files in os.walk(tmp_path):
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink() and path != tmp_path / "project" / "tox.ini":
                found[str(path.relative_to(tmp_path))] = path.read_bytes()
    return found


def test_no_output_of_a_run_holds_a_secret(tmp_path: Path, run: Outcome) -> None:
    assert run.code == 1, run.out + run.err
    written = outputs(tmp_path, run)
    assert {"reports/result.json", "reports/junit.xml", "project/.tox/.orch/last-run.json"} <= set(written)
    assert any(name.endswith("leak/log/commands.log") for name in written)
    assert any(name.endswith("broken/log/setup.log") for name in written)

    leaks = [(name, secret) for name, data in written.items() for secret in SECRETS if secret.encode() in data]
    assert leaks == [], "\n".join(f"{secret} in {name}" for name, secret in leaks)

    shown = run.out
    assert "--token=***" in shown  # the command echo
    assert "--password=***" in shown
    assert "https://***@example.invalid/x" in shown
    assert "*** ***" in shown  # the command's own output: both env values masked
    document = json.loads(written["reports/result.json"])
    assert "--token=***" in document["envs"]["leak"]["commands"][0]["command"]
    assert "https://***@127.0.0.1:9/simple" in " ".join(document["envs"]["broken"]["settings"]["deps"])
    setup_log = next(data for name, data in written.items() if name.endswith("broken/log/setup.log"))
    assert b"--index-url=https://***@127.0.0.1:9/simple" in setup_log


def test_a_failed_install_names_its_env_once_and_shows_the_installer_error(tmp_path: Path, run: Outcome) -> None:
    assert "broken: broken:" not in run.out
    record = json.loads((tmp_path / "project" / ".tox" / ".orch" / "last-run.json").read_text())
    message = record["envs"]["broken"]["message"]
    first, *tail = message.splitlines()
    assert first.startswith("installing deps failed (exit"), message
    assert tail and all(line.startswith("  | ") for line in tail), message
    assert any("orch-no-such-package-anywhere" in line for line in tail), message
    # the console shows the installer's last lines under the env's result line, masked
    assert f"broken: {tail[-1]}" in run.out.splitlines()
    assert not any(secret in message for secret in SECRETS)


def test_config_shows_resolved_values_unmasked_as_tox_config_does(project: MakeProject) -> None:
    """``tox config`` (4.x) prints ``--token={env:GITHUB_TOKEN}`` with the caller's token in it; ``orch config``
    does the same: it writes nothing, and it shows the value asked for (the rule in reliability.md, Secrets)."""
    ini = "[testenv]\nskip_install = true\npass_env = GITHUB_TOKEN\ncommands = python -c 1 --token={env:GITHUB_TOKEN}\n"
    proj = project({"tox.ini": ini}, env={"GITHUB_TOKEN": GITHUB_TOKEN})
    shown = {}
    for tool in ("orch", "tox"):
        result = proj.run("config", "-e", "py", "-k", "commands", tool=tool, timeout=120)
        assert result.code == 0, result.err
        shown[tool] = next(line for line in result.out.splitlines() if line.startswith("commands"))
    assert shown["orch"] == shown["tox"] == f"commands = python -c 1 --token={GITHUB_TOKEN}"
    assert not list(proj.path.rglob("*.json")), "orch config wrote a file"
