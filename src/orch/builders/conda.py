"""The ``conda`` builder: the project's wheel, turned into a conda package.

The wheel is built from the source tree like the ``wheel`` builder builds it (PEP 517, in an
isolated build env, with the packagedef's ``build_python`` and ``config_settings``), then converted
by whl2conda (:mod:`orch.builders.wheel_to_conda`): a pure wheel gives a ``noarch: python`` package,
with the environment-marker dependencies that hold for the build interpreter's Python added back;
a wheel that is not pure, or whose markers depend on the Python version, gives a package for that
Python only (``pure = False``: the package stage builds it again for each other Python, see
:mod:`orch.schedule.packages`).

The artifact is ``<out_dir>/<subdir>/<name>-<version>-<build>.conda``, ``subdir`` being ``noarch`` or
the platform, as in a channel. Its build number comes from the source fingerprint (or, without
one, the wheel's content) and the target Python, so each change of the sources gives a new, unique
build; the package stage copies the artifact into the project's local channel
(``<work_dir>/conda-channel``), indexes it and installs exactly that build. The artifact cache
builds it once per source state.

With the packagedef's ``recipe`` set, rattler-build builds that ``recipe.yaml`` instead
(:mod:`orch.builders.conda_recipe`), and no wheel is made.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.builders.pep517 import Pep517, wheel_artifact
from orch.distribution import conda_extra_hint


class CondaBuilder:
    """Builds a conda package of ``request.root`` into ``request.out_dir``."""

    def build(self, request: BuildRequest) -> Artifact:
        if request.packagedef.recipe:
            from orch.builders.conda_recipe import build_recipe

            return build_recipe(request)
        from orch.builders.wheel_to_conda import build_number, content_hash, convert_wheel, python_dependent

        python_version = request.build_python.major_minor
        scratch = tempfile.mkdtemp(prefix="orch-conda-wheel-")
        try:
            settings = request.packagedef.config_settings
            wheel = Pep517(request).build("wheel", request.root, Path(scratch), settings)
            built = wheel_artifact(wheel)
            per_python = python_dependent(wheel)
            fingerprint = request.source_hash or content_hash(wheel)
            number = build_number(fingerprint, python_version if per_python else "")
            request.note(f"converting {wheel.name} to a conda package (build {number})")
            try:
                path = convert_wheel(wheel, request.out_dir, python_version=python_version, number=number)
            except ImportError:
                name = request.packagedef.name
                raise BuildError(
                    f"[packagedef:{name}] the conda builder needs whl2conda ({conda_extra_hint('whl2conda')})"
                ) from None
            except Exception as exc:  # whl2conda raises its own errors, and ValueError for bad metadata
                message = " ".join(str(exc).split()) or type(exc).__name__
                raise BuildError(f"converting {wheel.name} to a conda package failed: {message}") from exc
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        name = path.name.removesuffix(".conda").removesuffix(".tar.bz2").rsplit("-", 2)[0]
        return Artifact(path, "conda", name, built.version, pure=not per_python)
