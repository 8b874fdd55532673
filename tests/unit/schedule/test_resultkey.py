"""The result cache's key: every input changes it, what cannot change an outcome does not.

The key is computed as a run computes it (a real config, a real git checkout, the run's source scan);
the property test draws random changes and checks that the key moves exactly when one of them can
change what the env's commands do.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orch.builders.source import SourceScan
from orch.config.load import load_config
from orch.config.project import Config
from orch.envs.interpreter import Interpreter
from orch.plugin.manager import load_plugins
from orch.report.console import Console
from orch.schedule import resultkey
from orch.schedule.resultcache import ResultCache

INI = """
[tox]
env_list = py311
[testenv]
skip_install = true
deps = iniconfig
pass_env = SECRET_TOKEN
set_env = MODE = fast
commands = python -m pytest {posargs}
"""
FILES = {"src/mod.py": "X = 1\n", "tests/test_mod.py": "def test(): pass\n", "docs/index.md": "# docs\n"}
PY311 = Interpreter("/usr/bin/python3.11", "cpython", (3, 11, 7), 64, "x86_64")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="no git")


PLUGINS = load_plugins(entry_points=False)


def load_file(
    root: Path,
    *,
    environ: dict[str, str] | None = None,
    overrides: list[str] | None = None,
    posargs: list[str] | None = None,
) -> Config:
    return load_config(
        registry=PLUGINS.settings,
        type_factors=PLUGINS.env_types.type_factors(),
        builders=PLUGINS.builders.names(),
        cwd=root,
        environ=environ or {"PATH": "/usr/bin"},
        posargs=posargs,
        overrides=overrides or [],
        is_tty=lambda: False,
    )


def load(root: Path, ini: str, files: dict[str, str] | None = None) -> Config:
    for name, text in {"tox.ini": ini, **(files or {})}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return load_file(root)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def _repo(root: Path) -> None:
    load(root, INI, files={**FILES, "README.md": "readme\n", ".gitignore": ".tox/\n"})
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")


class State:
    """The inputs a test changes: config overrides, the caller's environment, the interpreter, the package."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.overrides: list[str] = []
        self.environ = {"PATH": "/usr/bin", "HOME": "/home/u", "SECRET_TOKEN": "a"}
        self.interpreter = PY311
        self.package: dict[str, object] = {}
        self.posargs: list[str] | None = None

    def key(self, **extra: str) -> str:
        config = load_file(self.root, environ=self.environ, overrides=self.overrides, posargs=self.posargs)
        work_dir = config.core.work_dir
        cache = ResultCache(
            config,
            cached=True,
            environ=self.environ,
            scan=lambda: SourceScan(self.root, cache_file=work_dir / "dist" / ".source-cache.json", exclude=[work_dir]),
            console=Console(io.StringIO()),
            cache_dir=self.root.parent / "cache",
        )
        return cache.key(config.env("py311"), self.interpreter, self.package).key


def _site(state: State) -> Path:
    site = state.root / ".tox" / ".orch" / "py311" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True, exist_ok=True)
    return site


# Each change: (name, whether it can change the outcome, how to make it; n makes it new each time)
def _edit(rel: str):  # type: ignore[no-untyped-def]
    def change(state: State, n: int) -> None:
        path = state.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(path.read_text() + f"# {n}\n" if path.exists() else f"# {n}\n")

    return change


