"""The part of ``--result-json`` that follows tox 4's ``--result-json`` schema (tox's "journal").

Tools written for tox's file read orch's: every key tox writes is there, with tox's type::

    "reportversion": "1", "toxversion": "4.0.0+orch.0.1.0", "platform": "linux", "host": "ci-42",
    "testenvs": {
      "py312": {
        "python": {"implementation": "CPython", "version_info": [3, 12, 1, "final", 0],
                   "version": "3.12.1", "is_64": true, "sysplatform": "linux", "extra_version_info": null,
                   "free_threaded": false, "debug": false, "machine": "x86_64", "executable": "/usr/bin/python3.12"},
        "installpkg": {"basename": "demo-1.0-py3-none-any.whl", "type": "file", "sha256": "..."},
        "installed_packages": ["demo==1.0", "pytest==8.3.2"],      # as `pip freeze` writes them
        "result": {"success": false, "exit_code": 1, "duration": 3.2, "skipped": false},
        "test": [{"command": ["pytest"], "output": "...", "err": "", "retcode": 1, "elapsed": 2.0,
                  "show_on_standard": true, "run_id": "commands[0]", "start": 1738321201.7, "end": 1738321203.7}],
        "setup": [{"command": ["uv", "pip", "install", ...], "output": "...", ...}]
      }
    }

Where orch differs: ``toxversion`` is tox 4 with orch's version as local label; a command's
``output`` holds its stdout and stderr together (orch merges them), so ``err`` is ``""``; ``start``
and ``end`` are wall-clock seconds, not tox's monotonic clock; ``setup`` holds the installer
commands of ``setup.log`` (orch does not time each one: ``elapsed`` 0), ``[]`` when none ran (tox
always runs ``pip freeze``); ``installed_packages`` is read from the env's dist-info folders; the
package build env (tox's ``.pkg``) is not an entry. ``python`` and ``installpkg`` are left out, as
in tox, when the env got no interpreter or no package.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import socket
import sys
from collections.abc import Iterator, Mapping, Sequence
from importlib.metadata import Distribution, distributions
from pathlib import Path
from typing import TYPE_CHECKING

from orch import __version__
from orch.envs.site import site_packages
from orch.schedule.results import CommandResult, EnvResult, EnvStatus

if TYPE_CHECKING:
    from orch.config.model import EnvConfig
    from orch.envs.discovery import Discovery
    from orch.envs.interpreter import Interpreter

REPORT_VERSION = "1"
TOX_VERSION = f"4.0.0+orch.{__version__}"  # the tox schema, written by orch (PEP 440 local label)
_DESCRIBED = re.compile(r"^(?P<impl>\S+) (?P<version>\d+\.\d+\.\d+)(?P<ft>t?) \((?P<path>.+)\)$")


def journal(results: Sequence[EnvResult], configs: Mapping[str, EnvConfig]) -> dict[str, object]:
    """tox's top-level keys and ``testenvs`` for ``results``."""
    from orch.envs.discovery import Discovery

    discovery = Discovery()  # one for every env: its on-disk cache is read once
    return {
        "reportversion": REPORT_VERSION,
        "toxversion": TOX_VERSION,
        "platform": sys.platform,
        "host": _host(),
        "testenvs": {r.name: env_journal(r, configs.get(r.name), discovery) for r in results},
    }


def env_journal(result: EnvResult, config: EnvConfig | None, discovery: Discovery | None = None) -> dict[str, object]:
    """One env as tox's journal has it."""
    entry: dict[str, object] = {}
    python = python_info(result.interpreter, discovery)
    if python is not None:
        entry["python"] = python
    package = installpkg(result.package)
    if package is not None:
        entry["installpkg"] = package
    if python is not None or result.actions:
        env_dir = Path(config.env_dir) if config is not None and getattr(config, "env_dir", None) else None
        entry["installed_packages"] = installed_packages(env_dir) if env_dir else []
    entry["result"] = {
        "success": result.status in (EnvStatus.OK, EnvStatus.SKIPPED),
        "exit_code": exit_code(result),
        "duration": result.duration,
        "skipped": result.status is EnvStatus.SKIPPED,
        **({"cached": True} if result.cached else {}),  # orch's result cache: no command ran
    }
    tests = [_test(result, command) for command in result.commands]
    setup = setup_commands(result)
    if python is not None or tests or setup:  # tox always has both once the env is set up (pip freeze)
        entry["test"], entry["setup"] = tests, setup
    return entry


def exit_code(result: EnvResult) -> int:
    """tox's code for the env: 0 when it passed or was skipped, else the failing command's code (1 when
    no command failed: setup, a missing interpreter, a configuration error)."""
    if result.status in (EnvStatus.OK, EnvStatus.SKIPPED):
        return 0
    for command in result.commands:
        if not command.ok and not command.ignored and command.exit_code:
            return command.exit_code
    return 1


