"""A local package index with PyPI's caching headers, for ``--index local`` (stdlib only, Python >= 3.9).

This machine reaches PyPI through a proxy that drops ``Cache-Control``, so uv asks the index again on every
online resolution, where against PyPI it reuses a page for ten minutes. With ``--index local`` the cold runs
meet an index that behaves like PyPI, minus the network:

* the wheels every measured tool installs, for each Python of the suite, downloaded once through the proxy
  with each interpreter's own pip (newest versions, as uv's resolution picks them) into
  ``benchmarks/.cache/index-wheels`` (:func:`download_wheels`),
* served as a PEP 503 simple index (with PEP 658 metadata files) on ``127.0.0.1`` from a thread, pages with
  ``Cache-Control: max-age=600, public`` and files with ``max-age=365000000, immutable, public``, as PyPI
  sends them; ETags answered with 304 (:class:`IndexServer`),
* the environment that points uv, tox-uv and tox's pip at it and at nothing else (:func:`local_env`),
* the requests each run made, and the script's report of them (:class:`BenchIndex`).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from _process import CommandFailed, run_command
from _report import Results, format_table, section
from _tools import CACHE_DIR

MODES = ("proxy", "local")
"""``--index`` choices: the machine's default index (PyPI through the proxy), or :class:`IndexServer`."""

REQUIREMENTS = ("pytest", "hatchling", "editables")
"""What the suite's envs install (``deps = pytest``) and what its package builds with (hatchling; editables
for an editable build), with their dependencies."""

WHEELS_DIR = CACHE_DIR / "index-wheels"
"""Where the downloaded wheels are kept between invocations."""

SOURCE_INDEX = "https://pypi.org/simple"
"""Where the wheels come from: PyPI, through the machine's proxy, as uv reaches it by default."""

PAGE_CACHE = "max-age=600, public"
"""PyPI's ``Cache-Control`` on simple pages."""

FILE_CACHE = "max-age=365000000, immutable, public"
"""PyPI's ``Cache-Control`` on files."""

INDEX_VARIABLES = (
    "INDEX_URL",
    "DEFAULT_INDEX",
    "EXTRA_INDEX_URL",
    "INDEX",
    "FIND_LINKS",
    "NO_INDEX",
    "OFFLINE",
    "TRUSTED_HOST",
)
"""The ``UV_``/``PIP_`` settings that name an index or turn one off: dropped, then the index set alone."""


def normalize(name: str) -> str:
    """PEP 503's normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------------------------- the wheels


def download_env(env: Mapping[str, str]) -> dict[str, str]:
    """*env* with no pip configuration file and no index settings: pip asks :data:`SOURCE_INDEX` alone."""
    result = {key: value for key, value in env.items() if not _names_index(key)}
    result["PIP_CONFIG_FILE"] = os.devnull
    return result


def _names_index(key: str) -> bool:
    upper = key.upper()
    return any(upper in (f"UV_{name}", f"PIP_{name}") for name in INDEX_VARIABLES)


def download_wheels(interpreters: Mapping[str, Path], env: Mapping[str, str], dest: Path = WHEELS_DIR) -> str | None:
    """Download the wheels of :data:`REQUIREMENTS` and their dependencies for each interpreter into *dest*,
    with that interpreter's pip (so its own tags decide); an error message, or ``None``.

    Files already in *dest* are kept and not fetched again; the newest versions are asked for every time."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd_env = download_env(env)
    for version, python in interpreters.items():
        cmd = [str(python), "-m", "pip", "download", "--only-binary=:all:", "--dest", str(dest)]
        cmd += ["--index-url", SOURCE_INDEX, "--disable-pip-version-check", "--quiet", *REQUIREMENTS]
        print(f"  python{version}: pip download {' '.join(REQUIREMENTS)} ...", flush=True)
        try:
            run_command(cmd, env=cmd_env, timeout=600)
        except CommandFailed as exc:
            return f"cannot download the wheels for the local index with python{version}: {exc.describe()}"
    return None


@dataclass(frozen=True)
class Wheel:
    """One wheel of the index: its file, what the project page says of it, and its metadata (PEP 658)."""

    path: Path
    project: str
    sha256: str
    requires_python: str | None
    metadata: bytes

    @property
    def metadata_sha256(self) -> str:
        return hashlib.sha256(self.metadata).hexdigest()


