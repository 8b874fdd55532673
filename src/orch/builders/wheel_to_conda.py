"""Turn a wheel into a conda package with whl2conda's in-process API (offline, no conda needed).

whl2conda writes a ``noarch: python`` package for a pure wheel and drops every dependency with an
environment marker, since a noarch package cannot say "only on Python 3.8". orch builds for known
targets, so :func:`convert_wheel` puts those dependencies back, evaluated for the target Python
on this platform. When a marker depends on the Python version (``tomli; python_version < "3.11"``),
the package also pins ``python X.Y.*``: it is then a per-Python package (see
:func:`python_dependent`), and each target gets a build of its own, with its own build number.
A wheel that is not pure gives a per-Python, per-platform package.

whl2conda is imported only here, only when converting.
"""

from __future__ import annotations

import email.parser
import hashlib
import re
import zipfile
from pathlib import Path

from orch.config.typed import canonical_name

_PYTHON_MARKER = re.compile(r"\bpython_(full_)?version\b")


def requires_dist(wheel: Path) -> tuple[str, ...]:
    """The ``Requires-Dist`` lines of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        name = next((n for n in archive.namelist() if n.endswith(".dist-info/METADATA")), None)
        if name is None:
            return ()
        text = archive.read(name).decode("utf-8", errors="replace")
    message = email.parser.Parser().parsestr(text, headersonly=True)
    return tuple(message.get_all("Requires-Dist") or ())


def is_pure(wheel: Path) -> bool:
    """Whether the wheel's tags say ``none-any`` (a pure Python wheel)."""
    from packaging.utils import parse_wheel_filename

    tags = parse_wheel_filename(wheel.name)[3]
    return all(tag.abi == "none" and tag.platform == "any" for tag in tags)


def python_dependent(wheel: Path) -> bool:
    """Whether the conda package made of ``wheel`` differs per Python version (markers or a binary wheel)."""
    if not is_pure(wheel):
        return True
    return any(_PYTHON_MARKER.search(line.partition(";")[2]) for line in requires_dist(wheel) if ";" in line)


def build_number(*parts: str) -> int:
    """A build number derived from ``parts`` (a source fingerprint, a Python version): stable, < 2**31."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return int(digest[:8], 16) % (2**31)


def marker_dependencies(wheel: Path, python_version: str) -> list[str]:
    """The dependencies with an environment marker that holds for ``python_version`` on this platform,
    as ``name version-spec`` lines (pip names; whl2conda renames them like the others)."""
    from packaging.markers import default_environment
    from packaging.requirements import InvalidRequirement, Requirement

    environment = {key: str(value) for key, value in default_environment().items()}
    environment.update(python_version=python_version, python_full_version=f"{python_version}.0", extra="")
    found: list[str] = []
    for line in requires_dist(wheel):
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or "extra" in str(requirement.marker):
            continue
        if requirement.marker.evaluate(environment):
            found.append(f"{requirement.name} {requirement.specifier}".strip())
    return found


def convert_wheel(
    wheel: Path, out_dir: Path, *, python_version: str, number: int, conda_forge_names: bool = True
) -> Path:
    """Convert ``wheel`` into a conda package for ``python_version`` ("3.12"); its path,
    ``out_dir/<subdir>/<file>`` (``noarch``, or the platform's ``linux-64``...: a channel's layout).

    Dependencies are renamed to conda-forge's names (``typing_extensions``) unless
    ``conda_forge_names`` is false: whl2conda names the package itself by its normalised PyPI name
    (``typing-extensions``), so a channel made only of converted wheels needs PyPI names throughout.

    Raises ``ImportError`` without whl2conda 26.7+, ``Exception`` subclasses of whl2conda on a wheel it
    cannot convert.
    """
    import logging

    from whl2conda.api.converter import Wheel2CondaConverter

    if not hasattr(Wheel2CondaConverter, "conda_target"):  # whl2conda 25 (3.9's newest) names every build py_0
        raise ImportError("whl2conda 26.7 or newer is needed")
    logging.getLogger("whl2conda").setLevel(logging.ERROR)  # it warns for every marker dependency
    converter = Wheel2CondaConverter(wheel, out_dir)
    converter.build_number = number
    converter.overwrite = True
    converter.allow_impure = True
    if not conda_forge_names:
        converter.std_renames = {}
    if not is_pure(wheel):
        converter.python_version = python_version
    extra = []
    for line in marker_dependencies(wheel, python_version):
        name, _, spec = line.partition(" ")
        conda_name = converter.std_renames.get(canonical_name(name), name)
        extra.append(f"{conda_name} {converter.translate_version_spec(spec)}".strip())
    if is_pure(wheel) and python_dependent(wheel):
        extra.append(f"python {python_version}.*")
    converter.extra_dependencies = extra
    converter.out_dir = out_dir / ".convert"
    made = Path(converter.convert())
    subdir = converter.conda_target.subdir if converter.conda_target is not None else "noarch"
    target = out_dir / subdir / made.name
    target.parent.mkdir(parents=True, exist_ok=True)
    made.replace(target)
    made.parent.rmdir()
    return target


def content_hash(wheel: Path) -> str:
    """A fingerprint of what a wheel holds: its RECORD (every file's hash), not its timestamps."""
    with zipfile.ZipFile(wheel) as archive:
        record = next((n for n in archive.namelist() if n.endswith(".dist-info/RECORD")), None)
        data = archive.read(record) if record is not None else wheel.read_bytes()
    return hashlib.sha256(data).hexdigest()
