"""Read one generated project with tox 4 and with orch, normalise both, and compare key by key.

tox runs in a long-lived worker process (:mod:`tests.fuzz.tox_worker`) started with the scrubbed
environment of the compat corpus (shared/compat/README.md): only ``PATH``, ``HOME``, ``LANG`` and a
``TOX_USER_CONFIG_FILE`` that does not exist. orch reads the same folder in this process with the
same environment. Both sides are normalised the corpus' way: the project folder becomes
``{toxinidir}`` (orch's ``.tox/.orch`` becomes ``.tox``), the interpreter ``{tox_python}``, HOME
``{env:HOME}``; set_env drops the keys tox adds itself, pass_env drops tox's built-in defaults; a
value that raised becomes ``# Exception``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from orch.config.load import load_config
from orch.config.types import Command
from orch.errors import OrchError
from orch.plugin.manager import Plugins, load_plugins

KEYS = (
    "deps",
    "commands",
    "commands_pre",
    "commands_post",
    "base_python",
    "description",
    "skip_install",
    "extras",
    "allowlist_externals",
    "labels",
    "depends",
    "package",
    "change_dir",
    "ignore_outcome",
    "ignore_errors",
    "set_env",
    "pass_env",
)
# Keys tox puts into set_env itself (the generated files never write them), and its pass_env defaults.
TOX_SET_ENV = frozenset(
    {
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "PIP_USER",
        "PYTHONHASHSEED",
        "PYTHONIOENCODING",
        "TOX_ENV_DIR",
        "TOX_ENV_NAME",
        "TOX_WORK_DIR",
        "VIRTUAL_ENV",
    }
)
TOX_PASS_ENV = frozenset(
    [
        "CC",
        "CCSHARED",
        "CFLAGS",
        "CPPFLAGS",
        "CURL_CA_BUNDLE",
        "CXX",
        "FORCE_COLOR",
        "HOME",
        "LANG",
        "LANGUAGE",
        "LDFLAGS",
        "LD_LIBRARY_PATH",
        "NETRC",
        "NIX_LD",
        "NIX_LD_LIBRARY_PATH",
        "NO_COLOR",
        "PIP_*",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_SYSROOT_DIR",
        "PYTHON_GIL",
        "REQUESTS_CA_BUNDLE",
        "SSH_AGENT_PID",
        "SSH_AUTH_SOCK",
        "SSL_CERT_FILE",
        "TMPDIR",
        "VIRTUALENV_*",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ]
)
SET_KEYS = frozenset({"extras", "labels"})
EXCEPTION = "# Exception"
WORKER = Path(__file__).with_name("tox_worker.py")


def tox_python() -> str:
    """The interpreter that has tox: ``TOX_PYTHON``, else this one (tox is in the test extras)."""
    return os.environ.get("ORCH_FUZZ_TOX_PYTHON", sys.executable)


@dataclass
class Divergence:
    kind: str  # what differs, for grouping: "deps", "env list (default)", "whole file: ..."
    env: str
    key: str
    tox: Any
    orch: Any


@dataclass
class Outcome:
    """One generated project compared."""

    files: dict[str, str]
    tox_reads: bool = True
    orch_reads: bool = True
    keys: int = 0  # (env, key) pairs compared, plus the two env lists
    same: int = 0
    divergences: list[Divergence] = field(default_factory=list)

    @property
    def whole_file_failure(self) -> bool:
        return self.tox_reads != self.orch_reads

    @property
    def agrees(self) -> bool:
        return not self.divergences


class ToxWorker:
    """A tox process that answers for one project folder at a time."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.home = work / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.environ = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "TOX_USER_CONFIG_FILE": str(work / "no-such-user-config.ini"),
        }
        self.proc = subprocess.Popen(
            [tox_python(), str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self.environ,
            cwd=work,
        )
        hello = json.loads(self._line())
        self.version, self.python = hello["ready"], hello["python"]

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the tox worker ({tox_python()} {WORKER}) ended: exit {self.proc.poll()}")
        return line

    def ask(self, folder: Path) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"dir": str(folder), "keys": list(KEYS)}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self._line())  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@lru_cache(maxsize=1)
def _plugins() -> Plugins:
    return load_plugins(entry_points=False)


