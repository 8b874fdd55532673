"""Offline installs checked against the index (orch.envs.installer, orch.envs.prefetch).

A cold env's first install revalidates at once the pages of what this Python took last time, then
installs ``--offline``; an env after another that resolved online installs ``--offline`` and asks the
index afterwards. Either way the install stands only if every version it took is the one the index
offers this Python now. uv's offline mode passes over a version whose wheel it has not cached (a new
release, a wheel of another Python) and takes an older one without a word: a review found orch then
installed alpha 1.0 every run after alpha 2.0 was published.

A local index over HTTP whose pages uv must ask about every time (``Cache-Control: no-cache``, as the
proxy this project is tested behind makes uv do), whose releases the tests publish; each project has
its own orch cache and uv cache.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REVALIDATED = "# every page revalidated just before (uv pip compile --refresh)"
LATER = "# resolved online earlier in this run"
NEWER = "# the offline install took another version than the index offers now"
ANSWERED = "the versions the index offers this Python, as uv named them to another env of this run"
TOX_INI = """\
[tox]
env_list = a, b
[testenv]
skip_install = true
deps = alpha
set_env = UV_CACHE_DIR={toxinidir}/uv-cache
commands = python -c "import alpha, sys; print(sys.version_info[:2], 'ALPHA', alpha.V)"
[testenv:a]
base_python = python3.12
[testenv:b]
base_python = python3.13
depends = a
"""


def publish(root: Path, name: str, version: str, requires: str = "", tag: str = "py3") -> None:
    """A wheel of ``name`` ``version`` for Python tag ``tag``, and the index page listing all of its wheels."""
    files, simple = root / "files", root / "simple" / name
    files.mkdir(parents=True, exist_ok=True)
    simple.mkdir(parents=True, exist_ok=True)
    info = f"{name}-{version}.dist-info"
    content = {
        f"{name}/__init__.py": f"V = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + (f"Requires-Dist: {requires}\n" if requires else ""),
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: {tag}-none-any\n",
    }

    def digest(text: str) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()

    record = "".join(f"{k},sha256={digest(v)},{len(v)}\n" for k, v in content.items()) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(files / f"{name}-{version}-{tag}-none-any.whl", "w") as wheel:
        for member, text in {**content, f"{info}/RECORD": record}.items():
            wheel.writestr(member, text)
    links = "".join(f'<a href="/files/{w.name}">{w.name}</a>\n' for w in sorted(files.glob(f"{name}-*.whl")))
    page = simple / "index.html"
    before = page.stat().st_mtime if page.exists() else 0.0
    page.write_text(f"<html><body>{links}</body></html>", encoding="utf-8")
    stamp = max(time.time(), before + 2)  # http.server's Last-Modified has whole seconds: no 304 for a new page
    os.utime(page, (stamp, stamp))


@pytest.fixture
def index(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "index"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

        def end_headers(self):  # uv asks again every time, as behind the proxy (no heuristic freshness)
            self.send_header("Cache-Control", "no-cache")
            super().end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/simple"
    server.shutdown()
    server.server_close()


@pytest.fixture
def proj(project, tmp_path, index):
    return project({"tox.ini": TOX_INI}, cache=tmp_path / "orch-cache", env={"UV_INDEX_URL": index[1]})


def lines(proj, env: str) -> list[str]:
    """The installer command lines and orch's notes in an env's setup log."""
    log = proj.path / ".tox" / ".orch" / env / "log" / "setup.log"
    return [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(("$ ", "# "))]


def kept(proj) -> dict[str, list[str]]:
    return json.loads((proj.cache / "resolved-names.json").read_text(encoding="utf-8"))


def again(proj, change=None) -> str:
    """A cold run from an empty work dir (the kept names changed by ``change`` first); its output."""
    if change is not None:
        data = {key: change(names) for key, names in kept(proj).items()}
        (proj.cache / "resolved-names.json").write_text(json.dumps(data), encoding="utf-8")
    shutil.rmtree(proj.path / ".tox")
    return proj.run("run").assert_success().out


def test_a_cold_run_revalidates_what_each_python_took_then_installs_offline(proj, index) -> None:
    publish(index[0], "alpha", "1.0", requires="beta")
    publish(index[0], "beta", "1.0")
    proj.run("run").assert_success()
    assert len(lines(proj, "a")) == 1 and "--offline" not in lines(proj, "a")[0]  # nothing kept yet: online
    later = lines(proj, "b")  # after a: offline, then checked against the pages a fetched (no network)
    assert later[0].endswith(LATER) and "pip compile --no-deps --offline" in later[1] and len(later) == 2, later
    assert sorted(map(sorted, kept(proj).values())) == [["alpha", "beta"], ["alpha", "beta"]]  # one per Python
    assert not any("127.0.0.1" in key for key in kept(proj))  # a digest, not the index settings

    again(proj)
    log = lines(proj, "a")
    assert "pip compile --no-deps --refresh" in log[0], log
    assert "--offline" in log[1] and log[1].endswith(REVALIDATED) and len(log) == 2, log
    log = lines(proj, "b")  # a revalidated the same pages: b asks uv offline which versions it offers py313
    assert "pip compile --no-deps --offline" in log[0], log
    assert "--offline" in log[1] and log[1].endswith(LATER) and len(log) == 2, log


def test_a_release_since_the_last_run_is_installed(proj, index) -> None:
    """The review's case: the revalidation answers alpha 2.0, the offline install takes the cached 1.0."""
    publish(index[0], "alpha", "1.0")
    assert "ALPHA 1.0" in proj.run("run").assert_success().out
    publish(index[0], "alpha", "2.0")
    out = again(proj)
    assert "ALPHA 1.0" not in out and out.count("ALPHA 2.0") == 2, out
    log = lines(proj, "a")
    assert "pip compile" in log[0] and log[1].endswith(REVALIDATED)
    assert log[2] == f"{NEWER} (alpha 2.0): installing online", log
    assert "pip uninstall" in log[3] and "alpha" in log[3]  # undone: the env holds nothing it did not ask for
    assert "pip install" in log[4] and "--offline" not in log[4] and "--upgrade" not in log[4]


