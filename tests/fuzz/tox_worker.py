"""The tox side of the differential test: one process that asks tox 4 about many projects.

Run by :mod:`tests.fuzz.oracle` with the scrubbed environment, as a script (it imports nothing from
orch or the tests). It reads one JSON request per line on stdin, ``{"dir": PROJECT, "keys": [...]}``,
and answers each with one JSON line: what ``tox list --no-desc``, ``tox list -d --no-desc`` and
``tox config -e ALL --format json -k KEYS`` print in that folder, and their exit codes. Each command
runs in this process through ``tox.run.main``, with stdout and stderr captured, so a project costs a
few tens of milliseconds instead of a second per command.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Callable
from typing import Any


def _main(args: list[str], handler: Callable[[Any], int] | None) -> int:
    """``tox.run.main``, with ``handler`` in place of the sub-command's own when given."""
    from tox.provision import provision
    from tox.run import setup_state

    state = setup_state(args)
    if (result := provision(state)) is not False:
        return int(result)
    if handler is None:
        handler = state._options.cmd_handlers[state.conf.options.command]
    return handler(state)


def _tox(args: list[str], handler: Callable[[Any], int] | None = None) -> tuple[int, str, str]:
    from tox.report import HandledError

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = _main(args, handler)
        except HandledError as exc:
            print(f"HandledError| {exc}", file=sys.stderr)
            code = -2
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # tox crashed on this file: the whole file failed
            print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
            code = -3
    return code, out.getvalue(), err.getvalue()


def ask(folder: str, keys: list[str]) -> dict[str, object]:
    os.chdir(folder)
    common = ["--no-provision"]
    result: dict[str, object] = {"dir": folder}
    envs: dict[str, list[str]] = {}

    def names(state: Any) -> int:  # what tox.session.cmd.list_env.list_env prints, without the printing
        envs["default"] = list(state.envs.iter())
        envs["all"] = [*envs["default"], *(e for e in state.envs.iter(only_active=False) if e not in envs["default"])]
        return 0

    code, out, err = _tox(["list", "--no-desc", *common], handler=names)
    log = (out + err)[-2000:]
    result["list"] = {"exit": code, "envs": envs.get("all", []), "stderr": log}
    result["list_default"] = {"exit": code, "envs": envs.get("default", []), "stderr": log}
    code, out, err = _tox(["config", "-e", "ALL", "--hashseed", "notset", "--format", "json", "-k", *keys, *common])
    found = re.search(r"^\{$", out, re.MULTILINE)  # tox's log lines may come first
    try:
        parsed = json.loads(out[found.start() :]) if found else None
    except ValueError:
        parsed = None
    result["config"] = {"exit": code, "json": parsed, "stderr": (out + err)[-2000:]}
    return result


def main() -> None:
    import tox

    # answers go to a copy of the original stdout; anything else tox writes there lands on stderr
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    channel.write(json.dumps({"ready": tox.__version__, "python": sys.executable}) + "\n")
    channel.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = ask(request["dir"], request["keys"])
        except BaseException as exc:  # keep serving: one odd project must not end the batch
            answer = {"dir": request["dir"], "crash": f"{type(exc).__name__}: {exc}"}
        channel.write(json.dumps(answer) + "\n")
        channel.flush()


if __name__ == "__main__":
    main()
