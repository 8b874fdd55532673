"""A minimal PEP 517 backend: build_wheel and build_sdist, no build_editable (PEP 660).

The wheel also holds ``no_editable/_config_settings.json``: the config_settings it was built with.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import zipfile

NAME, VERSION = "no_editable", "1.0"
SOURCES = ("no_editable/__init__.py",)
METADATA = f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(
    wheel_directory: str, config_settings: dict[str, str] | None = None, metadata_directory: str | None = None
) -> str:
    dist_info = f"{NAME}-{VERSION}.dist-info"
    files: dict[str, bytes] = {}
    for source in SOURCES:
        with open(source, "rb") as stream:
            files[source] = stream.read()
    files[f"{NAME}/_config_settings.json"] = json.dumps(config_settings or {}, sort_keys=True).encode()
    files[f"{dist_info}/METADATA"] = METADATA.encode()
    wheel = "Wheel-Version: 1.0\nGenerator: simple_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist_info}/WHEEL"] = wheel.encode()
    record = [_record_line(path, data) for path, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return name


def build_sdist(sdist_directory: str, config_settings: dict[str, str] | None = None) -> str:
    base = f"{NAME}-{VERSION}"
    name = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as archive:
        for source in (*SOURCES, "pyproject.toml", "_backend/simple_backend.py"):
            archive.add(source, arcname=f"{base}/{source}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = METADATA.encode()
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return name