def read_wheel(path: Path) -> Wheel:
    """A :class:`Wheel` for the file at *path*."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        metadata = archive.read(name)
    headers = HeaderParser().parsestr(metadata.decode("utf-8", "replace"), headersonly=True)
    project = normalize(path.name.split("-", 1)[0])
    return Wheel(path, project, hashlib.sha256(data).hexdigest(), headers.get("Requires-Python"), metadata)


def scan(folder: Path) -> dict[str, list[Wheel]]:
    """The wheels in *folder* by normalized project name."""
    projects: dict[str, list[Wheel]] = {}
    for path in sorted(folder.glob("*.whl")):
        wheel = read_wheel(path)
        projects.setdefault(wheel.project, []).append(wheel)
    return projects


def project_page(name: str, wheels: Iterable[Wheel]) -> bytes:
    """PEP 503 page of project *name*: a link per file, with its hash, Requires-Python and metadata hash."""
    links = []
    for wheel in wheels:
        attrs = f'href="/files/{wheel.path.name}#sha256={wheel.sha256}"'
        if wheel.requires_python:
            attrs += f' data-requires-python="{html.escape(wheel.requires_python)}"'
        meta = f"sha256={wheel.metadata_sha256}"
        attrs += f' data-core-metadata="{meta}" data-dist-info-metadata="{meta}"'
        links.append(f"<a {attrs}>{wheel.path.name}</a><br/>")
    body = "\n".join(links)
    text = '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1">'
    text += f"<title>Links for {name}</title></head>\n<body><h1>Links for {name}</h1>\n{body}\n</body></html>\n"
    return text.encode()


def root_page(names: Iterable[str]) -> bytes:
    """PEP 503 root page: a link per project."""
    links = "\n".join(f'<a href="/simple/{name}/">{name}</a><br/>' for name in names)
    return f"<!DOCTYPE html>\n<html><body>\n{links}\n</body></html>\n".encode()


# --------------------------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class Resource:
    """What one path answers: the body (or the file holding it), its type, and PyPI's headers for it."""

    content_type: str
    cache_control: str
    etag: str
    last_modified: float
    body: bytes | None = None
    file: Path | None = None

    def read(self) -> bytes:
        return self.body if self.body is not None else self.file.read_bytes() if self.file else b""


def resources(projects: Mapping[str, list[Wheel]], started: float) -> dict[str, Resource]:
    """Every path the index answers: ``/simple/``, ``/simple/NAME/``, ``/files/FILE`` and ``FILE.metadata``."""
    found: dict[str, Resource] = {}

    def page(path: str, body: bytes) -> None:
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        found[path] = Resource("text/html; charset=utf-8", PAGE_CACHE, etag, started, body=body)

    page("/simple/", root_page(sorted(projects)))
    for name, wheels in projects.items():
        page(f"/simple/{name}/", project_page(name, wheels))
        for wheel in wheels:
            mtime = wheel.path.stat().st_mtime
            found[f"/files/{wheel.path.name}"] = Resource(
                "application/octet-stream", FILE_CACHE, f'"{wheel.sha256}"', mtime, file=wheel.path
            )
            found[f"/files/{wheel.path.name}.metadata"] = Resource(
                "application/octet-stream", FILE_CACHE, f'"{wheel.metadata_sha256}"', mtime, body=wheel.metadata
            )
    return found


Request = tuple[str, int, str]
"""A request as counted: its path, the status answered, and the client (``uv``, ``pip``: its User-Agent's name)."""


