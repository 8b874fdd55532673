"""The generated projects the benchmarks run in, and the environment they run with (stdlib only).

* a temporary folder for a script's projects, kept with ``--keep`` (:func:`run_in_temp_dir`),
* writing a project's files (:func:`write_files`),
* an environment scrubbed of the user's tox/orch settings (:func:`scrubbed_env`).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from _tools import CACHE_DIR


def scrubbed_env(extra: Mapping[str, str] | None = None, *, work_dir: Path | None = None) -> dict[str, str]:
    """A copy of ``os.environ`` without ``TOX_*``/``ORCH_*`` settings and with user config switched off.

    ``TOX_USER_CONFIG_FILE`` points to a file that does not exist, so neither tox nor orch (which honours
    tox's variables) reads the developer's own defaults. *work_dir* is where that non-file is placed.
    ``PYTHONDONTWRITEBYTECODE`` is dropped: with it, an editable orch recompiles its sources on every
    run while tox, installed by pip with its bytecode, does not; a user's machine has bytecode for both.
    """
    dropped = ("TOX_", "ORCH_", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith(dropped)}
    missing = (work_dir or CACHE_DIR) / "no-such-user-config.ini"
    env["TOX_USER_CONFIG_FILE"] = str(missing)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra or {})
    return env


def write_files(project: Path, files: Mapping[str, str]) -> Path:
    """Write each of *files* (a ``/``-separated path in *project*: its text), folders included; return *project*."""
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return project


def run_in_temp_dir(
    run: Callable[[argparse.Namespace, Path], int], args: argparse.Namespace, *, prefix: str, what: str = "project"
) -> int:
    """Call ``run(args, root)`` in a temporary folder named *prefix*..., kept (and *what* printed) with ``--keep``."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr (errors) in order when piped
    if args.keep:
        root = Path(tempfile.mkdtemp(prefix=prefix))
        print(f"{what} kept in {root}")
        return run(args, root)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        return run(args, Path(tmp))