CHANGES = {
    "source file": (True, _edit("src/mod.py")),
    "test file": (True, _edit("tests/test_mod.py")),
    "new untracked file": (True, lambda s, n: (s.root / f"src/new_{n}.py").write_text("Y = 2\n")),
    "deleted file": (True, lambda s, n: (s.root / "tests/test_mod.py").unlink(missing_ok=True)),
    "deps": (True, lambda s, n: s.overrides.append(f"testenv.deps+=dep{n}")),
    "set_env": (True, lambda s, n: s.overrides.append(f"testenv.set_env=MODE={n}")),
    "commands": (True, lambda s, n: s.overrides.append(f"testenv.commands=python -c 'print({n})'")),
    "posargs": (True, lambda s, n: setattr(s, "posargs", [f"-k{n}"])),
    "pass_env value": (True, lambda s, n: s.environ.update(SECRET_TOKEN=f"t{n}")),
    "installed distribution": (True, lambda s, n: (_site(s) / f"dist{n}-1.0.dist-info").mkdir()),
    "interpreter": (True, lambda s, n: setattr(s, "interpreter", PY311._replace(version=(3, 11, 100 + n)))),
    "interpreter path": (True, lambda s, n: setattr(s, "interpreter", PY311._replace(path=f"/opt/py{n}/bin/python"))),
    "package": (True, lambda s, n: setattr(s, "package", {"key": f"k{n}", "sha256": "x"})),
    "docs": (False, _edit("docs/index.md")),
    "readme": (False, _edit("README.md")),
    "changelog fragment": (False, lambda s, n: write_new(s.root / f"changelog/{n}.feature.md")),
    "ci config": (False, _edit(".github/workflows/ci.yml")),
    "ignored file": (False, _edit(".tox/whatever.txt")),
    "variable not passed": (False, lambda s, n: s.environ.update(OTHER=str(n))),
    "description": (False, lambda s, n: s.overrides.append(f"testenv.description=d{n}")),
}


def write_new(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("news\n")


@needs_git
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_input_changes_the_key_and_nothing_else_does(tmp_path: Path, name: str) -> None:
    root = tmp_path / "project"
    _repo(root)
    state = State(root)
    before = state.key()
    assert state.key() == before  # stable
    moves, change = CHANGES[name]
    change(state, 1)
    assert (state.key() != before) is moves


counter = iter(range(10**9))


@needs_git
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted(CHANGES)), min_size=1, max_size=4))
def test_random_changes_move_the_key_exactly_when_one_can_change_the_outcome(
    tmp_path_factory: pytest.TempPathFactory, names: list[str]
) -> None:
    root = tmp_path_factory.mktemp("prop") / "project"
    _repo(root)
    state = State(root)
    before = state.key()
    for name in names:
        CHANGES[name][1](state, next(counter))
    assert (state.key() != before) is any(CHANGES[name][0] for name in names), names


def test_cache_inputs_add_back_what_an_exclude_drops() -> None:
    excluded = (*resultkey.DEFAULT_EXCLUDE, "tests/slow/*")
    assert not resultkey.selects("docs/conf.py", (), excluded)
    assert resultkey.selects("docs/conf.py", ("docs/",), excluded)
    assert not resultkey.selects("tests/slow/test_big.py", (), excluded)
    assert resultkey.selects("tests/test_fast.py", (), excluded)
    assert not resultkey.selects("pkg/README.md", (), excluded)  # * crosses /
    assert resultkey.selects("src/pkg/mod.py", (), excluded)


def test_two_clones_share_the_config_digest(tmp_path: Path) -> None:
    a = load(tmp_path / "a", INI)
    b = load(tmp_path / "b", INI)
    digest = [resultkey.config_digest(c.env("py311"), root=c.root, work_dir=c.core.work_dir) for c in (a, b)]
    assert digest[0] == digest[1]
    assert str(tmp_path) in str(a.env("py311").env_dir)  # the paths differ; the digest does not


def test_distributions_are_read_from_the_metadata_folders(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    (site / "pytest-8.0.dist-info").mkdir(parents=True)
    (site / "old-1.0.egg-info").mkdir()
    (site / "pytest").mkdir()
    assert resultkey.distributions(tmp_path) == ["old-1.0.egg-info", "pytest-8.0.dist-info"]


def _commit(root: Path, message: str = "c") -> None:
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)