def python_info(described: str, discovery: Discovery | None = None) -> dict[str, object] | None:
    """tox's ``python`` entry from :meth:`Interpreter.describe` (``CPython 3.12.1 (/usr/bin/python3.12)``)."""
    match = _DESCRIBED.match(described)
    if match is None:
        return None
    major, minor, micro = (int(part) for part in match["version"].split("."))
    path = match["path"]
    facts = _facts(path, discovery)
    return {
        "implementation": match["impl"],
        "version_info": [major, minor, micro, "final", 0],
        "version": match["version"],
        "is_64": facts.architecture == 64 if facts else sys.maxsize > 2**32,
        "sysplatform": sys.platform,
        "extra_version_info": None,
        "free_threaded": bool(match["ft"]),
        "debug": False,
        "machine": facts.machine if facts else "",
        "executable": path,
    }


def _facts(path: str, discovery: Discovery | None) -> Interpreter | None:
    """What discovery knows of the interpreter at ``path`` (from its on-disk cache, else one probe)."""
    from orch.envs.discovery import Discovery

    with contextlib.suppress(Exception):
        return (discovery or Discovery()).find([path])
    return None


def installpkg(package: Mapping[str, object]) -> dict[str, object] | None:
    """tox's ``installpkg``: the installed artifact, from the package provenance."""
    artifact = package.get("artifact") if package else None
    if not artifact:
        return None
    entry: dict[str, object] = {"basename": Path(str(artifact)).name, "type": "file"}
    if package.get("sha256"):
        entry["sha256"] = str(package["sha256"])
    return entry


def installed_packages(env_dir: Path) -> list[str]:
    """What is installed in the env, as ``pip freeze --all`` lists it (read from the dist-info
    folders: no process is started)."""
    dirs = site_packages(env_dir)
    if not dirs:
        return []
    lines: dict[str, str] = {}
    for dist in distributions(path=[str(d) for d in dirs]):
        name = dist.metadata["Name"] if dist.metadata else None
        if name and name.lower() not in lines:
            lines[name.lower()] = _freeze_line(dist, name)
    return [lines[key] for key in sorted(lines)]


def _freeze_line(dist: Distribution, name: str) -> str:
    with contextlib.suppress(OSError, ValueError, TypeError):
        direct = json.loads(dist.read_text("direct_url.json") or "null")
        if isinstance(direct, dict) and isinstance(direct.get("url"), str):
            if (direct.get("dir_info") or {}).get("editable"):
                return f"-e {direct['url']}"
            return f"{name} @ {direct['url']}"
    return f"{name}=={dist.version}"


def _test(result: EnvResult, command: CommandResult) -> dict[str, object]:
    return {
        "command": _argv(command.command_line),
        "output": _output(result, command),
        "err": "",
        "retcode": command.exit_code,
        "elapsed": command.duration,
        "show_on_standard": True,
        "run_id": f"{command.phase}[{command.index}]",
        "start": command.started,
        "end": command.started + command.duration if command.started else 0.0,
    }


def _argv(shell: str) -> list[str]:
    text = shell[2:] if shell.startswith("! ") else shell
    try:
        return shlex.split(text)
    except ValueError:
        return [text]


def _output(result: EnvResult, command: CommandResult) -> str:
    """What the command printed: its bytes of this run's ``commands.log``."""
    if command.output is None or not result.log_dir:
        return ""
    start, end = command.output
    try:
        with (Path(result.log_dir) / "commands.log").open("rb") as handle:
            handle.seek(start)
            data = handle.read(max(end - start, 0))
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")


def setup_commands(result: EnvResult) -> list[dict[str, object]]:
    """The installer commands of this run's ``setup.log`` (none when setup started no installer)."""
    failed_in_setup = result.status.fails_run and not result.commands
    if not result.log_dir or not (result.installer_runs or failed_in_setup):
        return []
    try:
        text = (Path(result.log_dir) / "setup.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    steps = list(_steps(text))
    return [
        {
            "command": _argv(command),
            "output": output,
            "err": "",
            "retcode": 1 if failed_in_setup and index == len(steps) - 1 else 0,
            "elapsed": 0.0,
            "show_on_standard": False,
            "run_id": f"setup[{index}]",
            "start": 0.0,
            "end": 0.0,
        }
        for index, (command, output) in enumerate(steps)
    ]


def _steps(text: str) -> Iterator[tuple[str, str]]:
    """``(command, output)`` pairs of a setup log: each command is a ``$ `` line."""
    command: str | None = None
    output: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("$ "):
            if command is not None:
                yield command, "".join(output)
            command, output = line[2:].rstrip("\n"), []
        elif command is not None:
            output.append(line)
    if command is not None:
        yield command, "".join(output)


def _host() -> str:
    """The machine's name (tox's ``host``; ``gethostname``: no DNS lookup that could hang)."""
    try:
        return socket.gethostname()
    except OSError:
        return ""
