"""Sphinx configuration of orch's documentation site: Sphinx, MyST Markdown and the furo theme.

Build it, warnings as errors, as .ci/run does::

    pip install -e '.[docs]'
    sphinx-build -n -W --keep-going -b html docs docs/_build/html

Nothing here reaches the network: there is no intersphinx, the changelog's unreleased part is
rendered by towncrier from changelog/ at build time, and ``_ext/offline_links.py`` checks every
relative link and anchor of the built HTML.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

_version = re.search(r'^__version__ = "([^"]+)"', (ROOT / "src" / "orch" / "__init__.py").read_text(), re.M)

project = "orch"
author = "orch developers"
copyright = "orch developers"
release = _version.group(1) if _version else "unknown"
version = release

extensions = [
    "myst_parser",
    "changelog_draft",  # the unreleased changelog, rendered by towncrier
    "offline_links",  # every relative link and anchor of the built HTML must resolve
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

# Every reference must resolve (-n on the command line does the same).
nitpicky = True

# MyST: relative `.md` links become document references (checked), headings get anchors
# (`page.md#a-heading` is checked too), ::: fences and definition lists are available.
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence", "deflist"]

# Code blocks: the pages use console, ini, toml, bash, python, json, yaml and text; a block
# Pygments cannot lex is a warning, hence an error.
highlight_language = "text"
pygments_style = "friendly"
pygments_dark_style = "monokai"

html_theme = "furo"
html_title = f"orch {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": True,
    "top_of_page_buttons": [],  # no "edit this page" link: it would point at a host the build cannot check
}
html_show_sourcelink = False
