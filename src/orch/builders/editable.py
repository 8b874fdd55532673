"""The editable builders: PEP 660 editable wheels, and tox's ``editable-legacy``."""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

from orch.builders.api import Artifact, BuildRequest

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser under its old name; imported by name so type checks need no tomli
    tomllib = importlib.import_module("tomli")


class EditableBuilder:
    """Builds a PEP 660 editable wheel of ``request.root`` (kind ``"editable"``)."""

    def build(self, request: BuildRequest) -> Artifact:
        # the PEP 517 machinery loads when a build runs, not on a cache hit
        from orch.builders.pep517 import Pep517, wheel_artifact

        settings = request.packagedef.config_settings
        path = Pep517(request).build("editable", request.root, request.out_dir, settings)
        return wheel_artifact(path, kind="editable")


class EditableLegacyBuilder:
    """tox's ``editable-legacy``: nothing is built; the installer runs ``pip install -e <root>``.

    The artifact's path is the project folder; its name and version come from the ``[project]``
    table when it states both, else from the backend's metadata.
    """

    def build(self, request: BuildRequest) -> Artifact:
        from orch.builders.pep517 import Pep517, check_project

        check_project(request.root)
        found = _static_name_version(request.root / "pyproject.toml")
        if found is None:
            with tempfile.TemporaryDirectory(prefix="orch-metadata-") as tmp:
                found = Pep517(request).metadata(request.root, Path(tmp))
        from packaging.utils import canonicalize_name

        name, version = found
        return Artifact(request.root, "editable-legacy", str(canonicalize_name(name)), version)


def _static_name_version(pyproject: Path) -> tuple[str, str] | None:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        project = tomllib.loads(text).get("project")
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    if not isinstance(project, dict):
        return None
    name, version = project.get("name"), project.get("version")
    if isinstance(name, str) and isinstance(version, str) and "version" not in project.get("dynamic", ()):
        return name, version
    return None
