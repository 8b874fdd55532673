"""The locks that let several orch processes (and threads) share an env without breaking it.

Each env has two lock files beside its folder:

* ``<env_dir>.lock``, the *setup* lock: exclusive, held while a run sets the env up (deciding
  whether to reuse it, and changing it when not). Setups of one env take turns.
* ``<env_dir>.in-use.lock``, the *use* lock: a reader/writer lock. A run holds it shared from its
  setup to its last command; changing the env (creating, recreating, adding deps) needs it
  exclusive, and only a holder of the setup lock may take it so. A ``-r`` therefore waits, with a
  note saying so, until the other runs using the env are done; runs that reuse the env run side
  by side.

Rules that keep this free of deadlocks: the setup lock is taken only while this run holds no
exclusive use lock, and a run holding the use lock shared takes the setup lock only without
waiting (:func:`alone`), or after letting the use lock go (:func:`changing`, for the package
install that follows a setup). Upgrading shared to exclusive and back drops the lock in between; as
that happens under the setup lock, nobody can change the env in the gap.

On Linux and macOS both are ``fcntl.flock`` locks, which the kernel drops when the process dies
(``kill -9`` included) and which child processes do not inherit. Elsewhere (Windows) the use lock
has no shared mode: it is taken exclusively, so runs of one env take turns instead of overlapping.

Within a thread, :func:`session` collects the locks a run takes (:func:`fingerprint.locked
<orch.envs.fingerprint.locked>` registers them), so they are kept past the setup and released
when the run ends.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from orch.envs.api import EnvSetupError

if sys.platform == "win32":  # pragma: no cover
    import msvcrt
else:
    import fcntl


_state = threading.local()  # .session: this run's locks; .setups: the envs being set up


def _noop(_: str) -> None:
    pass


if sys.platform == "win32":  # pragma: no cover

    def _lock_byte(fd: int, *, wait: bool) -> bool:
        while True:
            try:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                if not wait:
                    return False
                time.sleep(0.1)
                continue
            return True

    def _unlock_byte(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def exclusive_file(path: Path, error: Callable[[str], Exception]) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (made when missing), waited for: the lock of one of
    orch's caches (the artifact cache, a build env). The kernel drops it when the process dies. A file
    that cannot be locked (a folder in its place...) raises ``error(message)``."""
    held = _File(str(path), "", error=error)
    held.take("exclusive", wait=True)
    try:
        yield
    finally:
        held.close()


class _File:
    """One lock file opened for locking: exclusive or shared, waiting or not."""

    def __init__(self, path: str, env_name: str, *, error: Callable[[str], Exception] = EnvSetupError) -> None:
        self.path, self.env_name, self.error = path, env_name, error
        self.fd: int | None = None
        self.mode = ""  # "", "shared" or "exclusive"

    def _open(self) -> int:
        if self.fd is None:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited (PEP 446)
            except OSError as exc:
                who = f"{self.env_name}: " if self.env_name else ""
                if os.path.isdir(self.path) and not os.path.islink(self.path):
                    folder = f"{who}{self.path} is a folder, not orch's lock file; move it away and run again"
                    raise self.error(folder) from None
                raise self.error(f"{who}cannot lock {self.path}: {exc.strerror or exc}") from None
        return self.fd

    def take(self, mode: str, *, wait: bool) -> bool:
        """Lock in ``mode`` ("shared" or "exclusive"); ``False`` when ``wait`` is false and it is taken."""
        if self.mode == mode:
            return True
        fd = self._open()
        if sys.platform == "win32":  # pragma: no cover - msvcrt's byte lock, exclusive only
            if not self.mode and not _lock_byte(fd, wait=wait):
                return False
            self.mode = "exclusive"
            return True
        if self.mode:
            self.drop()
        flags = fcntl.LOCK_SH if mode == "shared" else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, flags if wait else flags | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.mode = mode
        return True

    def drop(self) -> None:
        if not self.mode or self.fd is None:
            return
        if sys.platform == "win32":  # pragma: no cover
            _unlock_byte(self.fd)
        else:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.mode = ""

    def close(self) -> None:
        self.drop()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class EnvLock:
    """The setup and use locks of one env, as one run holds them."""

    def __init__(self, env_dir: Path, env_name: str) -> None:
        self.env_dir, self.env_name = env_dir, env_name
        self.setup = _File(f"{env_dir}.lock", env_name)
        self.use = _File(f"{env_dir}.in-use.lock", env_name)
        self._note: Callable[[str], None] = _noop

    @contextlib.contextmanager
    def setting_up(self, note: Callable[[str], None]) -> Iterator[None]:
        """Hold the setup lock, and the use lock shared, for a setup; the use lock stays held after it."""
        if self.setup.mode == "exclusive":  # a setup within a setup of the same env
            yield
            return
        if not self.setup.take("exclusive", wait=False):
            note(f"waiting for another orch on {self.env_name}")
            self.setup.take("exclusive", wait=True)
        self._note = note
        try:
            self.use.take("shared", wait=True)  # only a setup-lock holder takes it exclusively: no long wait
            yield
        finally:
            self._note = _noop
            try:
                if self.use.mode == "exclusive":
                    self.use.take("shared", wait=True)  # under the setup lock: nobody changes the env meanwhile
            finally:
                self.setup.drop()

    def exclusive(self) -> None:
        """Own the env before changing it: wait until the other runs using it are done (with a note)."""
        if self.use.mode == "exclusive":
            return
        if self.setup.mode != "exclusive":
            raise RuntimeError("the use lock is taken exclusively only during a setup")
        self.use.drop()
        if not self.use.take("exclusive", wait=False):
            self._note(
                f"waiting for the other orch runs using {self.env_name} to finish before changing it "
                f"({self.use.path} is held)"
            )
            self.use.take("exclusive", wait=True)

    @contextlib.contextmanager
    def alone(self) -> Iterator[bool]:
        """Hold the use lock (shared) and say whether this run is the only one using the env.

        While the block runs with ``True`` the env is this run's alone (its tmp folder and logs can be
        emptied); with ``False`` another run uses it, or is setting it up, and must be left alone.
        """
        if not self.setup.take("exclusive", wait=False):  # never wait for it while using the env
            self.use.take("shared", wait=True)
            yield False
            return
        try:
            self.use.drop()
            if self.use.take("exclusive", wait=False):
                try:
                    yield True
                finally:
                    self.use.take("shared", wait=True)
            else:
                self.use.take("shared", wait=True)  # only setup-lock holders go exclusive: free at once
                yield False
        finally:
            self.setup.drop()

    def release(self) -> None:
        self.setup.close()
        self.use.close()


