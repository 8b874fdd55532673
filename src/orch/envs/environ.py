"""The environment variables a command sees: only what the config lets through.

Nothing from the caller's environment reaches the commands unless ``pass_env`` (globs) or the
default list below names it, so a secret such as ``AWS_SECRET_ACCESS_KEY`` stays out. Then the
backend's variables (``VIRTUAL_ENV``...), orch's own (``ORCH_ENV_NAME``...; ``TOX_ENV_*`` too, for
tools that look for them), ``set_env``, and ``PATH`` with the env's executables first.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

# In the spirit of tox 4's defaults: locale, home and temp folders, proxies and certificates,
# compiler and linker settings, colour switches, and the installers' own settings.
DEFAULT_PASS_ENV: tuple[str, ...] = (
    "CC",
    "CCSHARED",
    "CFLAGS",
    "CPPFLAGS",
    "CURL_CA_BUNDLE",
    "CXX",
    "FORCE_COLOR",
    "HOME",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "LDFLAGS",
    "LD_LIBRARY_PATH",
    "NETRC",
    "NIX_LD",
    "NIX_LD_LIBRARY_PATH",
    "NO_COLOR",
    "PIP_*",
    "PKG_CONFIG",
    "PKG_CONFIG_PATH",
    "PKG_CONFIG_SYSROOT_DIR",
    "PYTHON_GIL",
    "REQUESTS_CA_BUNDLE",
    "SSH_AGENT_PID",
    "SSH_AUTH_SOCK",
    "SSL_CERT_DIR",
    "SSL_CERT_FILE",
    "TERM",
    "TMPDIR",
    "UV_*",
    "VIRTUALENV_*",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    *(
        ("COMSPEC", "PATHEXT", "PROGRAMDATA", "SYSTEMDRIVE", "SYSTEMROOT", "TEMP", "TMP", "USERPROFILE")
        if sys.platform == "win32"
        else ()
    ),
)


_WILDCARD = re.compile(r"[*?\\[]")  # what makes a glob more than a name to fnmatch


def passed(environ: Mapping[str, str], patterns: Iterable[str]) -> dict[str, str]:
    """The caller's variables whose names match a pattern (``fnmatch`` globs, case-sensitive)."""
    match = _matcher(tuple(patterns))
    return {name: value for name, value in environ.items() if match(name)}


@functools.lru_cache(maxsize=64)
def _matcher(globs: tuple[str, ...]) -> Callable[[str], object]:
    """Names without a wildcard are looked up in a set; the globs go into one regex, so each name is
    tried once, not once per glob (over a thousand ``fnmatchcase`` calls per env, about 1 ms, twice
    per env on every run), and the regex stays small (compiling one of all the defaults took 0.8 ms)."""
    names = frozenset(glob for glob in globs if not _WILDCARD.search(glob))
    wild = [glob for glob in globs if glob not in names]
    if not wild:
        return names.__contains__
    regex = re.compile("|".join(fnmatch.translate(glob) for glob in wild)).match
    return lambda name: name in names or regex(name)


def command_environ(
    *,
    caller: Mapping[str, str],
    pass_env: Iterable[str],
    set_env: Mapping[str, str],
    backend: Mapping[str, str],
    bin_dirs: Iterable[Path],
    env_name: str,
    env_dir: Path,
    work_dir: Path | None = None,
    hash_seed: int | None = None,
    packages: Sequence[Path] = (),
) -> dict[str, str]:
    """The full environment of the env's commands.

    As tox 4 sets them (``tox_env/api.py``, ``python/api.py``, ``runner.py``): ``TOX_WORK_DIR``, and
    ``PYTHONHASHSEED`` (the run's ``--hashseed``) under ``set_env``, which may replace them; ``TOX_PACKAGE``, the
    installed package files joined with ``os.pathsep``.
    """
    result = passed(caller, (*DEFAULT_PASS_ENV, *pass_env))
    result.update(backend)
    result.update(
        ORCH_ENV_NAME=env_name,
        ORCH_ENV_DIR=str(env_dir),
        TOX_ENV_NAME=env_name,
        TOX_ENV_DIR=str(env_dir),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    if work_dir is not None:
        result["TOX_WORK_DIR"] = str(work_dir)
    if hash_seed is not None:
        result["PYTHONHASHSEED"] = str(hash_seed)
    result.update(set_env)
    if packages:
        result["TOX_PACKAGE"] = os.pathsep.join(str(p) for p in packages)
    path = set_env.get("PATH", caller.get("PATH", os.defpath))
    result["PATH"] = os.pathsep.join([*(str(d) for d in bin_dirs), path])
    return result
