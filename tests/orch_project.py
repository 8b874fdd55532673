"""The ``project`` fixture: a project written from a dict of files, and orch run there as a user runs it.

In the spirit of tox's own pytest plugin (``tox_project({...}).run("r", "-e", "py")``)::

    def test_env_runs(project) -> None:
        proj = project({"tox.ini": "[tox]\\nenv_list = a\\n[testenv:a]\\nenv_type = current\\ncommands = python -V\\n"})
        result = proj.run("run", "-e", "a").assert_success()
        assert "a: ok" in result.out
        assert proj.record()["envs"]["a"]["status"] == "ok"

``run`` starts the real CLI in a subprocess (``python -m orch``); ``run_inprocess`` calls
``orch.cli.main.main`` in this process (fast, for tests of the CLI that start no env); ``start`` gives
the ``Popen`` of a run that a test signals or overlaps with another. Every run sees the caller's
environment without orch's and tox's settings and without GitHub Actions' (``DROPPED``), and an
orch cache (``ORCH_CACHE_DIR``) shared by the test session unless the project names its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).resolve().parent / "packages"
DROPPED = ("ORCH_", "TOX", "GITHUB_")
"""Prefixes of the caller's variables no run sees: they would change what orch selects, reads or writes."""


def hatchling_pyproject(project_lines: str = "") -> str:
    """The pyproject.toml of the ``demo-pkg`` test package (``src/demo_pkg``, built with hatchling);
    ``project_lines`` go into its ``[project]`` table (``requires-python``, ``dependencies``...)."""
    extra = f"{project_lines.strip()}\n" if project_lines.strip() else ""
    return (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "demo-pkg"\nversion = "1.0"\n{extra}\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["src/demo_pkg"]\n'
    )


def scrubbed_environ(unset: Iterable[str] = (), **extra: str) -> dict[str, str]:
    """This process's environment (certificates, proxies...) but ``DROPPED`` and ``unset`` prefixes, and ``extra``."""
    dropped = (*DROPPED, *unset)
    return {**{k: v for k, v in os.environ.items() if not k.startswith(dropped)}, **extra}


@dataclass(frozen=True)
class Outcome:
    """What a run of orch returned: its exit code, stdout and stderr."""

    code: int
    out: str
    err: str

    def assert_success(self) -> Outcome:
        assert self.code == 0, self.out + self.err
        return self

    def assert_error(self, *parts: str) -> Outcome:
        """A clean failure: non-zero, no traceback, and a first ``error:`` line holding each part."""
        assert self.code != 0, self
        assert "Traceback" not in self.err, self.err
        errors = [line for line in self.err.splitlines() if line.startswith("error:")]
        assert errors, self.err
        for part in parts:
            assert part in errors[0], errors[0]
        return self

    def assert_refused(self, *words: str) -> Outcome:
        """A failure said in one line of either stream, ``error:`` or not (an env's ``failed``), without a traceback."""
        shown = self.out + "\n" + self.err
        assert self.code != 0, shown
        assert "Traceback" not in shown, shown
        assert any(all(word in line for word in words) for line in shown.splitlines()), (
            f"no line with {words}:\n{shown}"
        )
        return self


