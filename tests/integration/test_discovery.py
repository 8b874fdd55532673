"""Interpreter discovery against the real interpreters under ``~/.pyenv/versions`` (skipped where absent)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from orch.envs import discovery as discovery_module
from orch.envs.discovery import Discovery

pytestmark = pytest.mark.integration

PYENV_ROOT = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _installed() -> dict[str, Path]:
    """``"3.12"`` -> ``~/.pyenv/versions/3.12.1`` for each CPython install (the newest of each minor)."""
    found: dict[str, Path] = {}
    for folder in sorted(PYENV_ROOT.glob("versions/*"), key=lambda f: [int(n) for n in re.findall(r"\d+", f.name)]):
        match = re.fullmatch(r"(\d+\.\d+)\.\d+", folder.name)
        if match and (folder / "bin" / f"python{match[1]}").is_file():
            found[match[1]] = folder
    return found


INSTALLED = _installed()
MINORS = [f"3.{minor}" for minor in range(7, 14)]


def _install(version: str) -> Path:
    if version not in INSTALLED:
        pytest.skip(f"CPython {version} is not installed under {PYENV_ROOT}/versions")
    return INSTALLED[version]


def _binary(version: str) -> Path:
    return _install(version) / "bin" / f"python{version}"


def _discovery(tmp_path: Path, *, extra: tuple[Path, ...] = (), **environ: str) -> Discovery:
    """A discovery that sees only what a test gives it: PATH is ``/usr/bin:/bin`` unless told."""
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PYENV_ROOT": str(PYENV_ROOT),
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "no-uv"),
    }
    return Discovery(environ={**base, **environ}, extra=extra, cache_file=tmp_path / "cache" / "interpreters.json")


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def _link(path: Path, target: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


@pytest.mark.parametrize("spelling", ["py{0}{1}", "py{0}.{1}", "python{0}.{1}", "{0}.{1}"])
@pytest.mark.parametrize("version", MINORS)
def test_every_pyenv_version_by_every_spelling(tmp_path: Path, version: str, spelling: str) -> None:
    _install(version)
    discovery = _discovery(tmp_path)
    found = discovery.find([spelling.format(*version.split("."))])
    assert found is not None
    assert (found.implementation, found.major_minor, found.free_threaded) == ("cpython", version, False)
    assert discovery.probes == 1  # the exact name first, nowhere else


@pytest.mark.parametrize("version", MINORS)
def test_pyenv_shims_on_path(tmp_path: Path, version: str) -> None:
    _install(version)
    shims = PYENV_ROOT / "shims"
    if not (shims / f"python{version}").is_file():
        pytest.skip(f"no pyenv shim for python{version}")
    discovery = _discovery(tmp_path, PATH=f"{shims}:/usr/bin:/bin")
    found = discovery.find([f"py{version}"])
    assert found is not None
    assert found.major_minor == version
    assert Path(found.path).parent != shims  # a shim stands for the binary it runs, or for nothing
    assert discovery.probes == 1  # a shim of a version pyenv has not selected is skipped unrun


def test_failing_shim_is_skipped(tmp_path: Path) -> None:
    shim = PYENV_ROOT / "shims" / "python3.8"
    _install("3.8")
    if not shim.is_file():
        pytest.skip("no pyenv shim for python3.8")
    # With PYENV_VERSION=system the shim cannot be resolved without running it, and it fails when run.
    discovery = _discovery(tmp_path, PATH=f"{shim.parent}:/usr/bin:/bin", PYENV_VERSION="system")
    found = discovery.find(["py38"])
    assert found is not None
    assert found.path == str(_binary("3.8"))
    assert discovery.probes == 2


@pytest.mark.parametrize("selection", ["PYENV_VERSION", ".python-version"])
def test_shim_runs_the_selected_pyenv_version(tmp_path: Path, selection: str) -> None:
    install = _install("3.10")
    shims = PYENV_ROOT / "shims"
    if not (shims / "python3").is_file():
        pytest.skip("no pyenv shim for python3")
    environ = {"PATH": f"{shims}:/usr/bin:/bin"}
    if selection == "PYENV_VERSION":
        environ["PYENV_VERSION"] = install.name
    else:
        (tmp_path / "project" / "sub").mkdir(parents=True)
        (tmp_path / "project" / ".python-version").write_text(f"# pinned\n{install.name}\n")
        environ["PYENV_DIR"] = str(tmp_path / "project" / "sub")
    discovery = _discovery(tmp_path, **environ)
    found = discovery.find(["py3"])
    assert found is not None
    assert (found.path, discovery.probes) == (str(install / "bin" / "python3"), 1)


def test_free_threaded(tmp_path: Path) -> None:
    # No free-threaded build here: a stand-in answers the probe as a 3.13t build would.
    facts = '{"implementation": "cpython", "version": [3, 13, 0], "architecture": 64, "machine": "x86_64", '
    _script(tmp_path / "bin" / "python3.13t", f"echo '{facts}\"free_threaded\": true}}'")
    discovery = _discovery(tmp_path, PATH=f"{tmp_path / 'bin'}:/usr/bin:/bin")
    found = discovery.find(["py313t"])
    assert found is not None
    assert (found.path, found.free_threaded, found.describe()) == (
        str(tmp_path / "bin" / "python3.13t"),
        True,
        f"CPython 3.13.0t ({tmp_path / 'bin' / 'python3.13t'})",
    )
    gil = discovery.find(["3.13"])  # python3.13t is not even a candidate for a build with the GIL
    assert gil is None or not gil.free_threaded
    assert discovery.probes == 1 + (gil is not None)


def test_extra_folder_wins(tmp_path: Path) -> None:
    real = _binary("3.12")
    extra = _link(tmp_path / "extra" / "python3.12", real).parent
    discovery = _discovery(tmp_path, extra=(extra,), PATH=f"{real.parent}:/usr/bin:/bin")
    found = discovery.find(["py312"])
    assert found is not None
    assert found.path == str(extra / "python3.12")
    assert discovery.probes == 1


def test_extra_executable_wins_whatever_its_name(tmp_path: Path) -> None:
    odd = _link(tmp_path / "tools" / "my-interpreter", _binary("3.12"))
    discovery = _discovery(tmp_path, extra=(odd,))
    found = discovery.find(["py312"])
    assert found is not None
    assert found.path == str(odd)


def test_extra_executable_of_another_version_is_passed_over(tmp_path: Path) -> None:
    other = _link(tmp_path / "tools" / "python3", _binary("3.9"))
    found = _discovery(tmp_path, extra=(other,)).find(["py312"])
    assert found is not None
    assert found.path == str(_binary("3.12"))


def test_base_python_list_first_found_wins(tmp_path: Path) -> None:
    _link(tmp_path / "pyenv" / "versions" / _install("3.12").name, _install("3.12"))
    discovery = _discovery(tmp_path, PYENV_ROOT=str(tmp_path / "pyenv"))
    found = discovery.find(["py39", "py312"])
    assert found is not None
    assert found.major_minor == "3.12"
    assert found.path.startswith(str(tmp_path / "pyenv"))


def test_missing_version(tmp_path: Path) -> None:
    _link(tmp_path / "pyenv" / "versions" / _install("3.12").name, _install("3.12"))
    empty = tmp_path / "empty"
    empty.mkdir()
    discovery = _discovery(tmp_path, PATH=str(empty), PYENV_ROOT=str(tmp_path / "pyenv"))
    assert discovery.find(["py39"]) is None
    assert discovery.probes == 0  # no name and no install folder could be 3.9
    assert discovery.describe_search() == "PATH, pyenv, uv"


def test_missing_version_everywhere(tmp_path: Path) -> None:
    if "3.99" in INSTALLED:
        pytest.skip("3.99 exists")
    discovery = _discovery(tmp_path, PATH=f"{PYENV_ROOT / 'shims'}:/usr/bin:/bin")
    assert discovery.find(["py399", "python3.99"]) is None


def test_path_spec(tmp_path: Path) -> None:
    discovery = _discovery(tmp_path)
    found = discovery.find([str(tmp_path / "nowhere" / "python"), str(_binary("3.10"))])
    assert found is not None
    assert found.path == str(_binary("3.10"))
    assert discovery.probes == 1


def test_python27_probe(tmp_path: Path) -> None:
    if not any((PYENV_ROOT / "versions").glob("2.7.*/bin/python2.7")):
        pytest.skip("no CPython 2.7 under pyenv")
    found = _discovery(tmp_path).find(["py27"])
    assert found is not None
    assert (found.implementation, found.version[:2], found.architecture) == ("cpython", (2, 7), 64)


def test_failing_and_silent_executables_are_skipped(tmp_path: Path) -> None:
    _script(tmp_path / "bad" / "python3.12", "exit 1")
    _script(tmp_path / "noise" / "python3.12", "echo not json")
    discovery = _discovery(tmp_path, PATH=f"{tmp_path / 'bad'}:{tmp_path / 'noise'}:/usr/bin:/bin")
    found = discovery.find(["py312"])
    assert found is not None
    assert found.path == str(_binary("3.12"))
    assert discovery.probes == 3


def test_hanging_executable_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discovery_module, "PROBE_TIMEOUT", 0.5)
    _script(tmp_path / "slow" / "python3.12", "sleep 10")
    found = _discovery(tmp_path, PATH=f"{tmp_path / 'slow'}:/usr/bin:/bin").find(["py312"])
    assert found is not None
    assert found.path == str(_binary("3.12"))


def test_startup_noise_before_the_facts_is_ignored(tmp_path: Path) -> None:
    _script(tmp_path / "bin" / "python3.12", f'echo "warning: something"\nexec {_binary("3.12")} "$@"')
    found = _discovery(tmp_path, PATH=str(tmp_path / "bin")).find(["py312"])
    assert found is not None
    assert found.path == str(tmp_path / "bin" / "python3.12")


@pytest.mark.parametrize("layout", ["UV_PYTHON_INSTALL_DIR", "XDG_DATA_HOME", "HOME"])
def test_uv_managed(tmp_path: Path, layout: str) -> None:
    where = {
        "UV_PYTHON_INSTALL_DIR": tmp_path / "uv",
        "XDG_DATA_HOME": tmp_path / "data" / "uv" / "python",
        "HOME": tmp_path / "home" / ".local" / "share" / "uv" / "python",
    }[layout]
    exe = _link(where / "cpython-3.12.1-linux-x86_64-gnu" / "bin" / "python3.12", _binary("3.12"))
    _link(where / "cpython-3.9.18-linux-x86_64-gnu" / "bin" / "python3.9", _binary("3.12"))  # never looked at
    environ = {"PATH": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv"), "HOME": str(tmp_path / "home")}
    if layout == "XDG_DATA_HOME":
        environ["XDG_DATA_HOME"] = str(tmp_path / "data")
    elif layout == "UV_PYTHON_INSTALL_DIR":
        environ["UV_PYTHON_INSTALL_DIR"] = str(where)
    discovery = Discovery(environ=environ, cache_file=tmp_path / "cache.json")
    found = discovery.find(["py312"])
    assert found is not None
    assert found.path == str(exe)
    assert discovery.probes == 1


class TestCache:
    def test_second_discovery_starts_no_process(self, tmp_path: Path) -> None:
        first = _discovery(tmp_path)
        found = first.find(["py312"])
        assert found is not None
        assert first.probes == 1
        second = _discovery(tmp_path)
        assert second.find(["py312"]) == found
        assert second.probes == 0
        assert [path.name for path in (tmp_path / "cache").iterdir()] == ["interpreters.json"]  # no temp file left

    def test_another_name_of_the_same_file_is_a_hit(self, tmp_path: Path) -> None:
        _discovery(tmp_path).find([str(_binary("3.12"))])
        alias = _link(tmp_path / "bin" / "python3.12", _binary("3.12"))
        second = _discovery(tmp_path, PATH=str(alias.parent))
        found = second.find(["py312"])
        assert found is not None
        assert (found.path, second.probes) == (str(alias), 0)

    def test_touching_the_executable_invalidates(self, tmp_path: Path) -> None:
        real = _script(tmp_path / "real" / "python3.12", f'exec {_binary("3.12")} "$@"')
        _link(tmp_path / "bin" / "python3.12", real)
        probes = []
        for touch in (False, False, True, False):
            if touch:
                stat = real.stat()
                os.utime(real, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
            discovery = _discovery(tmp_path, PATH=str(tmp_path / "bin"))
            found = discovery.find(["py312"])
            assert found is not None
            assert found.path == str(tmp_path / "bin" / "python3.12")
            probes.append(discovery.probes)
        assert probes == [1, 0, 1, 0]

    def test_pointing_the_symlink_elsewhere_invalidates(self, tmp_path: Path) -> None:
        link = _link(tmp_path / "bin" / "python3", _binary("3.12"))
        assert _discovery(tmp_path, PATH=str(link.parent)).find(["py3"]) is not None
        link.unlink()
        link.symlink_to(_binary("3.10"))
        discovery = _discovery(tmp_path, PATH=str(link.parent))
        found = discovery.find(["py3"])
        assert found is not None
        assert (found.major_minor, discovery.probes) == ("3.10", 1)

    @pytest.mark.parametrize(
        "content",
        ["{not json", "[]", '{"version": 1, "interpreters": {"%s": "junk"}}', '{"version": 0, "interpreters": {}}'],
    )
    def test_damaged_cache_is_ignored_and_rewritten(self, tmp_path: Path, content: str) -> None:
        cache = tmp_path / "cache" / "interpreters.json"
        cache.parent.mkdir()
        cache.write_text(content.replace("%s", str(_binary("3.12"))))
        discovery = _discovery(tmp_path)
        assert discovery.find(["py312"]) is not None
        assert discovery.probes == 1
        assert str(_binary("3.12")) in json.loads(cache.read_text())["interpreters"]

    @pytest.mark.parametrize(
        ("variable", "where"), [("ORCH_CACHE_DIR", "c"), ("XDG_CACHE_HOME", "x/orch"), ("HOME", "h/.cache/orch")]
    )
    def test_default_location(self, tmp_path: Path, variable: str, where: str) -> None:
        value = tmp_path / where.split("/")[0]
        environ = {"PATH": "/usr/bin:/bin", "PYENV_ROOT": str(PYENV_ROOT), "HOME": str(tmp_path / "home")}
        discovery = Discovery(environ={**environ, variable: str(value)})
        assert discovery.find([str(_binary("3.12"))]) is not None
        assert (tmp_path / where / "interpreters.json").is_file()
