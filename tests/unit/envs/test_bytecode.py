"""The bytecode store: a .pyc compiled in one env serves every env whose source is the same file.

"Not compiled again" is asserted from inodes: a .pyc that Python rewrites is a new file.
"""

from __future__ import annotations

import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

from orch.envs import bytecode
from orch.envs.interpreter import Interpreter

TAG = sys.implementation.cache_tag
SOURCE = "VALUE = 42\n"


def make_env(root: Path, name: str, cache_file: Path) -> Path:
    """An env folder whose ``lib/.../pkg/mod.py`` is a hard link to ``cache_file`` (as uv installs)."""
    env = root / name
    package = env / "lib" / "python3" / "site-packages" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")  # one link only: not shared
    os.link(cache_file, package / "mod.py")
    return env


def pyc_of(env: Path, stem: str = "mod") -> Path:
    return env / "lib" / "python3" / "site-packages" / "pkg" / "__pycache__" / f"{stem}.{TAG}.pyc"


def import_in(env: Path) -> str:
    """Import pkg.mod from the env's site-packages in a fresh interpreter that may write bytecode."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    site = env / "lib" / "python3" / "site-packages"
    code = "import pkg.mod; print(pkg.mod.VALUE, pkg.mod.__spec__.cached)"
    out = subprocess.run(
        [sys.executable, "-c", code], env={**environ, "PYTHONPATH": str(site)}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    file = tmp_path / "uv-cache" / "mod.py"
    file.parent.mkdir()
    file.write_text(SOURCE)
    return file


def test_a_pyc_compiled_in_one_env_is_used_by_the_next(tmp_path: Path, cache_file: Path) -> None:
    store = tmp_path / "store"
    first = make_env(tmp_path, "a", cache_file)
    assert bytecode.share(first, TAG, store) == 0  # nothing stored yet
    import_in(first)  # Python compiles mod.py (and __init__.py)
    assert bytecode.collect(first, TAG, store) == 1  # only the shared source's .pyc
    assert not (first / bytecode.PENDING).exists()

    second = make_env(tmp_path, "b", cache_file)
    assert bytecode.share(second, TAG, store) == 1
    linked = pyc_of(second)
    assert linked.stat().st_ino == pyc_of(first).stat().st_ino
    assert pyc_of(second, "__init__").exists() is False  # one-link sources get nothing
    out = import_in(second)
    assert out.split()[0] == "42"
    assert str(second) in out  # the module's cached path is the env's own
    assert pyc_of(second).stat().st_ino == pyc_of(first).stat().st_ino  # Python did not rewrite it


def test_collect_needs_a_share_first_and_runs_once(tmp_path: Path, cache_file: Path) -> None:
    store = tmp_path / "store"
    env = make_env(tmp_path, "a", cache_file)
    import_in(env)
    assert bytecode.collect(env, TAG, store) is None  # not marked by an install
    bytecode.share(env, TAG, store)
    assert bytecode.collect(env, TAG, store) == 1
    bytecode.share(env, TAG, store)
    assert bytecode.collect(env, TAG, store) == 0  # already stored: the env's .pyc is the stored file


def test_a_pyc_that_does_not_match_its_source_is_not_stored(tmp_path: Path, cache_file: Path) -> None:
    store = tmp_path / "store"
    env = make_env(tmp_path, "a", cache_file)
    import_in(env)
    cache_file.write_text(SOURCE + "# changed in place\n")  # same inode, other size: the .pyc is stale
    bytecode.share(env, TAG, store)
    assert bytecode.collect(env, TAG, store) == 0


def test_hash_based_pyc_files_are_not_stored(tmp_path: Path, cache_file: Path) -> None:
    store = tmp_path / "store"
    env = make_env(tmp_path, "a", cache_file)
    source = env / "lib" / "python3" / "site-packages" / "pkg" / "mod.py"
    py_compile.compile(
        str(source), cfile=str(pyc_of(env)), invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
    )
    bytecode.share(env, TAG, store)
    assert bytecode.collect(env, TAG, store) == 0


def test_a_stale_stored_file_costs_a_compilation_not_a_wrong_module(tmp_path: Path, cache_file: Path) -> None:
    store = tmp_path / "store"
    first = make_env(tmp_path, "a", cache_file)
    bytecode.share(first, TAG, store)
    import_in(first)
    bytecode.collect(first, TAG, store)
    # A store entry whose content is wrong (as if the source changed without its mtime or size changing
    # is impossible to build portably, so break the entry itself): Python must reject it and recompile.
    stored = next(store.rglob("*.pyc"))
    broken = stored.read_bytes()
    stored.unlink()
    stored.write_bytes(b"\0\0\0\0" + broken[4:])  # a magic number no Python has
    second = make_env(tmp_path, "b", cache_file)
    assert bytecode.share(second, TAG, store) == 1
    assert import_in(second).split()[0] == "42"
    assert pyc_of(second).stat().st_ino != stored.stat().st_ino  # replaced, the store untouched
    assert stored.read_bytes()[:4] == b"\0\0\0\0"


def test_prune_drops_old_unlinked_entries_once_a_day(tmp_path: Path, cache_file: Path) -> None:
    store = tmp_path / "store"
    env = make_env(tmp_path, "a", cache_file)
    bytecode.share(env, TAG, store)
    import_in(env)
    bytecode.collect(env, TAG, store)
    stored = next(store.rglob("*.pyc"))
    later = stored.stat().st_ctime + 31 * 24 * 3600
    assert bytecode.prune(store, now=later) == 0  # the env still links it
    pyc_of(env).unlink()
    assert bytecode.prune(store, now=later) == 0  # pruned already "today" (by collect) and not a day later
    assert bytecode.prune(store, now=later + 2 * 24 * 3600) == 1
    assert not stored.exists()


def test_off_switch_and_unknown_implementations(tmp_path: Path, cache_file: Path) -> None:
    env = make_env(tmp_path, "a", cache_file)
    python = Interpreter("/x/python", "cpython", (3, 12, 1), 64, "x86_64")
    off = {"ORCH_SHARE_BYTECODE": "0", "ORCH_CACHE_DIR": str(tmp_path / "c")}
    assert bytecode.after_install(env, "cpython-312", environ=off) == 0
    assert not (env / bytecode.PENDING).exists()
    assert bytecode.interpreter_tag(python) == "cpython-312"
    assert bytecode.interpreter_tag(python._replace(implementation="pypy", version=(3, 10, 14))) == "pypy310"
    assert bytecode.interpreter_tag(python._replace(implementation="graalpy")) is None
    assert bytecode.interpreter_tag(None) is None
    on = {"ORCH_CACHE_DIR": str(tmp_path / "c")}
    assert bytecode.after_install(env, None, environ=on) == 0
    assert not (env / bytecode.PENDING).exists()
    log = tmp_path / "setup.log"
    assert bytecode.after_install(env, "cpython-312", log, environ=on) == 0
    assert (env / bytecode.PENDING).exists()
    assert "orch: linked 0 compiled files (cpython-312)" in log.read_text()


def test_share_links_into_every_lib_folder_and_makes_pycache_only_to_link(tmp_path: Path, cache_file: Path) -> None:
    store = tmp_path / "store"
    first = make_env(tmp_path, "a", cache_file)
    bytecode.share(first, TAG, store)
    import_in(first)
    assert bytecode.collect(first, TAG, store) == 1
    stored = next(store.rglob("*.pyc"))
    not_stored = tmp_path / "uv-cache" / "other.py"
    not_stored.write_text(SOURCE)

    env = tmp_path / "b"
    folders = {name: env / "lib" / name for name in ("fresh", "ready", "done", "blocked", "unknown")}
    for folder in folders.values():
        folder.mkdir(parents=True)
        os.link(cache_file if folder.name != "unknown" else not_stored, folder / "mod.py")
    (folders["ready"] / "__pycache__").mkdir()  # there already, empty
    (folders["done"] / "__pycache__").mkdir()
    own = folders["done"] / "__pycache__" / f"mod.{TAG}.pyc"
    own.write_bytes(b"")  # Python's own: kept
    (folders["blocked"] / "__pycache__").write_text("")  # a file: nothing can go in it
    (env / "Lib" / "pkg").mkdir(parents=True)  # Windows' name
    os.link(cache_file, env / "Lib" / "pkg" / "mod.py")
    os.symlink(folders["fresh"], env / "lib" / "linked", target_is_directory=True)  # not followed

    assert bytecode.share(env, TAG, store) == 3  # (lib and Lib are one folder where case does not matter)
    for folder in (folders["fresh"], folders["ready"], env / "Lib" / "pkg"):
        assert (folder / "__pycache__" / f"mod.{TAG}.pyc").stat().st_ino == stored.stat().st_ino
    assert own.stat().st_nlink == 1
    assert (folders["blocked"] / "__pycache__").is_file()
    assert not (folders["unknown"] / "__pycache__").exists()  # no stored file: no folder made for it
