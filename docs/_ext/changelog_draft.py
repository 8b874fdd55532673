"""Render the unreleased changelog into the changelog page at build time.

``docs/changelog.md`` holds the line ``<!-- towncrier-draft -->``; when Sphinx reads that page
this extension replaces the line with ``towncrier build --draft`` of the fragments in
``changelog/``, so the site always shows what the next release will say. towncrier runs offline
and writes nothing in draft mode. Released notes are written by ``towncrier build`` below the
``<!-- towncrier release notes start -->`` line of the same page.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

MARKER = "<!-- towncrier-draft -->"
DOCNAME = "changelog"
logger = logging.getLogger(__name__)


def draft(root: Path, version: str) -> str:
    """The unreleased notes as towncrier renders them (stdout; its progress lines go to stderr)."""
    cmd = [sys.executable, "-m", "towncrier", "build", "--draft", "--version", version, "--date", "unreleased"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        logger.warning("towncrier build --draft failed (%d):\n%s", proc.returncode, proc.stderr.strip())
        return ""
    text = proc.stdout.strip()
    if not text or "No significant changes" in text:
        return "No unreleased changes."
    return text


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname != DOCNAME:
        return
    if MARKER not in source[0]:
        logger.warning("%s.md has no %s line: the unreleased changelog is not shown", DOCNAME, MARKER)
        return
    root = Path(app.confdir).parent
    source[0] = source[0].replace(MARKER, draft(root, app.config.release), 1)


def always_reread(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Fragments live outside the docs folder, so Sphinx cannot see them change: read the page every build."""
    return [DOCNAME] if DOCNAME in env.found_docs else []


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("source-read", on_source_read)
    app.connect("env-get-outdated", always_reread)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
