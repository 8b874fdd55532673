"""The ``sdist`` builder: a source distribution, and the wheel built from it.

Building the wheel from the unpacked sdist (not from the source tree) is what an installer does
with an sdist, so a file the sdist leaves out fails here, at build time, instead of in a user's
install. The envs install that wheel; the sdist stays beside it in ``out_dir``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.builders.source import source_files


class SdistBuilder:
    """Builds the sdist of ``request.root``, then the wheel of that sdist, both into ``request.out_dir``."""

    def build(self, request: BuildRequest) -> Artifact:
        # loaded when a build runs, not on a cache hit (a warm run loads this module: it imports little)
        import tempfile

        from orch.builders.pep517 import Pep517, sdist_artifact, wheel_artifact

        settings = request.packagedef.config_settings
        pep517 = Pep517(request)
        with (
            tempfile.TemporaryDirectory(prefix="orch-stage-") as staging,
            tempfile.TemporaryDirectory(prefix="orch-sdist-") as tmp,
        ):
            stage(request.root, Path(staging), request.exclude)
            sdist, wheel = pep517.sdist_and_wheel(Path(staging), Path(tmp), request.out_dir, settings)
            sdist_artifact(sdist)  # a file name installers would refuse fails here
            if wheel is None:  # not built in the sdist's process: from the sdist unpacked here
                source = unpack(sdist, Path(tmp, "unpacked"))  # not where the hook runner may have begun
                wheel = pep517.build("wheel", source, request.out_dir, settings, what="the wheel from the sdist")
        return wheel_artifact(wheel)


def stage(root: Path, into: Path, exclude: tuple[Path, ...]) -> None:
    """Copy the source files (those the fingerprint hashes) into ``into``, with ``.git`` linked
    for backends that read versions from it. A backend that packs everything it finds (hatchling
    does, minus the folders it knows) then never packs orch's work dir, other tools' envs or
    build output into the sdist."""
    for rel in source_files(root, exclude=exclude):
        source, target = root / rel, into / rel
        if not os.path.lexists(source):  # tracked, but deleted in the work tree
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    if (root / ".git").exists():
        os.symlink(root / ".git", into / ".git")


def unpack(sdist: Path, into: Path) -> Path:
    """Unpack ``sdist`` (a .tar.gz, or an old-style .zip) into ``into``; the project folder inside it."""
    import tarfile
    import zipfile

    from orch.builders.hook_runner import untar

    try:
        into.mkdir(exist_ok=True)
        if sdist.suffix == ".zip":
            with zipfile.ZipFile(sdist) as zipped:  # zipfile keeps members inside ``into`` by itself
                zipped.extractall(into)
        else:
            untar(str(sdist), str(into))
    except (tarfile.TarError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BuildError(f"cannot unpack {sdist}: {exc}") from None
    folders = [entry for entry in into.iterdir() if entry.is_dir()]
    if len(folders) != 1:
        raise BuildError(f"{sdist.name} does not hold exactly one top-level folder")
    return folders[0]
