"""``orch convert``'s output read by real tox: the same ``tox config`` as the tox.ini it came from (issue 11)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orch.config.convert_toml import convert_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from compat import COMPAT, scrubbed_environment
from tox_oracle import needs_oracle_tox

pytestmark = [
    pytest.mark.integration,
    needs_oracle_tox,
]

# Small corpus files that convert exactly and that tox reads fast; pluggy and pytest-django have an
# {env:X} argument that set_env sets to several words, which the converter splits; keystone has a set_env
# that refers to [testenv]'s next to its own lines.
FILES = ["pytest-dev__pluggy", "pytest-dev__pytest-django", "psf__requests", "pallets__click", "PyCQA__isort"]
FILES += ["openstack__keystone"]
KEYS = ["deps", "commands", "set_env", "pass_env"]


def _tox_config(folder: Path, environ: dict[str, str]) -> str:
    command = [sys.executable, "-m", "tox", "config", "-e", "ALL", "-k", *KEYS]
    command += ["--no-provision", "--hashseed", "1", "-x", "tox.requires="]
    done = subprocess.run(command, cwd=folder, env=environ, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout.replace(str(folder), "{root}")


@pytest.mark.parametrize("name", FILES)
def test_tox_reads_the_converted_file_as_the_ini(tmp_path: Path, name: str) -> None:
    ini = COMPAT / "toxini" / f"{name}.ini"
    if not ini.is_file():
        pytest.skip(f"no {ini}")
    from_ini, from_toml = tmp_path / "ini", tmp_path / "toml"
    for folder in (from_ini, from_toml):
        folder.mkdir()
        shutil.copy(ini, folder / "tox.ini")
    convert_file(from_toml / "tox.ini", Path("tox.toml"))
    (from_toml / "tox.ini").unlink()
    text = (from_toml / "tox.toml").read_text(encoding="utf-8")
    assert "packagedef" not in text  # orch's additions would be unknown keys to tox
    environ = scrubbed_environment(tmp_path / "work")
    assert _tox_config(from_toml, environ) == _tox_config(from_ini, environ)
