"""Check every relative link and anchor of the built HTML, without the network.

After an HTML build, each ``href`` and ``src`` without a scheme must name a file of the build and,
with ``#fragment``, an ``id`` (or ``name``) in that file. A broken one is a Sphinx warning, so
``sphinx-build -W`` fails on it. Links with a scheme (``https:``, ``mailto:``...) are not fetched:
this is the internal half of a link check, the half that runs where there is no network.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
LINK_ATTRS = {"a": "href", "link": "href", "img": "src", "script": "src"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key) and (key == "id" or tag == "a"):
                self.ids.add(str(values[key]))
        attr = LINK_ATTRS.get(tag)
        if attr and values.get(attr):
            self.links.append(str(values[attr]))


def check(outdir: Path) -> list[str]:
    pages: dict[Path, Page] = {}
    for path in sorted(outdir.rglob("*.html")):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.resolve()] = page
    problems = []
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("javascript:", "data:")):
                continue  # external: not fetched here
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            rel = PurePosixPath(path.relative_to(outdir.resolve()).as_posix())
            if not target.exists():
                problems.append(f"{rel}: broken link {link!r}: no such file in the build")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if fragment not in ids:
                    problems.append(f"{rel}: broken link {link!r}: no id {fragment!r} in {target.name}")
    return problems


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    problems = check(Path(app.outdir))
    for problem in problems:
        logger.warning(problem, type="offline_links", subtype="broken")
    logger.info("offline link check: %d broken relative links or anchors", len(problems))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