@needs_git
def test_files_in_a_submodule_or_a_nested_repository_are_inputs(tmp_path: Path) -> None:
    """git lists a submodule, and an untracked nested repository, as one folder entry: their files count."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "helper.py").write_text("OK = True\n")
    _git(lib, "init", "-q")
    _commit(lib)
    root = tmp_path / "project"
    _repo(root)
    _git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "vendor/lib")
    _commit(root, "submodule")
    (root / "nested").mkdir()
    (root / "nested" / "data.py").write_text("N = 1\n")
    _git(root / "nested", "init", "-q")  # untracked, a repository of its own
    state = State(root)
    keys = [state.key()]
    (root / "vendor" / "lib" / "helper.py").write_text("OK = False\n")  # a dirty submodule
    keys.append(state.key())
    _commit(root / "vendor" / "lib")  # a new commit in it, then recorded in the project
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "bump", "vendor/lib")
    assert state.key() == keys[-1]  # the same files on disk
    (root / "vendor" / "lib" / "new.py").write_text("X = 1\n")  # untracked in the submodule
    keys.append(state.key())
    (root / "nested" / "data.py").write_text("N = 2\n")
    keys.append(state.key())
    (root / "nested" / "sub").mkdir()
    (root / "nested" / "sub" / "more.py").write_text("M = 1\n")  # a new file deeper in the nested repository
    keys.append(state.key())
    assert len(set(keys)) == len(keys), keys
    (root / "vendor" / "lib" / "README.md").write_text("prose\n")  # the excludes apply inside too
    assert state.key() == keys[-1]


def test_the_project_folder_is_replaced_only_as_a_whole_path(tmp_path: Path) -> None:
    """``/tmp/p1.log`` is not below the project ``/tmp/p1``: it stays an absolute path in the digest."""
    clones = {name: load(tmp_path / name, INI) for name in ("p1", "p2")}

    def digest(clone: str, value: str) -> str:
        config = clones[clone]
        env = config.env("py311")._replace(set_env={"LOG": value})
        return resultkey.config_digest(env, root=config.root, work_dir=config.core.work_dir)

    assert digest("p1", f"{tmp_path}/p1.log") == digest("p2", f"{tmp_path}/p1.log")  # one file outside both
    assert digest("p1", f"{tmp_path}/p1.log") != digest("p2", f"{tmp_path}/p2.log")  # two files
    assert digest("p1", f"{tmp_path}/p1/a") == digest("p2", f"{tmp_path}/p2/a")  # the same file of each clone
    assert digest("p1", f"--out={tmp_path}/p1") == digest("p2", f"--out={tmp_path}/p2")
    assert digest("p1", f"{tmp_path}/p1/a") != digest("p1", f"{tmp_path}/p1/b")


@pytest.mark.parametrize(
    ("ini", "cached", "expected"),
    [
        ("", True, True),
        ("", None, False),
        ("[testenv]\nresult_cache = false\n", True, False),  # an env's own false wins over --cached
        ("[testenv:py311]\nresult_cache = false\n", True, False),
        ("[testenv:py311]\nresult_cache = true\n", False, False),  # --no-cached wins over everything
        ("[testenv:py311]\nresult_cache = true\n", None, True),
        ("[tox]\nresult_cache = true\n", None, True),
    ],
)
def test_cached_turns_on_the_envs_that_do_not_say_false(
    tmp_path: Path, ini: str, cached: bool | None, expected: bool
) -> None:
    text = INI
    for section in ("[tox]", "[testenv]"):  # merge the case's keys into the sections INI has
        head = ini.split("\n", 1)
        if head[0] == section:
            text = text.replace(f"{section}\n", f"{section}\n{head[1]}")
            ini = ""
    config = load(tmp_path, text + ini)
    cache = ResultCache(
        config,
        cached=cached,
        environ={},
        scan=lambda: SourceScan(tmp_path),
        console=Console(io.StringIO()),
        cache_dir=tmp_path / "cache",
    )
    assert cache.enabled(config.env("py311")) is expected
