"""Secrets out of everything orch shows or writes: the console, the logs, the reports, the run record.

Three rules, after tox 4's (``tox.util.redact``), each replacing the secret with :data:`MASK`:

* **values of secret variables**: a variable whose name matches :data:`SECRET_NAMES` (and not
  :data:`NOT_SECRET_NAMES`; case-insensitive) holds a secret; its value is masked wherever it
  appears as text (a command line, an installer's arguments, a line of output). Values shorter
  than :data:`MIN_LENGTH` characters, and values naming an existing folder, are not: masking every
  ``1`` or the project's path would hide more than it protects;
* **userinfo in URLs**: ``https://user:pass@host`` becomes ``https://***@host``; the password (or
  a lone user part, often a token) is also masked where it appears elsewhere;
* **secret options**: ``--token=VALUE``, ``--api-key=VALUE``: an option whose name holds one of
  :data:`SECRET_OPTION_WORDS`, its value.

Unlike tox, which prints as many ``*`` as the secret had characters, the mask says nothing of the
length. Only what is shown or written is masked: commands and installers get the real values.

A :class:`Masker` holds the secret values of one env (its environment, its deps). The values
every env of the run brought are :func:`remember`-ed, so that the writers running at the end of a
run (reports, record) and the console mask them all: :func:`current`. This module imports nothing
of orch beyond :mod:`orch.execute`, so every layer may use it.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

from orch.execute.request import Outcome, Request, Status
from orch.execute.terminal import plain

MASK = "***"
#: Variable names (globs, matched upper-cased) whose values are secrets.
SECRET_NAMES: tuple[str, ...] = (
    "*TOKEN*",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*_PWD",
    "*KEY*",
    "*_AUTH*",
    "AUTH_*",
    "*CREDENTIAL*",
    "*PRIVATE*",
    "*COOKIE*",
)
#: Names that match :data:`SECRET_NAMES` but hold no secret (a keyring's name, a keyboard layout).
NOT_SECRET_NAMES: tuple[str, ...] = ("*KEYRING_PROVIDER", "*KEYRING_BACKEND", "*KEYBOARD*", "*KEYMAP*")
#: Words that make a ``--name=value`` option's value a secret (case-insensitive).
SECRET_OPTION_WORDS: tuple[str, ...] = (
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "key",
    "auth",
    "credential",
    "private",
    "cookie",
)
#: Shorter values of secret variables are not masked as free text (``1``, ``true``, ``yes``).
MIN_LENGTH = 6


def _globs(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(fnmatch.translate(p) for p in patterns), re.DOTALL)


_SECRET_NAME = _globs(SECRET_NAMES)
_NOT_SECRET_NAME = _globs(NOT_SECRET_NAMES)
_URL = r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/?#\s]+)@"
_OPTION = r"(?P<option>(?<![^\s'\"=;,(\[])--?[A-Za-z0-9_.-]*(?i:{words})[A-Za-z0-9_.-]*=)[^\s'\"]+".format(
    words="|".join(SECRET_OPTION_WORDS)
)
USERINFO = re.compile(_URL)
"""A URL's ``scheme://`` and its ``user:password`` part (groups ``scheme`` and ``userinfo``)."""


def is_secret_name(name: str) -> bool:
    """Whether a variable of this name holds a secret (see :data:`SECRET_NAMES`)."""
    upper = name.upper()
    return bool(_SECRET_NAME.match(upper)) and not _NOT_SECRET_NAME.match(upper)


def _maskable(value: str) -> bool:
    if len(value) < MIN_LENGTH or "\0" in value:
        return False
    try:
        return not os.path.isdir(value)
    except (OSError, ValueError):
        return True


def url_secrets(text: str) -> set[str]:
    """The passwords (or lone user parts) of the URLs in ``text`` long enough to mask elsewhere."""
    found: set[str] = set()
    for match in USERINFO.finditer(text):
        userinfo = match["userinfo"]
        secret = userinfo.split(":", 1)[1] if ":" in userinfo else userinfo
        found.update(value for value in (secret, userinfo) if _maskable(value))
    return found


def secret_values(environ: Mapping[str, str]) -> set[str]:
    """The values to mask from one environment: those of secret variables, and URL passwords in any."""
    found: set[str] = set()
    for name, value in environ.items():
        if is_secret_name(name) and _maskable(value):
            found.add(value)
        if "://" in value:
            found |= url_secrets(value)
    return found