def _native(value: object) -> Any:
    """orch's typed value in the shape of tox's ``--format json`` output."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Command):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _native(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_native(v) for v in value]
    return str(value)


class Normaliser:
    def __init__(self, root: Path, home: Path, pythons: list[str]) -> None:
        self.root, self.home, self.pythons = str(root), str(home), pythons

    def text(self, text: str) -> str:
        text = text.replace(f"{self.root}/.tox/.orch", f"{self.root}/.tox").replace(self.root, "{toxinidir}")
        for python in self.pythons:
            text = text.replace(python, "{tox_python}")
        return text.replace(self.home, "{env:HOME}")

    def value(self, key: str, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"error"}:
            return EXCEPTION  # tox's value error
        if key == "set_env" and isinstance(value, dict):
            return sorted(f"{k}={self.text(str(v))}" for k, v in value.items() if k not in TOX_SET_ENV)
        if key == "pass_env" and isinstance(value, list):
            return sorted(set(value) - TOX_PASS_ENV)
        if key in SET_KEYS and isinstance(value, list):
            return sorted({self.text(str(v)) for v in value})  # sets in tox: order means nothing
        if isinstance(value, bool):
            return value
        if isinstance(value, list):
            return [self.text(str(v)) for v in value]
        return self.text(str(value))


class Differ:
    """Writes projects into a work folder and compares tox's and orch's reading of each."""

    def __init__(self, work: Path | None = None) -> None:
        self._tmp = None if work is not None else tempfile.TemporaryDirectory(prefix="orch-fuzz-")
        self.work = (work if work is not None else Path(self._tmp.name)).resolve()  # type: ignore[union-attr]
        self.tox = ToxWorker(self.work)
        self.count = 0

    def close(self) -> None:
        self.tox.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Differ:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def compare(self, files: Mapping[str, str]) -> Outcome:
        self.count += 1
        root = self.work / "proj" / f"p{self.count % 8}"
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        try:
            return self._compare(root, dict(files))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def _compare(self, root: Path, files: dict[str, str]) -> Outcome:
        answer = self.tox.ask(root)
        outcome = Outcome(files)
        norm = Normaliser(root, self.tox.home, sorted({self.tox.python, sys.executable}, key=len, reverse=True))
        if "crash" in answer:
            raise RuntimeError(f"tox worker failed on {files}: {answer['crash']}")
        tox_lists = answer["list"], answer["list_default"]
        outcome.tox_reads = all(item["exit"] == 0 for item in tox_lists)
        try:
            config = load_config(
                registry=_plugins().settings,
                type_factors=_plugins().env_types.type_factors(),
                builders=_plugins().builders.names(),
                cwd=root,
                environ=self.tox.environ,
                is_tty=lambda: False,
            )
            names = config.names
        except OrchError as exc:
            outcome.orch_reads = False
            orch_error = str(exc)
        if not outcome.tox_reads or not outcome.orch_reads:
            if outcome.tox_reads:
                outcome.divergences.append(
                    Divergence("whole file: orch fails where tox reads", "", "", "reads", orch_error)
                )
            elif outcome.orch_reads:
                error = answer["list"]["stderr"].strip().splitlines()[-1:]
                outcome.divergences.append(
                    Divergence(
                        "whole file: orch reads what tox rejects", "", "", error[0] if error else "fails", "reads"
                    )
                )
            return outcome
        if answer["config"]["json"] is None:
            tail = answer["config"]["stderr"].strip()[-300:]
            outcome.divergences.append(Divergence("oracle: tox config printed no JSON", "", "", tail, ""))
            return outcome
        default = answer["list_default"]["envs"]
        additional = [env for env in answer["list"]["envs"] if env not in default]
        for kind, want, got in (
            ("env list (default)", default, list(names.default)),
            ("env list (additional)", additional, list(names.additional)),
        ):
            outcome.keys += 1
            if want == got:
                outcome.same += 1
            else:
                outcome.divergences.append(Divergence(kind, "", "", want, got))
        for env, values in answer["config"]["json"]["env"].items():
            if env.startswith("."):
                continue  # package envs are tox-internal
            for key in KEYS:
                if key not in values:
                    continue
                want = norm.value(key, values[key])
                shown_want = f"{EXCEPTION}: {values[key]['error']}" if want == EXCEPTION else want
                try:
                    got = shown_got = norm.value(key, _native(config.resolver.env(env, key)))
                except OrchError as exc:
                    got, shown_got = EXCEPTION, f"{EXCEPTION}: {exc}"
                outcome.keys += 1
                if got == want:
                    outcome.same += 1
                else:
                    kind = key if EXCEPTION not in (got, want) else f"{key}: error on one side only"
                    outcome.divergences.append(Divergence(kind, env, key, shown_want, shown_got))
        return outcome