class Project:
    """A project folder and the ways to run orch in it."""

    def __init__(
        self,
        path: Path,
        cache: Path,
        *,
        unset: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        options: Sequence[str] = (),
        capsys: Callable[[], pytest.CaptureFixture[str]] | None = None,
    ) -> None:
        self.path, self.cache = path, cache
        self.unset, self.env, self.options = tuple(unset), dict(env or {}), tuple(options)
        self._capsys = capsys
        path.mkdir(parents=True, exist_ok=True)

    def write(self, files: Mapping[str, str]) -> Project:
        """Write ``files`` (a relative path and its text, dedented) below the project."""
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text), encoding="utf-8")
        return self

    def environ(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a run: scrubbed, this project's cache and variables, then ``env``."""
        return scrubbed_environ(self.unset, ORCH_CACHE_DIR=str(self.cache), **self.env, **(env or {}))

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300, tool: str = "orch"
    ) -> Outcome:
        """``orch OPTIONS ARGS`` in a subprocess, in the project's folder (``tool="tox"``: tox, for a comparison)."""
        done = subprocess.run(
            [sys.executable, "-m", tool, *self.options, *args],
            cwd=self.path,
            env=self.environ(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)

    def start(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        new_session: bool = False,
        output: int = subprocess.PIPE,
    ) -> subprocess.Popen[str]:
        """``orch OPTIONS ARGS`` started, not waited for: stdout and stderr together in ``stdout``
        (or both in ``output``, e.g. ``subprocess.DEVNULL`` for a run whose output a test does not read).

        The caller ends it (``communicate``); a test that may fail before then kills it afterwards."""
        return subprocess.Popen(
            [sys.executable, "-m", "orch", *self.options, *args],
            cwd=self.path,
            env=self.environ(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=new_session,
        )

    def run_inprocess(self, *args: str) -> Outcome:
        """``orch OPTIONS ARGS`` through ``orch.cli.main.main`` in this process.

        The current folder and the environment are the ones the project fixture set when it made the
        project; a test may change them (``monkeypatch.chdir``, ``monkeypatch.setenv``) after that."""
        if self._capsys is None:
            raise RuntimeError("run_inprocess needs a project made by the project fixture")
        from orch.cli.main import main

        capsys = self._capsys()  # captures from its first request on
        code = main([*self.options, *args])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    def record(self) -> dict[str, Any]:
        """The last run's record (``.tox/.orch/last-run.json``)."""
        document: dict[str, Any] = json.loads((self.path / ".tox" / ".orch" / "last-run.json").read_text("utf-8"))
        return document


MakeProject = Callable[..., Project]


@pytest.fixture(scope="session")
def orch_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The orch cache (build envs, interpreter facts...) every project of the session shares by default."""
    return tmp_path_factory.mktemp("orch-cache")


@pytest.fixture
def project(
    request: pytest.FixtureRequest, tmp_path: Path, orch_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> MakeProject:
    """``project(files, *, sample=None, at="", cache=None, unset=(), env=None, options=())``: a :class:`Project`.

    - ``files``: relative path -> text (dedented), written last;
    - ``sample``: a folder of ``tests/packages`` (a name) or any folder (a ``Path``, e.g. an example) copied
      in first, without its ``.tox`` and build leftovers;
    - ``at``: the project's folder below the test's ``tmp_path`` (``tmp_path`` itself by default);
    - ``cache``: an orch cache of the project's own (the session's shared one by default);
    - ``unset``: more variable prefixes the runs do not see; ``env``: variables every run sees;
    - ``options``: arguments every run of orch starts with (``-x`` overrides every test of a module needs).

    Making a project also scrubs this process's environment and makes the project's folder the
    current one (until the test ends), so that ``run_inprocess`` sees what ``run`` does.
    """

    def make(
        files: Mapping[str, str] | None = None,
        *,
        sample: str | Path | None = None,
        at: str = "",
        cache: Path | None = None,
        unset: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        options: Sequence[str] = (),
    ) -> Project:
        made = Project(
            tmp_path / at,
            cache or orch_cache,
            unset=unset,
            env=env,
            options=options,
            capsys=lambda: request.getfixturevalue("capsys"),
        )
        if sample is not None:
            source = sample if isinstance(sample, Path) else SAMPLES / sample
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".tox")
            shutil.copytree(source, made.path, ignore=ignore, dirs_exist_ok=True)
        for name in os.environ.copy():
            if name.startswith((*DROPPED, *made.unset)):
                monkeypatch.delenv(name)
        monkeypatch.setenv("ORCH_CACHE_DIR", str(made.cache))
        for name, value in made.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(made.path)
        return made.write(files or {})

    return make
