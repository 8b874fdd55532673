"""The ``external`` builder: the packagedef's ``build_commands`` make the artifact, ``package_glob`` finds it.

The commands run in the project folder with the caller's environment, never through a shell; a
command marked ``- `` may fail. The glob (relative to the project folder, ``**`` allowed) must then
match exactly one file, which is copied into ``out_dir``. Its kind comes from its name: a ``.whl``
is a wheel and a ``.tar.gz`` an sdist (both named and versioned from the file name), anything
else is ``external`` with an empty name and version.
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.execute import Request, execute


class ExternalBuilder:
    """Runs ``build_commands``, then takes the one file ``package_glob`` matches."""

    def build(self, request: BuildRequest) -> Artifact:
        pdef, root, log = request.packagedef, request.root, request.log
        if not pdef.package_glob:
            raise BuildError(f"[packagedef:{pdef.name}] the external builder needs package_glob")
        env = dict(request.environ)
        log.parent.mkdir(parents=True, exist_ok=True)
        for command in pdef.build_commands:
            request.note(f"running {command}")
            with log.open("a", encoding="utf-8") as stream:
                stream.write(f"$ {command}\n")
            outcome = execute(Request(argv=tuple(command.args), cwd=root, env=env, log=log))
            if not outcome.ok and not command.ignore_exit:
                raise BuildError(f"build command {command} failed ({outcome.problem}), see {log}", log)
        found = matches(root, pdef.package_glob)
        if len(found) != 1:
            if found:
                listed = ", ".join(_shown(path, root) for path in found)
                what = f"matched {len(found)} files ({listed}); it must match exactly one"
            else:
                what = f"matched nothing in {root}"
            raise BuildError(f"[packagedef:{pdef.name}] package_glob {pdef.package_glob!r} {what}", log)
        request.out_dir.mkdir(parents=True, exist_ok=True)
        path = Path(shutil.copy2(found[0], request.out_dir / found[0].name))
        return artifact(path)


def matches(root: Path, pattern: str) -> list[Path]:
    """The files ``pattern`` matches, relative to ``root`` unless absolute, sorted."""
    full = pattern if os.path.isabs(pattern) else os.path.join(glob.escape(str(root)), pattern)
    return sorted(Path(p) for p in glob.glob(full, recursive=True) if os.path.isfile(p))


def artifact(path: Path) -> Artifact:
    """The artifact of an externally built file, its kind from its name."""
    from orch.builders.pep517 import sdist_artifact, wheel_artifact

    if path.name.endswith(".whl"):
        return wheel_artifact(path)
    if path.name.endswith(".tar.gz"):
        return sdist_artifact(path)
    return Artifact(path, "external", "", "")


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