class Masker:
    """Masks a set of secret values, URL userinfo and secret options in text, bytes and data."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values = frozenset(v for v in values if v)
        # longest first: a value may contain another one
        ordered = sorted(self.values, key=lambda v: (-len(v), v))
        self._value = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._value_bytes = re.compile("|".join(map(re.escape, ordered)).encode()) if ordered else None
        self._encoded = tuple(v.encode() for v in ordered)

    @classmethod
    def from_environ(cls, *environs: Mapping[str, str], texts: Iterable[str] = ()) -> Masker:
        """The masker of an env: the secret values of its environment(s) and the URL passwords in ``texts``
        (deps lines, installer arguments)."""
        values: set[str] = set()
        for environ in environs:
            values |= secret_values(environ)
        for text in texts:
            values |= url_secrets(text)
        return cls(values)

    def __or__(self, other: Masker) -> Masker:
        return _masker(self.values | other.values)

    def __repr__(self) -> str:
        return f"Masker({len(self.values)} values)"

    def mask(self, text: str) -> str:
        """``text`` with every secret replaced by :data:`MASK` (cheap checks first: most text has none)."""
        if self._value is not None and any(v in text for v in self.values):
            text = self._value.sub(MASK, text)
        if "://" in text:
            text = _URL_TEXT.sub(_MASK_URL, text)
        if "=" in text and "-" in text:
            text = _OPTION_TEXT.sub(_MASK_OPTION, text)
        return text

    def mask_bytes(self, data: bytes) -> bytes:
        """The same for bytes (output lines); values are matched in their UTF-8 form."""
        if self._value_bytes is not None and any(v in data for v in self._encoded):
            data = self._value_bytes.sub(_MASK_BYTES, data)
        if b"://" in data:
            data = _URL_BYTES.sub(_MASK_URL_BYTES, data)
        if b"=" in data and b"-" in data:
            data = _OPTION_BYTES.sub(_MASK_OPTION_BYTES, data)
        return data

    def mask_data(self, data: object) -> object:
        """Every string in ``data`` (dicts, lists, tuples; dict keys stay as they are) masked."""
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, Mapping):
            return {key: self.mask_data(value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.mask_data(item) for item in data]
        return data


_URL_TEXT, _URL_BYTES = USERINFO, re.compile(_URL.encode())
_OPTION_TEXT, _OPTION_BYTES = re.compile(_OPTION), re.compile(_OPTION.encode())
_MASK_URL, _MASK_OPTION = rf"\g<scheme>{MASK}@", rf"\g<option>{MASK}"
_MASK_BYTES = MASK.encode()
_MASK_URL_BYTES, _MASK_OPTION_BYTES = _MASK_URL.encode(), _MASK_OPTION.encode()


@functools.lru_cache(maxsize=64)
def _masker(values: frozenset[str]) -> Masker:
    return Masker(values)


# ------------------------------------------------------------------------------- the run's secrets
_lock = threading.Lock()
_known: set[str] = set()


def remember(masker: Masker) -> Masker:
    """Add an env's secrets to those :func:`current` masks; return ``current()``."""
    with _lock:
        _known.update(masker.values)
    return current()


def current() -> Masker:
    """A masker of every secret this process knows: the secret variables of its own environment,
    and those :func:`remember`-ed (every env's so far)."""
    with _lock:
        known = frozenset(_known)
    return _masker(known | secret_values(os.environ))


def forget() -> None:
    """Forget the remembered secrets (for tests)."""
    with _lock:
        _known.clear()


# --------------------------------------------------------------------------------- masked output
class MaskedOutput:
    """An ``on_output`` for :class:`~orch.execute.Request` that masks each line, appends it to
    ``log`` and hands it on to ``sink``; use it as a context manager (it owns the log file).

    Without a sink, lines are masked and written in batches (a secret never spans lines, so a batch
    masks like its lines would); the log is flushed at least every :attr:`FLUSH` seconds of output.
    Lines that come after the end (from a process that outlived its group) are dropped.
    """

    FLUSH = 0.2  # seconds
    BATCH = 64 * 1024  # bytes

    def __init__(self, masker: Masker, log: Path | None, sink: Callable[[bytes], None] | None) -> None:
        self.masker, self.log, self.sink = masker, log, sink
        self._file: IO[bytes] | None = None
        self._pending: list[bytes] = []
        self._size = 0
        self._flushed = time.monotonic()
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> MaskedOutput:
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.log.open("ab")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with self._lock:
            self._closed = True
            self._drain()
            if self._file is not None:
                self._file.close()
                self._file = None

    def to_log(self, line: bytes) -> None:
        """A line for the log only, masked."""
        with self._lock:
            self._pending.append(line)
            self._drain()

    def __call__(self, line: bytes) -> None:
        with self._lock:
            if self._closed:
                return
            if self.sink is None:
                self._pending.append(line)
                self._size += len(line)
                if self._size >= self.BATCH or time.monotonic() - self._flushed >= self.FLUSH:
                    self._drain()
                return
            masked = self.masker.mask_bytes(line)
            if self._file is not None:
                self._file.write(plain(masked))  # the log without colours; the sink gets them
                if time.monotonic() - self._flushed >= self.FLUSH:
                    self._file.flush()
                    self._flushed = time.monotonic()
        self.sink(masked)

    def _drain(self) -> None:
        """Mask and write the pending lines, and flush (the caller holds the lock)."""
        if self._pending and self._file is not None:
            self._file.write(plain(self.masker.mask_bytes(b"".join(self._pending))))
        self._pending.clear()
        self._size = 0
        if self._file is not None:
            self._file.flush()
        self._flushed = time.monotonic()


def execute_masked(request: Request, masker: Masker) -> Outcome:
    """:func:`orch.execute.execute` with the output masked on its way to the log, to
    ``on_output`` and into the outcome's tail; the process itself sees ``request`` unchanged."""
    from orch.execute import execute

    with MaskedOutput(masker, request.log, request.on_output) as output:
        outcome = execute(request._replace(log=None, on_output=output))
        if outcome.status is Status.NOT_FOUND:  # execute writes why to the log: here, without the log
            output.to_log(b"orch: " + outcome.tail + b"\n")
    return outcome._replace(request=request, tail=masker.mask_bytes(outcome.tail))


def last_lines(text: str, count: int = 8, width: int = 300) -> list[str]:
    """The last ``count`` non-blank lines of ``text``, each cut to ``width`` characters."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept = [line if len(line) <= width else line[: width - 3] + "..." for line in lines if line.strip()]
    return kept[-count:]
