"""What decides whether an env is reused: a record of how it was set up, and the lock that guards it.

After a successful setup the backend writes ``<env_dir>/.orch-env.json``: the record format, the
backend, the base interpreter (path, version, implementation), the installer and ``install_command``,
the deps in order, the sha256 of every requirements/constraints file the deps name (and of the files
those include through nested ``-r``/``-c``, best effort), and backend options that change the env
(how it was created, whether pip was seeded). The next setup builds the same record from the config
and :func:`compare` says what to do:

* ``reuse``: nothing that matters changed; no process is started;
* ``add``: only new deps (no new constraint) and nothing else changed; install exactly those;
* ``recreate``: anything else, with a one-line reason for the user.

The record is written last (atomically: a temporary file, then :func:`os.replace`) and removed
before anything in the env changes, so an env whose setup was killed halfway has no record and is
recreated ("no record of a finished setup") instead of being reused half-built.

:func:`locked` holds ``<env_dir>.lock`` (a sibling file) for the whole setup, so two orch processes
setting up the same env wait for each other, and ``<env_dir>.in-use.lock`` shared while a run uses the
env; a setup that changes the env waits until no other run uses it (:mod:`orch.envs.lock`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, NamedTuple

from orch.execute.masking import USERINFO  # one definition of a URL's user:password part
from orch.files import write_atomic

if TYPE_CHECKING:
    from orch.envs.api import SetupRequest
    from orch.envs.interpreter import Interpreter

FORMAT = 1
FILE_NAME = ".orch-env.json"
MISSING = "missing"  # the hash recorded for a requirements file that does not exist

_FILE_OPTION = re.compile(r"^(-r|-c|--requirement|--constraint)(?:\s*=\s*|\s*)(\S.*)$")


class Fingerprint(NamedTuple):
    """How an env was (or is about to be) set up; two equal fingerprints mean the env can be reused."""

    backend: str
    python_path: str
    python_version: str  # "3.12.1", "3.13.0t" for a free-threaded build
    implementation: str
    installer: str
    install_command: str
    deps: tuple[str, ...]
    files: Mapping[str, str] = MappingProxyType({})  # requirements file (as named) -> sha256
    options: Mapping[str, str] = MappingProxyType({})  # backend choices: creator, seeded pip...
    format: int = FORMAT

    def to_json(self) -> str:
        data: dict[str, object] = self._asdict()
        data["deps"] = [recorded(dep) for dep in self.deps]  # no password of a URL in the file
        data["files"], data["options"] = dict(self.files), dict(self.options)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Fingerprint:
        """Parse a record; raise :class:`ValueError` when it is not one."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        try:
            return cls(
                backend=str(data["backend"]),
                python_path=str(data["python_path"]),
                python_version=str(data["python_version"]),
                implementation=str(data["implementation"]),
                installer=str(data["installer"]),
                install_command=str(data["install_command"]),
                deps=tuple(str(d) for d in data["deps"]),
                files={str(k): str(v) for k, v in dict(data["files"]).items()},
                options={str(k): str(v) for k, v in dict(data["options"]).items()},
                format=int(data["format"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"bad record: {exc}") from None


class Decision(NamedTuple):
    """What to do with an existing env."""

    kind: Literal["reuse", "add", "recreate"]
    reason: str = ""  # one line, e.g. "interpreter changed (3.11.7 -> 3.12.1)"; empty for reuse
    added: tuple[str, ...] = ()  # for "add": exactly the deps to install


def snapshot(
    *,
    backend: str,
    interpreter: Interpreter | str,
    installer: str,
    install_command: str,
    deps: Sequence[str],
    root: Path,
    options: Mapping[str, str] | None = None,
) -> Fingerprint:
    """The fingerprint of an env set up now from this config; ``-r``/``-c`` paths are relative to ``root``.

    ``interpreter`` is the interpreter the env is made from, or, for an env that installs its own
    Python, the CPython version it asks for (``"3.12"``: no path, no interpreter of the machine).
    """
    if isinstance(interpreter, str):
        path, version, implementation = "", interpreter, "cpython"
    else:
        path, implementation = interpreter.path, interpreter.implementation
        version = ".".join(map(str, interpreter.version)) + ("t" if interpreter.free_threaded else "")
    return Fingerprint(
        backend=backend,
        python_path=path,
        python_version=version,
        implementation=implementation,
        installer=installer,
        install_command=install_command,
        deps=tuple(deps),
        files=file_hashes(deps, root),
        options=dict(options or {}),
    )


def file_option(dep: str) -> tuple[str, str]:
    """``("-r", path)`` or ``("-c", path)`` for a requirements/constraints line, else ``("", dep)``."""
    match = _FILE_OPTION.match(dep.strip())
    if match is None:
        return "", dep
    return ("-c" if match.group(1) in {"-c", "--constraint"} else "-r"), match.group(2).strip()


def file_hashes(deps: Sequence[str], root: Path) -> dict[str, str]:
    """sha256 of each file named by a ``-r``/``-c`` dep and, best effort, of the files they include.

    Keys are the paths as the deps name them; nested includes are keyed relative to ``root`` when
    inside it (pip resolves them relative to the including file).
    """
    result: dict[str, str] = {}
    pending: list[tuple[str, Path]] = []
    for dep in deps:
        option, name = file_option(dep)
        if option:
            pending.append((name, root / name))
    seen: set[Path] = set()
    while pending:
        name, path = pending.pop(0)
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            data = path.read_bytes()
        except OSError:
            result.setdefault(name, MISSING)
            continue
        import hashlib  # only a requirements file needs it: OpenSSL's start is 3 ms of a warm run

        result.setdefault(name, hashlib.sha256(data).hexdigest())
        for line in data.decode("utf-8", errors="replace").splitlines():
            option, name = file_option(line.split(" #", 1)[0])
            if not option or "://" in name:
                continue
            nested = path.parent / name
            pending.append((_display(nested, root), nested))
    return result


def _display(path: Path, root: Path) -> str:
    try:
        return os.path.normpath(path.relative_to(root))
    except ValueError:
        return os.path.normpath(path)


def decide(
    request: SetupRequest,
    old: Fingerprint | None,
    new: Fingerprint,
    *,
    exists: bool,
    broken: Callable[[], str | None] = lambda: None,
) -> Decision:
    """The one reuse/add/recreate decision of every backend. ``exists``: the env folder holds an env
    of this type (a first creation has nothing to explain); ``broken``: why an env the records say
    to keep cannot be kept (its interpreter is gone...), or None."""
    if old is None and not exists:
        return Decision("recreate")
    if request.recreate:
        return Decision("recreate", "asked (recreate = true)" if request.config.recreate else "asked (-r)")
    decision = compare(old, new)
    if decision.kind != "recreate":
        reason = broken()
        if reason:
            return Decision("recreate", reason)
    return decision


def compare(old: Fingerprint | None, new: Fingerprint) -> Decision:
    """Reuse, add deps to, or recreate an env recorded as ``old`` for the config recorded as ``new``."""
    if old is None:
        return Decision("recreate", "no record of a finished setup")
    if old.format != new.format:
        return Decision("recreate", f"recorded by another orch version (format {old.format}, now {new.format})")
    for what, before, after in (
        ("env type", old.backend, new.backend),
        ("interpreter", old.implementation, new.implementation),
        ("interpreter", old.python_version, new.python_version),
        ("interpreter", old.python_path, new.python_path),
        ("installer", old.installer, new.installer),
        ("install_command", old.install_command or "none", new.install_command or "none"),
    ):
        if before != after:
            return Decision("recreate", f"{what} changed ({before} -> {after})")
    for key in sorted({*old.options, *new.options}):
        before, after = old.options.get(key, "none"), new.options.get(key, "none")
        if before != after:
            return Decision("recreate", f"{key} changed ({before} -> {after})")
    now = [recorded(dep) for dep in new.deps]  # a record holds deps as recorded(): compare like with like
    removed = [dep for dep in old.deps if dep not in now]
    if removed:
        return Decision("recreate", f"deps changed (removed: {', '.join(removed)})")
    changed = [name for name, digest in old.files.items() if new.files.get(name, digest) != digest]
    if changed:
        kind = "requirements file" if len(changed) == 1 else "requirements files"
        return Decision("recreate", f"{kind} {', '.join(changed)} changed")
    added = tuple(dep for dep, shown in zip(new.deps, now) if shown not in old.deps)
    if not added:
        return Decision("reuse")
    constraints = [recorded(dep) for dep in added if file_option(dep)[0] == "-c"]
    if constraints:
        return Decision("recreate", f"deps changed (added constraint: {', '.join(constraints)})")
    return Decision("add", f"deps added ({', '.join(map(recorded, added))})", added)


def recorded(dep: str) -> str:
    """A dep as the record keeps it: a URL's user and password replaced by a digest of them, so the
    record never holds a password yet still tells when it changed."""
    return USERINFO.sub(_digested, dep)


def _digested(match: re.Match[str]) -> str:
    import hashlib  # see file_hashes

    return f"{match['scheme']}sha256-{hashlib.sha256(match['userinfo'].encode()).hexdigest()[:12]}@"


def path_of(env_dir: Path) -> Path:
    return env_dir / FILE_NAME


def read(env_dir: Path) -> Fingerprint | None:
    """The record of the last finished setup in ``env_dir``; ``None`` when missing or unreadable."""
    try:
        return Fingerprint.from_json(path_of(env_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _refuse_a_folder(env_dir: Path) -> None:
    """A folder where the record goes is not orch's to delete: an :class:`~orch.envs.api.EnvSetupError` naming it."""
    path = path_of(env_dir)
    if path.is_dir() and not path.is_symlink():
        from orch.envs.api import EnvSetupError

        raise EnvSetupError(f"{path} is a folder, not orch's record of the env; move it away and run again")


def write(env_dir: Path, fingerprint: Fingerprint) -> None:
    """Record a finished setup: write a temporary file next to the record, then replace it atomically."""
    env_dir.mkdir(parents=True, exist_ok=True)
    _refuse_a_folder(env_dir)
    write_atomic(path_of(env_dir), fingerprint.to_json(), fsync=True, make_folder=False)


def remove(env_dir: Path) -> None:
    """Forget the record before the env changes: a setup killed from here on leaves no record.

    Within :func:`locked`, first wait until no other run uses the env (its use lock, exclusively).
    """
    from orch.envs import lock

    _refuse_a_folder(env_dir)
    lock.before_change(env_dir)
    with contextlib.suppress(FileNotFoundError):
        path_of(env_dir).unlink()


@contextlib.contextmanager
def locked(env_dir: Path, env_name: str, note: Callable[[str], None]) -> Iterator[None]:
    """Hold ``<env_dir>.lock`` while setting the env up, and ``<env_dir>.in-use.lock`` shared from then
    on (until the run ends, within a :func:`orch.envs.lock.session`); say so when waiting for another orch.

    :func:`remove`, the first step of every change, takes the env exclusively (see :mod:`orch.envs.lock`).
    A lock file that is a folder, or cannot be opened, is an :class:`~orch.envs.api.EnvSetupError`.
    """
    from orch.envs import lock

    with lock.setting_up(env_dir, env_name, note):
        yield