def _session() -> dict[str, EnvLock] | None:
    return getattr(_state, "session", None)


@contextlib.contextmanager
def session() -> Iterator[Held]:
    """Keep the env locks this thread takes until the block ends (one env's run), then release them."""
    outer = _session()
    held = Held()
    _state.session = held.locks
    try:
        yield held
    finally:
        _state.session = outer
        for env_lock in held.locks.values():
            env_lock.release()


class Held:
    """The locks of a :func:`session`; :meth:`detach` hands them to another thread's session."""

    def __init__(self) -> None:
        self.locks: dict[str, EnvLock] = {}

    def detach(self) -> list[EnvLock]:
        taken = list(self.locks.values())
        self.locks.clear()
        return taken


def adopt(locks: Iterable[EnvLock]) -> None:
    """Make locks taken in another thread (a setup done ahead) part of this thread's session."""
    current = _session()
    for env_lock in locks:
        if current is None:
            env_lock.release()
        else:
            current.setdefault(str(env_lock.env_dir), env_lock)


def release(locks: Iterable[EnvLock]) -> None:
    for env_lock in locks:
        env_lock.release()


def current(env_dir: Path, env_name: str) -> tuple[EnvLock, bool]:
    """This thread's lock of ``env_dir`` and whether the session keeps it (else the caller releases it)."""
    locks = _session()
    if locks is None:
        outer = _setups().get(str(env_dir))
        return (outer, True) if outer is not None else (EnvLock(env_dir, env_name), False)
    env_lock = locks.get(str(env_dir))
    if env_lock is None:
        env_lock = locks[str(env_dir)] = EnvLock(env_dir, env_name)
    return env_lock, True


@contextlib.contextmanager
def setting_up(env_dir: Path, env_name: str, note: Callable[[str], None]) -> Iterator[None]:
    """Set an env up under its locks (see :func:`orch.envs.fingerprint.locked`)."""
    env_lock, kept = current(env_dir, env_name)
    setups = _setups()
    outer = setups.get(str(env_dir))
    setups[str(env_dir)] = env_lock
    try:
        with env_lock.setting_up(note):
            yield
    finally:
        if outer is None:
            del setups[str(env_dir)]
        else:
            setups[str(env_dir)] = outer
        if not kept:
            env_lock.release()


@contextlib.contextmanager
def changing(env_dir: Path, env_name: str, note: Callable[[str], None]) -> Iterator[None]:
    """Set up more of an env this run already uses (its package): as :func:`setting_up`, after letting
    go of the use lock, so that waiting for the setup lock never holds up a run that waits for this one."""
    env_lock, _ = current(env_dir, env_name)
    if env_lock.setup.mode != "exclusive":
        env_lock.use.drop()
    with setting_up(env_dir, env_name, note):
        yield


def before_change(env_dir: Path) -> None:
    """Called before a setup changes the env: take it exclusively when this thread is setting it up."""
    env_lock = _setups().get(str(env_dir))
    if env_lock is not None and env_lock.setup.mode == "exclusive":
        env_lock.exclusive()


def _setups() -> dict[str, EnvLock]:
    """The envs this thread is setting up (inside :func:`setting_up`)."""
    found: dict[str, EnvLock] | None = getattr(_state, "setups", None)
    if found is None:
        found = _state.setups = {}
    return found


@contextlib.contextmanager
def alone(env_dir: Path, env_name: str) -> Iterator[bool]:
    """Hold ``env_dir``'s use lock for the rest of the session; say whether no other run uses it."""
    env_lock, kept = current(env_dir, env_name)
    try:
        with env_lock.alone() as result:
            yield result
    finally:
        if not kept:
            env_lock.release()
