"""pip in a uv-made env without copying it in: one shared copy, linked by a ``.pth`` file.

tox's envs have pip (and setuptools before Python 3.12), so orch's have it too (``seed_pip``). pip
and setuptools are about a thousand files; installing them into every new env costs more than the
env's own deps in a small project. So, as pipx does for its apps' envs, the wheels virtualenv embeds
are unpacked once into orch's cache (``<cache>/seed/pip-26.3-setuptools-84.2.1``, one folder per set of wheels, unpacked
beside it and renamed into place, so a half-written copy is never used), and each env gets:

* ``_orch_seed.pth`` in its site-packages, naming that folder: Python appends it to ``sys.path``
  after the env's own site-packages, so anything the env installs itself wins (``deps = pip==24.0``,
  a newer setuptools);
* the copy's other ``.pth`` files (setuptools' ``distutils-precedence.pth``), read after
  ``_orch_seed.pth`` because ``_`` sorts first;
* the ``pip``, ``pip3`` and ``pip3.X`` scripts, as an installer writes them.

``python -m pip``, ``pip install``, ``pip freeze`` and ``import setuptools`` work as in tox's env.
pip installs into the env, never into the shared copy: it sees that copy as outside the
environment, so ``pip install -U pip`` puts a new pip into the env (which then comes first) and
``pip uninstall pip`` leaves the shared copy alone. uv does not see the shared copy at all.

An env records the folder's name (``pip = shared pip-26.3...``); a reused env whose folder has gone (the
cache was cleared) is recreated. ``download = true`` asks the index for the newest pip instead, and
that goes into the env as before (:mod:`orch.envs.seed`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from orch.paths import cache_dir

PTH = "_orch_seed.pth"
SHEBANG_MAX = 127  # longer first lines are cut by some kernels: then a /bin/sh trampoline


def folder(wheels: Sequence[Path], environ: Mapping[str, str] | None = None) -> Path:
    """Where the shared copy of ``wheels`` lives (it may not exist yet), an absolute path (a ``.pth``
    line is read relative to its own folder): named by the wheels' names, versions and build tags
    (``pip-26.3-setuptools-84.2.1``), which a wheel never changes under."""
    parts = [wheel.name.split("-")[:-3] for wheel in sorted(wheels, key=lambda w: w.name)]  # no python-abi-platform
    label = "-".join("-".join(part).lower() for part in parts)
    return Path(os.path.abspath(cache_dir(environ) / "seed" / label))


def ensure(wheels: Sequence[Path], environ: Mapping[str, str] | None = None) -> Path:
    """The shared copy of ``wheels``, unpacked first when missing; raise ``OSError`` when it cannot be."""
    target = folder(wheels, environ)
    if target.is_dir():
        return target
    import tempfile  # here and below: only the first env with these wheels needs them (zipfile alone is 4 ms)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp's folder is the owner's only: a cache shared by users (a CI image) too
        for wheel in wheels:
            _unpack(wheel, staging)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # not another process finishing first
                raise
    finally:
        if staging.exists():  # made above by this process: ours to remove
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _unpack(wheel: Path, into: Path) -> None:
    """A pure-Python wheel's files, as an installer puts them into site-packages."""
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            parts = member.split("/")
            if ".." in parts or member.startswith("/") or parts[0].endswith(".data"):
                raise OSError(f"{wheel.name}: {member} cannot go into a shared copy")
        archive.extractall(into)


def link(site_packages: Path, bin_dir: Path, python: Path, shared: Path, version: tuple[int, ...]) -> None:
    """Make ``shared`` part of the env whose site-packages and scripts folder are given."""
    site_packages.mkdir(parents=True, exist_ok=True)
    for pth in sorted(shared.glob("*.pth")):
        shutil.copyfile(pth, site_packages / pth.name)
    (site_packages / PTH).write_text(f"{shared}\n", encoding="utf-8")
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, target in _scripts(shared, version).items():
        script = bin_dir / name
        if not script.exists():  # an installer's own script (a pip in the deps) stays
            script.write_text(_script_text(python, target), encoding="utf-8")
            script.chmod(0o755)


def usable(shared: Path) -> bool:
    """Whether a shared copy is still whole enough to serve (a cleared or pruned cache)."""
    return (shared / "pip" / "__init__.py").is_file()


def linked(site_packages: Sequence[Path]) -> Path | None:
    """The shared copy an env's ``.pth`` names, if any."""
    for folder_ in site_packages:
        with contextlib.suppress(OSError):
            return Path((folder_ / PTH).read_text(encoding="utf-8").strip())
    return None


_SCRIPTS: dict[tuple[Path, tuple[int, ...]], dict[str, str]] = {}  # read once per run: a copy never changes


def _scripts(shared: Path, version: tuple[int, ...]) -> dict[str, str]:
    """Console scripts of the shared distributions (name -> ``module:function``); pip's versioned
    names for the env's Python, as pip and uv write them. Kept unless none were found (a copy pruned
    meanwhile, made again later)."""
    key = (shared, tuple(version))
    if key not in _SCRIPTS and (found := _read_scripts(shared, version)):
        _SCRIPTS[key] = found
    return _SCRIPTS.get(key, {})


def _read_scripts(shared: Path, version: tuple[int, ...]) -> dict[str, str]:
    import configparser

    scripts: dict[str, str] = {}
    for entry_points in sorted(shared.glob("*.dist-info/entry_points.txt")):
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep the names' case
        with contextlib.suppress(configparser.Error, OSError):
            parser.read(entry_points, encoding="utf-8")
        if parser.has_section("console_scripts"):
            scripts.update({name.strip(): value.strip() for name, value in parser.items("console_scripts")})
    if "pip" in scripts:
        target = scripts["pip"]
        scripts = {name: value for name, value in scripts.items() if not name.startswith("pip")}
        major, minor = version[0], version[1]
        scripts.update({"pip": target, f"pip{major}": target, f"pip{major}.{minor}": target})
    return scripts


def _script_text(python: Path, target: str) -> str:
    module, _, function = target.partition(":")
    head = f"#!{python}\n"
    if len(head) > SHEBANG_MAX or " " in str(python):
        head = f"#!/bin/sh\n'''exec' \"{python}\" \"$0\" \"$@\"\n' '''\n"
    attribute = function.split(".")[0]
    call = function.strip() or "main"
    return (
        f"{head}import re\nimport sys\nfrom {module.strip()} import {attribute.strip() or 'main'}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({call}())\n"
    )
