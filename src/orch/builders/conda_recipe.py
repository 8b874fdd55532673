"""The ``conda`` builder with a ``recipe``: rattler-build builds the project's ``recipe.yaml``.

rattler-build (py-rattler-build, ``pip install 'orch-tox[conda]'``, Python 3.10+) runs in a worker subprocess
(:mod:`orch.builders.rattler_build_worker`, started through :mod:`orch.execute`) into a scratch
folder; the package it makes is moved to ``<out_dir>/<subdir>/``, as the wheel conversion does. The
recipe's tests are skipped (the envs run the tests). Build and host dependencies come from the
packagedef's ``conda_channels`` (default ``conda-forge``); a recipe without requirements needs no
channel and no network.

The build number is derived from the sources (the project's source state and the recipe's text), so
each change gives a new, unique build the envs reinstall; the recipe's own ``build.number`` is
replaced. The artifact cache runs the build once per source state.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from orch.builders.api import Artifact, BuildError, BuildRequest
from orch.distribution import conda_extra_hint

WORKER = "orch.builders.rattler_build_worker"
CHANNELS = ("conda-forge",)


def recipe_file(request: BuildRequest) -> Path:
    """The packagedef's recipe: a ``recipe.yaml`` (or a folder holding one), relative to the project."""
    pdef = request.packagedef
    path = request.root / pdef.recipe
    if path.is_dir():
        path = path / "recipe.yaml"
    if not path.is_file():
        raise BuildError(f"[packagedef:{pdef.name}] recipe {pdef.recipe!r}: no such file {path}")
    return path


def build_recipe(request: BuildRequest) -> Artifact:
    """Build the packagedef's recipe into ``request.out_dir``; the conda package."""
    from orch.builders.source import source_state
    from orch.builders.wheel_to_conda import build_number

    recipe = recipe_file(request)
    if importlib.util.find_spec("rattler_build") is None:
        name = request.packagedef.name
        hint = conda_extra_hint("py-rattler-build")
        raise BuildError(f"[packagedef:{name}] building a recipe needs py-rattler-build ({hint})")
    sources = request.source_hash or source_state(request.root, exclude=request.exclude).hash
    number = build_number(sources, recipe.read_text(encoding="utf-8"))
    request.note(f"building {recipe.relative_to(request.root)} with rattler-build (build {number})")
    scratch = Path(tempfile.mkdtemp(prefix="orch-rattler-build-"))
    try:
        output = scratch / "output"
        channels = list(request.packagedef.conda_channels or CHANNELS)
        job = {"recipe": str(recipe), "channels": channels, "output_dir": str(output), "build_number": number}
        packages = _run(request, job, scratch)
        if len(packages) != 1:
            found = ", ".join(p.name for p in packages) or "nothing"
            raise BuildError(f"rattler-build made {found}, expected one conda package (see {request.log})", request.log)
        built = packages[0]
        target = request.out_dir / built.parent.name / built.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    name, version, _ = target.name.removesuffix(".conda").removesuffix(".tar.bz2").rsplit("-", 2)
    return Artifact(target, "conda", name, version, pure=True if target.parent.name == "noarch" else None)


def _run(request: BuildRequest, job: dict[str, object], scratch: Path) -> list[Path]:
    from orch.execute import Request, execute

    request_file, result_file = scratch / "request.json", scratch / "result.json"
    request_file.write_text(json.dumps({**job, "result": str(result_file)}), encoding="utf-8")
    env = dict(request.environ)
    source_root = str(Path(__file__).resolve().parents[2])  # orch importable even from a bare checkout
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH", "")) if p)
    argv = (sys.executable, "-m", WORKER, str(request_file))
    log = request.log
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"$ {shlex.join(argv)}  # rattler-build {job['recipe']}\n")
    outcome = execute(Request(argv=argv, cwd=scratch, env=env, log=log))
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = None
    if isinstance(result, dict) and result.get("ok") is True and outcome.ok:
        return [Path(p) for p in result.get("packages", [])]
    problem = result.get("error") if isinstance(result, dict) else None
    problem = problem or f"the worker ended without a result ({outcome.status.value}, exit {outcome.exit_code})"
    raise BuildError(f"rattler-build failed: {problem} (see {log})", log)