def test_another_pythons_wheel_of_a_release_is_not_passed_over(proj, index, tmp_path) -> None:
    """After an env that resolved online, a later env's offline install finds only the other Python's wheel
    of the new release in uv's cache and takes the old version: the check after it catches that."""
    publish(index[0], "alpha", "1.0")
    proj.run("run").assert_success()
    publish(index[0], "alpha", "2.0", tag="cp312")
    publish(index[0], "alpha", "2.0", tag="cp313")
    out = again(proj, change=lambda names: [])  # nothing kept: a resolves online, b goes offline after it
    assert out.count("ALPHA 2.0") == 2, out
    log = lines(proj, "b")
    assert log[0].endswith(LATER) and "pip compile" in log[1], log
    assert log[2] == f"{NEWER} (alpha 2.0): installing online", log


def test_a_package_not_revalidated_goes_online(proj, index) -> None:
    publish(index[0], "alpha", "1.0", requires="beta")
    publish(index[0], "beta", "1.0")
    proj.run("run", "-e", "a").assert_success()
    again(proj, change=lambda names: [name for name in names if name != "beta"])
    log = lines(proj, "a")
    assert "pip compile" in log[0] and log[1].endswith(REVALIDATED), log
    assert log[2] == f"{NEWER} (beta): installing online", log
    assert "beta" in next(iter(kept(proj).values()))  # kept again for the next run


def test_a_name_gone_from_the_index_is_dropped_and_the_install_goes_online(proj, index) -> None:
    publish(index[0], "alpha", "1.0")
    proj.run("run", "-e", "a").assert_success()
    gone = "orch-test-no-such-package"
    again(proj, change=lambda names: [*names, gone])
    log = lines(proj, "a")
    assert "pip compile --no-deps --refresh" in log[0]
    assert log[1] == "# revalidating the pages failed: installing online", log
    assert "--offline" not in log[2] and "pip install" in log[2] and len(log) == 3, log
    assert all(gone not in names for names in kept(proj).values())


def test_envs_of_one_python_ask_the_index_once(project, tmp_path, index) -> None:
    """Twenty envs of one Python with the same deps (bench_scale.py's project): the first that checks an
    offline install asks uv, the others take its answer, without a process each."""
    publish(index[0], "alpha", "1.0")
    ini = TOX_INI.replace("env_list = a, b", "env_list = a, b, c").replace("python3.13", "python3.12")
    ini += "[testenv:c]\nbase_python = python3.12\ndepends = b\n"
    proj = project({"tox.ini": ini}, cache=tmp_path / "orch-cache", env={"UV_INDEX_URL": index[1]})
    proj.run("run").assert_success()  # a resolves online and keeps its names for b and c (the same Python)
    assert "pip compile --no-deps --offline" in lines(proj, "b")[0], lines(proj, "b")
    assert lines(proj, "c")[0] == f"# {ANSWERED}", lines(proj, "c")
    again(proj)  # with names kept: a asks online, b and c take its answer
    assert "pip compile --no-deps --refresh" in lines(proj, "a")[0]
    for env in ("b", "c"):
        assert lines(proj, env)[0] == f"# {ANSWERED}", lines(proj, env)
        assert lines(proj, env)[1].endswith(LATER) and len(lines(proj, env)) == 2