class _Handler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the server's :func:`resources`; counts every request."""

    protocol_version = "HTTP/1.1"  # keep-alive, as PyPI's CDN
    server: _Server

    def do_GET(self) -> None:
        self.answer(body=True)

    def do_HEAD(self) -> None:
        self.answer(body=False)

    def answer(self, *, body: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        simple = re.fullmatch(r"/simple/([^/]+)/?", path)
        if simple:
            path = f"/simple/{normalize(simple.group(1))}/"
        resource = self.server.resources.get(path)
        status = 404 if resource is None else 200
        if resource is not None and resource.etag in self.headers.get("If-None-Match", ""):
            status = 304
        self.server.count(path, status, self.headers.get("User-Agent", "").split("/", 1)[0] or "?")
        data = b"Not Found\n" if resource is None else resource.read() if status == 200 else b""
        self.send_response(status)
        if resource is not None:
            self.send_header("Cache-Control", resource.cache_control)
            self.send_header("ETag", resource.etag)
            self.send_header("Last-Modified", formatdate(resource.last_modified, usegmt=True))
        self.send_header("Content-Type", "text/plain" if resource is None else resource.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body and data:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the requests are counted, not logged."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    resources: dict[str, Resource]
    counts: Counter[Request]
    lock: threading.Lock

    def count(self, path: str, status: int, agent: str) -> None:
        with self.lock:
            self.counts[path, status, agent] += 1


class IndexServer:
    """The wheels of a folder as a simple index at ``http://127.0.0.1:PORT/simple/``, served from a thread."""

    def __init__(self, folder: Path) -> None:
        self.projects = scan(folder)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.resources = resources(self.projects, time.time())
        self._server.counts = Counter()
        self._server.lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-index", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple"

    def take(self) -> Counter[Request]:
        """The requests (path, status, client) served since the last call."""
        with self._server.lock:
            counts, self._server.counts = self._server.counts, Counter()
        return counts

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def local_env(env: Mapping[str, str], url: str) -> dict[str, str]:
    """*env* pointed at the index at *url* alone: uv (orch's, tox-uv's) and pip (tox's) ask nothing else.

    ``PIP_CONFIG_FILE`` is the null device, so pip reads no configuration file (this machine's names
    ``find-links`` and extra indexes). ``PIP_TRUSTED_HOST``: pip caches HTTP responses only from HTTPS or
    trusted hosts, so that tox's pip keeps the wheels it fetched, as it does from PyPI. ``127.0.0.1`` is kept
    off any HTTP proxy."""
    result = download_env(env)
    result.update(UV_DEFAULT_INDEX=url, PIP_INDEX_URL=url, PIP_TRUSTED_HOST="127.0.0.1")
    for name in ("NO_PROXY", "no_proxy"):
        result[name] = ",".join(filter(None, (result.get(name), "127.0.0.1", "localhost")))
    return result


# --------------------------------------------------------------------------------------------- in a script


def kind(path: str, status: int) -> str:
    """What a request asked for: ``page``, ``metadata`` or ``wheel``; or what it got: ``304``, ``404``."""
    if status != 200:
        return str(status)
    return "page" if path.startswith("/simple/") else "metadata" if path.endswith(".metadata") else "wheel"


@dataclass
class Requests:
    """The requests one tool run made to the local index."""

    phase: str
    key: str
    timed: bool
    counts: Counter[Request]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        paths = {" ".join(map(str, request)): n for request, n in sorted(self.counts.items())}
        return {"phase": self.phase, "key": self.key, "timed": self.timed, "total": self.total, "paths": paths}


@dataclass
class BenchIndex:
    """The index of one invocation (``--index``): started by :meth:`start`, closed on leaving the ``with``."""

    mode: str = "proxy"
    server: IndexServer | None = None
    url: str | None = None
    runs: list[Requests] = field(default_factory=list)

    def __enter__(self) -> BenchIndex:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def start(self, interpreters: Mapping[str, Path], env: Mapping[str, str], results: Results) -> dict[str, str]:
        """The ``index`` section; for ``local``, the wheels downloaded and the server started: *env* pointed at
        it. A failure is recorded in *results* (the caller checks ``results.errors``) and *env* returned as is."""
        section(f"index: {self.mode}")
        if self.mode != "local":
            print("  the machine's default: PyPI through its proxy (pages without Cache-Control), pip's config")
            return dict(env)
        problem = download_wheels(interpreters, env)
        if problem is not None:
            results.error(problem)
            return dict(env)
        self.server = IndexServer(WHEELS_DIR)
        self.url = self.server.url
        files = sum(len(wheels) for wheels in self.server.projects.values())
        print(f"  {self.server.url}/: {len(self.server.projects)} projects, {files} wheels from {WHEELS_DIR}")
        print(f"  pages Cache-Control: {PAGE_CACHE}; files: {FILE_CACHE}; no pip config file")
        return local_env(env, self.server.url)

    def note(self, phase: str, key: str, *, timed: bool = True) -> None:
        """Charge the requests since the last note to the run of *key* in *phase* that just ended."""
        if self.server is not None:
            self.runs.append(Requests(phase, key, timed, self.server.take()))

    def report(self) -> None:
        """The section with :meth:`table` (``local`` only)."""
        table = self.table()
        if table is not None:
            section(f"requests to the local index, per run of each tool (untimed runs in brackets; {self.url}/)")
            print(table)

    def table(self) -> str | None:
        """Requests per run, by phase and tool (each run's count, in order; untimed runs in brackets)."""
        if self.mode != "local":
            return None
        rows: dict[tuple[str, str], list[Requests]] = {}
        for run in self.runs:
            rows.setdefault((run.phase, run.key), []).append(run)
        lines = []
        for (phase, key), runs in rows.items():
            counts = " ".join(str(r.total) if r.timed else f"({r.total})" for r in runs)
            kinds: Counter[str] = Counter()
            for run in runs:
                for (path, status, agent), n in run.counts.items():
                    kinds[f"{kind(path, status)} ({agent})"] += n
            lines.append([phase, key, counts, ", ".join(f"{n} {what}" for what, n in kinds.most_common())])
        return format_table(["phase", "run", "requests per run", "of which (all runs)"], lines, left=(0, 1, 3))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the mode, the index's URL and every run's requests."""
        return {"mode": self.mode, "url": self.url, "requests": [run.as_dict() for run in self.runs]}
