"""``orch run --cached`` as a user runs it: the real CLI, real interpreters, real envs, real git clones.

Whether an env's commands ran is read from a file they append to (``MARKS``), never from timing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
MINORS = [m for m in ("3.12", "3.11", "3.13", "3.10", "3.9") if any(PYENV.glob(f"{m}.*/bin/python{m}"))]
needs_two = pytest.mark.skipif(len(MINORS) < 2 or shutil.which("git") is None, reason="needs git and two CPythons")
ENVS = [f"py{m.replace('.', '')}" for m in MINORS[:2]]

TOX_INI = f"""
[tox]
env_list = {", ".join(ENVS)}
[testenv]
skip_install = true
pass_env = MARKS, TOKEN
set_env = MODE = fast
commands = python check.py {{posargs}}
"""
CHECK = """
import os, pathlib, sys
with open(os.environ["MARKS"], "a") as marks:
    marks.write(os.environ["ORCH_ENV_NAME"] + "\\n")
print("checked", sys.argv[1:])
sys.exit(1 if "FAIL" in pathlib.Path("src/mod.py").read_text() else 0)
"""
FILES = {"tox.ini": TOX_INI, "check.py": CHECK, "src/mod.py": "X = 1\n", "docs/index.md": "# docs\n"}
PYPROJECT = """
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"
[project]
name = "mod"
version = "1.0"
readme = "README.md"
[tool.setuptools]
py-modules = ["mod"]
package-dir = {"" = "src"}
"""


@dataclass
class Run:
    code: int
    out: str
    ran: list[str]  # the envs whose commands ran in this call
    record: dict[str, dict[str, object]]


class Project:
    def __init__(self, root: Path, cache: Path, marks: Path) -> None:
        self.root, self.cache, self.marks = root, cache, marks

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def run(self, *args: str, extra_env: dict[str, str] | None = None) -> Run:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "TOX", "GITHUB_"))}
        env.update({"ORCH_CACHE_DIR": str(self.cache), "MARKS": str(self.marks), "TOKEN": "t1", **(extra_env or {})})
        before = self.marks.read_text().split() if self.marks.exists() else []
        proc = subprocess.run(
            [sys.executable, "-m", "orch", *args], cwd=self.root, env=env, capture_output=True, text=True, timeout=300
        )
        after = self.marks.read_text().split() if self.marks.exists() else []
        record_file = self.root / ".tox" / ".orch" / "last-run.json"
        record = json.loads(record_file.read_text())["envs"] if record_file.exists() else {}
        return Run(proc.returncode, proc.stdout + proc.stderr, after[len(before) :], record)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def _commit(root: Path, message: str) -> None:
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    made = Project(root, tmp_path / "cache", tmp_path / "marks.txt")
    for name, text in {**FILES, ".gitignore": ".tox/\n"}.items():
        made.write(name, text)
    _git(root, "init", "-q")
    _commit(root, "init")
    return made


@needs_two
def test_a_pass_is_reported_cached_and_starts_no_process(project: Project) -> None:
    first = project.run("run", "--cached")
    assert first.code == 0, first.out
    assert sorted(first.ran) == sorted(ENVS)
    second = project.run("run", "--cached", "--result-json", "out/r.json", "--junit", "out/j.xml")
    assert second.code == 0, second.out
    assert second.ran == []  # no process of any env
    for env in ENVS:
        assert f"{env}: cached (passed " in second.out
        assert second.record[env]["status"] == "ok"
        assert second.record[env]["cached"]
        log = Path(str(second.record[env]["log_dir"])) / "commands.log"
        assert "checked" in log.read_text()  # the stored log
    result = json.loads((project.root / "out" / "r.json").read_text())
    assert all(result["envs"][env]["cached"]["key"] for env in ENVS)
    assert "cached (passed" in (project.root / "out" / "j.xml").read_text()
    again = project.run("run", "--cached", "--result-json", "out/r.json", "--junit", "out/j.xml")
    assert again.ran == []  # the run's own report files are not inputs
    assert sorted(project.run("run", "--cached", "--no-cached").ran) == sorted(ENVS)
    assert sorted(project.run("run").ran) == sorted(ENVS)  # off by default


@needs_two
@pytest.mark.parametrize(
    ("what", "change", "args", "extra_env"),
    [
        ("source file", ("src/mod.py", "X = 2\n"), (), {}),
        ("new file", ("src/new.py", "Y = 1\n"), (), {}),
        ("set_env", None, ("-x", "testenv.set_env=MODE=slow"), {}),
        ("commands", None, ("-x", "testenv.commands=python check.py again"), {}),
        ("posargs", None, ("--", "-k", "x"), {}),
        ("pass_env value", None, (), {"TOKEN": "t2"}),
        ("interpreter", None, ("--discover", "ALTPY"), {}),  # the same Python by another path
    ],
)
def test_changing_one_input_runs_the_env_again(
    project: Project, what: str, change: tuple[str, str] | None, args: tuple[str, ...], extra_env: dict[str, str]
) -> None:
    env = ENVS[0]
    assert project.run("run", "-e", env, "--cached").ran == [env]
    assert project.run("run", "-e", env, "--cached").ran == []
    if change is not None:
        project.write(*change)
    if "ALTPY" in args:
        real = next(PYENV.glob(f"{MINORS[0]}.*/bin/python{MINORS[0]}"))
        alt = project.root.parent / "alt" / f"python{MINORS[0]}"
        alt.parent.mkdir()
        alt.symlink_to(real)
        args = tuple(str(alt) if a == "ALTPY" else a for a in args)
    changed = project.run("run", "-e", env, "--cached", *args, extra_env=extra_env)
    assert changed.code == 0, changed.out
    assert changed.ran == [env], what
    assert project.run("run", "-e", env, "--cached", *args, extra_env=extra_env).ran == []  # its pass is stored


@needs_two
def test_an_installed_distribution_runs_the_env_again(project: Project) -> None:
    env = ENVS[0]
    first = project.run("run", "-e", env, "--cached")
    assert first.ran == [env]
    site = next((project.root / ".tox" / ".orch" / env).glob("lib/python*/site-packages"))
    (site / "extra_dist-1.0.dist-info").mkdir()  # installed by hand, as a command might
    assert project.run("run", "-e", env, "--cached").ran == [env]


@needs_two
def test_a_docs_only_change_is_still_cached(project: Project) -> None:
    assert sorted(project.run("run", "--cached").ran) == sorted(ENVS)
    project.write("docs/index.md", "# new docs\n")
    project.write("README.md", "readme\n")
    project.write("changelog/16.feature.md", "news\n")
    assert project.run("run", "--cached").ran == []


@needs_two
def test_failures_are_never_cached(project: Project) -> None:
    env = ENVS[0]
    project.write("src/mod.py", "FAIL = 1\n")
    assert project.run("run", "-e", env, "--cached").code != 0
    again = project.run("run", "-e", env, "--cached")
    assert again.ran == [env] and again.code != 0
    ignored = project.run("run", "-e", env, "--cached", "-x", "testenv.ignore_outcome=true")
    assert ignored.ran == [env] and ignored.record[env]["status"] == "ignored"
    assert project.run("run", "-e", env, "--cached", "-x", "testenv.ignore_outcome=true").ran == [env]


@needs_two
def test_recreate_and_notest_run_or_skip_without_the_cache(project: Project) -> None:
    env = ENVS[0]
    assert project.run("run", "-e", env, "--cached").ran == [env]
    assert project.run("run", "-e", env, "--cached", "-r").ran == [env]  # -r: recreated and run
    assert project.run("run", "-e", env, "--cached").ran == []
    notest = project.run("run", "-e", env, "--cached", "--notest")
    assert notest.ran == [] and "cached" not in notest.out


@needs_two
def test_two_clones_sharing_one_cache_dir(tmp_path: Path) -> None:
    """Two machines: clones of one repository, one cache folder saved by the first and restored by the second."""
    origin = tmp_path / "origin"
    seed = Project(origin, tmp_path / "cache", tmp_path / "marks.txt")
    packaged = {"pyproject.toml": PYPROJECT, "README.md": "# mod\n", ".gitignore": ".tox/\n"}
    for name, text in {**FILES, **packaged}.items():  # every env installs the package, built from src/
        seed.write(name, text.replace("[tox]\n", "[tox]\nresult_cache = true\n").replace("skip_install = true", ""))
    _git(origin, "init", "-q")
    _commit(origin, "init")
    clones = []
    for name in ("one", "two"):
        subprocess.run(["git", "clone", "-q", str(origin), str(tmp_path / name)], check=True)
        clones.append(Project(tmp_path / name, seed.cache, seed.marks))
    one, two = clones
    assert sorted(one.run("run").ran) == sorted(ENVS)  # result_cache = true in the config
    two.write("docs/index.md", "# changed on the second machine\n")
    two.write("README.md", "# mod, the package's long description\n")  # in its metadata, not in a test
    _commit(two.root, "docs only")
    docs = two.run("run", "-p", "auto")
    assert docs.code == 0, docs.out
    assert docs.ran == []
    assert all(docs.record[env]["cached"] for env in ENVS)
    assert all(f"{env}: cached (passed " in docs.out for env in ENVS)  # the line a sequential run prints
    assert "OK cached" not in docs.out
    two.write("src/mod.py", "X = 3\n")
    _commit(two.root, "source")
    assert sorted(two.run("run").ran) == sorted(ENVS)
    assert one.run("run").ran == []  # the first machine still has its own inputs' passes


@needs_two
@pytest.mark.parametrize("where", ["submodule, dirty", "submodule, new commit", "nested repository"])
def test_a_change_inside_a_submodule_or_a_nested_repository_runs_the_env_again(
    project: Project, tmp_path: Path, where: str
) -> None:
    """git lists a submodule (or an untracked repository inside) as one entry: its files must count."""
    env = ENVS[0]
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "mod.py").write_text("X = 1\n")
    _git(lib, "init", "-q")
    _commit(lib, "lib")
    inner = "vendor/lib"
    if where == "nested repository":
        subprocess.run(["git", "clone", "-q", str(lib), str(project.root / inner)], check=True)
    else:
        _git(project.root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), inner)
        _commit(project.root, "submodule")
    project.write("check.py", CHECK.replace('"src/mod.py"', f'"{inner}/mod.py"'))
    _commit(project.root, "check the vendored module")
    assert project.run("run", "-e", env, "--cached").ran == [env]
    assert project.run("run", "-e", env, "--cached").ran == []
    project.write(f"{inner}/mod.py", "FAIL = 1\n")
    if where == "submodule, new commit":
        _commit(project.root / inner, "break it")
        _git(project.root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "bump", inner)
    broken = project.run("run", "-e", env, "--cached")
    assert broken.ran == [env], broken.out
    assert broken.code != 0  # the failure a cached pass would have hidden


@needs_two
def test_an_env_saying_result_cache_false_runs_even_with_cached(project: Project) -> None:
    always = ENVS[1]
    project.write("tox.ini", TOX_INI + f"[testenv:{always}]\nresult_cache = false\n")
    assert sorted(project.run("run", "--cached").ran) == sorted(ENVS)
    again = project.run("run", "--cached")
    assert again.ran == [always]  # the other env is cached
    assert f"{ENVS[0]}: cached (passed " in again.out


@needs_two
def test_orch_cache_lists_shows_and_clears_corrupt_entries(project: Project) -> None:
    env = ENVS[0]
    assert project.run("run", "-e", env, "--cached").ran == [env]
    folder = project.cache / "results"
    (folder / f"{'b' * 64}.json").write_text("{half")
    (folder / f"{'c' * 64}.json").write_text("[]")
    (folder / "mine.json").write_text("{half")  # not orch's: never touched
    listing = project.run("cache", "list")
    assert listing.code == 0, listing.out
    assert "1 entries" in listing.out and "2 corrupt" in listing.out
    shown = project.run("cache", "show", "bbbb")
    assert shown.code != 0 and "corrupt entry" in shown.out and "Traceback" not in shown.out
    assert project.run("run", "-e", env, "--cached").ran == []  # a corrupt entry is only a miss
    cleared = project.run("cache", "clear")
    assert cleared.code == 0 and "and 2 corrupt" in cleared.out
    assert sorted(p.name for p in folder.iterdir()) == ["mine.json"]


@needs_two
def test_a_cache_dir_that_is_a_file_or_a_bad_limit_is_said(project: Project, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    for action in ("list", "clear"):
        out = project.run("cache", action, extra_env={"ORCH_CACHE_DIR": str(afile)})
        assert out.code != 0 and "error:" in out.out and "is not a folder" in out.out and "Traceback" not in out.out
    bad = {"ORCH_RESULT_CACHE_MAX_MB": "abc"}
    listed = project.run("cache", "list", extra_env=bad)
    assert listed.code == 0 and listed.out.count("ORCH_RESULT_CACHE_MAX_MB='abc'") == 1
    run = project.run("run", "-e", ENVS[0], "--cached", extra_env=bad)
    assert run.code == 0 and run.out.count("ORCH_RESULT_CACHE_MAX_MB='abc'") == 1
