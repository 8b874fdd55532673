"""Installing requirements into an env's Python: uv (the default), pip, or the env's ``install_command``.

* ``uv``: ``uv pip install --python <env python> ...``, with the ``uv`` binary of the ``uv`` package
  (:func:`uv.find_uv_bin`) or, without it, the one on ``PATH``. ``--python`` names the target, so
  the result does not depend on ``VIRTUAL_ENV``. Given the run's :class:`OnlineResolutions`, an
  install of what an earlier env of the run resolved online goes ``--offline`` first
  (:mod:`orch.envs.resolutions`).
* ``pip``: ``<env python> -m pip install ...``; the env must have pip (backends seed it).
* ``install_command`` (tox's key): the configured command line, split like a shell would
  (``shlex``, never run through one); a ``{packages}`` word is replaced by the arguments and an
  ``{opts}`` word dropped. A bare program name (``python``) is looked up with the env's bin folder
  first on ``PATH``.

The process sees a scrubbed environment (:func:`installer_environ`): the caller's ``PATH``, locale,
home, certificates, proxies and ``UV_*``/``PIP_*`` settings, then the env's ``set_env``.

What reaches the log is masked (:mod:`orch.execute.masking`): the command line and the output lose
URL passwords, secret options and the values of secret variables; a failure's :class:`InstallError`
carries the last lines of the output, masked too.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import shutil
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orch.envs import prefetch
from orch.envs.api import EnvSetupError
from orch.envs.environ import DEFAULT_PASS_ENV, passed
from orch.envs.fingerprint import file_option
from orch.envs.resolutions import (
    MODE,
    OnlineResolutions,
    Plan,
    installed_names,
    installed_versions,
    pinned,
    plain_name,
    replaced_any,
)
from orch.envs.resolutions import plan as resolutions_plan
from orch.execute.masking import Masker, execute_masked, last_lines, remember
from orch.execute.request import Status
from orch.files import write_atomic

if TYPE_CHECKING:
    from orch.execute import Outcome

INSTALLERS = ("uv", "pip")
ANSWERED = "the versions the index offers this Python, as uv named them to another env of this run"
# tox's defaults list only the lower-case proxy names; tools honour both spellings.
_PASSED = (*DEFAULT_PASS_ENV, "PATH", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "all_proxy")


def requirement_args(deps: Iterable[str], root: Path) -> list[str]:
    """Installer arguments for deps lines: a PEP 508 line as is, ``-r FILE``/``-c FILE`` as two arguments.

    Files are relative to ``root`` (tox_root), as in tox.
    """
    args: list[str] = []
    for dep in deps:
        option, value = file_option(dep)
        if option:
            args.extend((option, value if "://" in value else str(root / value)))  # a URL as is
        elif dep.startswith(("-e ", "--editable ")):
            args.extend(dep.split(None, 1))
        else:
            args.append(dep)
    return args


def installer_environ(
    caller: Mapping[str, str],
    *,
    set_env: Mapping[str, str],
    bin_dir: Path | None,
    virtual_env: Path | None,
) -> dict[str, str]:
    """The environment of an installer run: what the caller may pass, then ``set_env``, the env's bin first."""
    result = passed(caller, _PASSED)
    result.update(set_env)
    result["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    path = result.get("PATH", os.defpath)
    if bin_dir is not None:
        result["PATH"] = os.pathsep.join((str(bin_dir), path))
    if virtual_env is not None:
        result["VIRTUAL_ENV"] = str(virtual_env)
    return result


class InstallError(EnvSetupError):
    """An installer run failed; ``tail`` holds the last lines of its output (masked)."""

    def __init__(self, message: str, log: Path | None = None, tail: Sequence[str] = ()) -> None:
        super().__init__(message, log)
        self.tail = tuple(tail)


class Installer:
    """Installs into one env's Python; ``env_name`` prefixes error messages."""

    def __init__(self, env_name: str, installer: str = "uv", install_command: str = "") -> None:
        if installer not in INSTALLERS:
            raise EnvSetupError(f"{env_name}: installer {installer!r} is unknown (use uv or pip)")
        self.env_name = env_name
        self.kind = installer
        self.install_command = install_command.strip()

    def __repr__(self) -> str:
        return f"Installer({self.env_name!r}, {self.kind!r}, {self.install_command!r})"

    @property
    def needs_pip(self) -> bool:
        """Whether the env must have pip: the pip installer, or a custom command (tox's usually runs pip)."""
        return self.kind == "pip" or bool(self.install_command)

    def argv(self, python: Path, args: Sequence[str], path: str | None = None) -> list[str]:
        """The installer's command line; ``path`` is the ``PATH`` a bare program name is looked up in."""
        if self.install_command:
            try:
                words = shlex.split(self.install_command)
            except ValueError as exc:
                raise EnvSetupError(f"{self.env_name}: cannot split install_command: {exc}") from None
            argv: list[str] = []
            for word in words:
                if word == "{packages}":
                    argv.extend(args)
                elif word != "{opts}":
                    argv.append(word)
            if argv and os.sep not in argv[0]:
                argv[0] = shutil.which(argv[0], path=path) or argv[0]
            return argv
        if self.kind == "pip":
            return [str(python), "-m", "pip", "install", *args]
        return [uv_bin(self.env_name), "pip", "install", "--python", str(python), *args]

    def install(
        self,
        python: Path,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        log: Path,
        what: str = "deps",
        resolutions: OnlineResolutions | None = None,
    ) -> None:
        """Install ``args`` into ``python``; raise :class:`InstallError` pointing at ``log`` on failure.

        ``env`` is used as given: build it with :func:`installer_environ`. With ``resolutions`` (the
        run's, see :mod:`orch.envs.resolutions`), uv installs offline what this run resolved online, or
        what it revalidated at once (:mod:`orch.envs.prefetch`), and keeps such an install only when
        every version it took is the one the index offers this Python now (:meth:`_verified`).
        """
        wanted = None
        if resolutions is not None and self.kind == "uv" and not self.install_command:
            wanted = resolutions_plan(args, env, cwd)
        if wanted is None or resolutions is None:
            self._online(python, args, cwd, env, log, what, contextlib.nullcontext(set[str]()))
            return
        base = os.path.realpath(python)  # the base interpreter of a venv's symlinked python: a Python's names
        known = prefetch.names(wanted, base)
        if known:  # what this Python took last time: its versions now, in one round, then install offline
            need = wanted._replace(names=frozenset(known | wanted.names))
            answered = resolutions.covers(need, self.env_name)  # another env of the run fetched (or fetches) them
            with contextlib.nullcontext(set[str]()) if answered else resolutions.resolving(need, self.env_name) as mine:
                pins, refused = self._pins(python, args, need, cwd, env, log, resolutions, refresh=not answered)
                if pins is None:
                    _note(log, "revalidating the pages failed: installing online")
                    if refused and not answered:  # a name gone from the index: keep what the online install takes
                        prefetch.forget(wanted, base)
                else:
                    resolutions.fetched(need, pins)  # the other envs need not wait for this install
                    note = MODE if answered else prefetch.MODE
                    args, done = self._verified(python, args, wanted, pins, cwd, env, log, note, resolutions)
                    if done is not None:
                        mine.update(done)
                        prefetch.remember(wanted, base, done)
                        return
        elif resolutions.covers(wanted, self.env_name):  # an earlier env of this run resolved these
            args, done = self._verified(python, args, wanted, None, cwd, env, log, MODE, resolutions)
            if done is not None:
                prefetch.remember(wanted, base, done)
                return
        with resolutions.resolving(wanted, self.env_name) as resolved:
            installed = self._online(python, args, cwd, env, log, what, contextlib.nullcontext(resolved))
            prefetch.remember(wanted, base, installed)

    def _online(
        self,
        python: Path,
        args: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        log: Path,
        what: str,
        record: contextlib.AbstractContextManager[set[str]],
    ) -> set[str]:
        """The install as asked (online); the names it installed, also added to ``record``'s set."""
        with record as resolved:
            outcome, lines = self._run(python, args, cwd, env, log)
            if outcome.ok:
                installed = installed_names(lines)
                resolved.update(installed)
                return installed
        message = f"{self.env_name}: installing {what} failed ({outcome.problem}), see {log}"
        raise InstallError(message, log, last_lines(outcome.text))

    def _verified(
        self,
        python: Path,
        args: Sequence[str],
        wanted: Plan,
        pins: dict[str, str] | None,
        cwd: Path,
        env: Mapping[str, str],
        log: Path,
        note: str,
        resolutions: OnlineResolutions,
    ) -> tuple[list[str], set[str] | None]:
        """Install ``args`` ``--offline`` and keep it only if every package it took is at the version the
        index offers this Python now: ``pins`` (else asked now, for what it took). uv's offline mode
        passes over a version whose wheel is not in its cache (a release since the last download, a wheel
        of another Python) and takes an older one, silently. Returns the arguments for the online install
        that must follow, and None; or the names installed when the offline install stands. An install
        that only added packages is undone (uninstalled) before going online; one that replaced some
        goes online with ``--upgrade``."""
        outcome, lines = self._run(python, ["--offline", *args], cwd, env, log, note=note)
        if not outcome.ok:  # nothing installed
            _note(log, "the offline install failed: installing online")
            return list(args), None
        took = {name: version for name, version in installed_versions(lines).items() if name not in wanted.local}
        if pins is None and took:  # asked offline when this run fetched every page already
            fetched = set(took) <= resolutions.fetched_names(wanted)
            asked = wanted._replace(names=frozenset(took))
            pins = self._pins(python, args, asked, cwd, env, log, resolutions, refresh=not fetched)[0]
        stale = sorted(name for name, version in took.items() if pins is None or pins.get(name) != version)
        if not stale:
            return list(args), set(took)
        newest = ", ".join(f"{name} {pins[name]}" if pins and name in pins else name for name in stale)
        _note(log, f"the offline install took another version than the index offers now ({newest}): installing online")
        if took and not replaced_any(lines):
            undo = [uv_bin(self.env_name), "pip", "uninstall", "--python", str(python), *sorted(took)]
            if run_logged(undo, cwd, env, log).ok:  # back to the env before the offline install
                return list(args), None
        return ["--upgrade", *args], None

    def _pins(
        self,
        python: Path,
        args: Sequence[str],
        asked: Plan,
        cwd: Path,
        env: Mapping[str, str],
        log: Path,
        resolutions: OnlineResolutions,
        *,
        refresh: bool,
    ) -> tuple[dict[str, str] | None, bool]:
        """The version of each of ``asked``'s names (and of ``args``' requirements, as they ask) that the index
        offers this Python now: ``uv pip compile --no-deps --refresh``, one round for all; ``--offline``
        instead of ``--refresh`` when this run fetched those pages already (uv's offline mode answers
        from the pages, not from the wheels it cached, with ``--no-deps``). None when it fails, with
        whether uv refused (a name gone from the index) rather than could not answer. An answer is kept
        for the run: envs of the same Python asking about the same requirements get it without a process."""
        plain = [arg for arg in args if plain_name(arg) is not None]
        names = set(asked.names)
        question = (asked.key, os.path.realpath(python), tuple(plain))  # the index, the Python, the specifiers
        known = resolutions.answer(question, names)
        if known is not None:
            _note(log, ANSWERED)
            return known, False
        request = prefetch.request_file(log)
        try:
            write_atomic(request, "".join(f"{line}\n" for line in [*plain, *sorted(names)]))
        except OSError:
            return None, False
        argv = [uv_bin(self.env_name), "pip", "compile", "--no-deps", "--refresh" if refresh else "--offline"]
        argv += ["--no-header", "--no-annotate"]
        lines: list[str] = []
        outcome = run_logged(
            [*argv, "--python", str(python), str(request)],
            cwd,
            env,
            log,
            on_output=lambda line: lines.append(line.decode("utf-8", errors="replace")),
        )
        if not outcome.ok:
            return None, outcome.status is Status.EXITED
        pins = pinned(lines)
        resolutions.told(question, pins)
        return pins, False

    def _run(
        self, python: Path, args: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path, note: str = ""
    ) -> tuple[Outcome, list[str]]:
        """One installer process and its output lines."""
        lines: list[str] = []
        argv = self.argv(python, args, env.get("PATH"))
        outcome = run_logged(
            argv, cwd, env, log, note=note, on_output=lambda line: lines.append(line.decode("utf-8", errors="replace"))
        )
        return outcome, lines


def run_logged(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    *,
    note: str = "",
    on_output: Callable[[bytes], None] | None = None,
) -> Outcome:
    """Run an installer (uv pip, uv sync, pip...): its command line goes to ``log`` first (``$ ...``,
    secrets masked, ``note`` as a comment), then its output, masked too."""
    from orch.execute import Request

    masker = remember(Masker.from_environ(env, texts=argv))
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"$ {masker.mask(shlex.join(argv))}{f'  # {note}' if note else ''}\n")
    request = Request(argv=tuple(argv), cwd=cwd, env=dict(env), log=log, on_output=on_output)
    return execute_masked(request, masker)


def _note(log: Path, line: str) -> None:
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"# {line}\n")


def uv_bin(env_name: str) -> str:
    """The uv executable: the ``uv`` package's, else the one on ``PATH``."""
    found = _uv_bin()
    if found is None:
        raise EnvSetupError(
            f"{env_name}: uv is not installed; install it into orch's Python (pip install uv) or set installer = pip"
        )
    return found


_UV_LOCK = threading.Lock()


@functools.cache
def _uv_bin_unlocked() -> str | None:
    beside = os.path.join(os.path.dirname(sys.executable), "uv.exe" if sys.platform == "win32" else "uv")
    in_venv = sys.prefix != sys.base_prefix  # there the Python's folder is the scripts folder find_uv_bin tries first
    if in_venv and sys.executable and os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside  # where pip and uv put the uv package's binary in a venv: no uv or sysconfig import (6 ms)
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    try:
        return os.fsdecode(find_uv_bin())
    except FileNotFoundError:
        return shutil.which("uv")


def _uv_bin() -> str | None:
    """Looked up once per process, by one thread: ``find_uv_bin`` reads :mod:`sysconfig`, whose first
    use is not thread-safe (a second thread may see ``EXE`` as ``None`` while the first fills it)."""
    with _UV_LOCK:
        return _uv_bin_unlocked()
