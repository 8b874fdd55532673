"""What a parallel run prints: one line per finished env, whole output blocks, a live status area.

Several envs run at once, so their output does not stream through (it would interleave): it goes
to each env's log, and when an env ends its output is printed as one block, always for a failure
or a timeout (at every verbosity), for a success only when asked (``-v``, ``parallel_show_output``).
``-o/--live`` streams instead, each line prefixed with ``env: ``, at every verbosity. ``-q`` keeps
failures and the summary, ``-qq`` failures only; ``-v`` adds setup detail (the installer commands and
their output, before the env's output block), ``-vv`` each env's setup and commands time.

On a terminal a status area at the bottom (:mod:`orch.report.status`) shows the running envs and
builds, what each does now and for how long, redrawn by a daemon thread (:meth:`ParallelConsole.start`
/ :meth:`ParallelConsole.stop`); everything else is printed above it. Elsewhere (a pipe, a file,
``TERM=dumb``) the lines come plain. Under GitHub Actions output blocks fold into ``::group::``
sections and failures become ``::error`` annotations.

When orch colours (:mod:`orch.report.colour`), the commands are asked to colour too (``FORCE_COLOR``,
``PY_COLORS``); their logs stay plain, and the coloured output is kept in an anonymous temporary file
per env to be shown as its block.

Every method may be called from any worker thread: one lock keeps each write whole.
"""

from __future__ import annotations

import codecs
import os
import shutil
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TextIO

from orch.execute.masking import current
from orch.report.colour import RED, Palette, is_terminal, wants_colour
from orch.report.console import QUIETER, REUSED, setup_split
from orch.report.github import escape_data, escape_property
from orch.report.results_json import output_logs
from orch.report.status import StatusArea, spinner_for
from orch.report.summary import command_line, message_lines, summary_lines
from orch.report.summary import seconds as _seconds
from orch.schedule.results import CommandResult, EnvResult, EnvStatus, cached_line

CHUNK = 64 * 1024
REFRESH = 0.2  # seconds between redraws of the status area
_SHOWN = (EnvStatus.FAILED, EnvStatus.TIMEOUT)  # statuses whose output block is always shown


class ParallelConsole:
    """The console of a parallel run; the same methods as :class:`~orch.report.console.Console`
    plus :meth:`env_start`, :meth:`start` and :meth:`stop`.

    ``show_output(env)`` says whether a passing env's output is shown; ``live`` streams output
    as it comes instead; ``verbosity`` below 0 keeps only failures and the summary. ``stream``,
    ``environ`` and ``is_tty`` default to ``sys.stdout``, ``os.environ`` and the stream's ``isatty()``;
    ``colored`` is ``--colored``. :attr:`colour` says whether orch (and so the commands) colour;
    :attr:`tty` is always false: commands never get a pseudo-terminal here, their output is captured.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        show_output: Callable[[str], bool] | None = None,
        live: bool = False,
        verbosity: int = 0,
        environ: Mapping[str, str] | None = None,
        is_tty: bool | None = None,
        refresh: float = REFRESH,
        colored: str | None = None,
    ) -> None:
        if os.name == "nt":  # before taking sys.stdout: colours and cursor movement on old consoles
            import colorama  # Windows only: 3 ms of every start elsewhere

            colorama.just_fix_windows_console()
        self.stream = sys.stdout if stream is None else stream
        self.environ = os.environ if environ is None else environ
        self.show_output = show_output or (lambda _env: False)
        self.live = live
        self.verbosity = verbosity
        self.refresh = refresh
        if is_tty is None:
            is_tty = is_terminal(self.stream)
        dumb = self.environ.get("TERM", "") == "dumb"
        #: a status area at the bottom (a terminal that understands cursor movement, no streaming)
        self.fancy = is_tty and not dumb and not live
        self.colour = wants_colour(self.environ, tty=is_tty, colored=colored)
        self.tty = False
        self.palette = Palette(self.colour)
        self.github = self.environ.get("GITHUB_ACTIONS", "") == "true"
        self._lock = threading.Lock()
        self._area_state = StatusArea(spinner_for(getattr(self.stream, "encoding", None)))
        self._finished: set[str] = set()
        self._spools: dict[str, IO[bytes]] = {}  # env -> its coloured output, shown as its block
        self._drawn = 0  # lines of the status area on screen
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._detail: dict[str, list[str]] = {}  # -v: each env's setup detail, shown before its output block

    # ------------------------------------------------------------------------- the status area
    def start(self, total: int | None = None) -> None:
        """Start redrawing the status area (on a terminal only); ``total``: envs to run."""
        with self._lock:
            if total is not None:
                self._area_state.total = total
            if not self.fancy or self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._refresh, name="orch-status", daemon=True)
            self._thread.start()
            self._redraw()

    def stop(self) -> None:
        """Stop redrawing and remove the status area; what was printed above it stays."""
        thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join()
        with self._lock:
            self._thread = None
            self._clear()
            self.stream.flush()

    def _refresh(self) -> None:
        while not self._stop.wait(self.refresh):
            with self._lock:
                if not self._stop.is_set():
                    self._area_state.tick += 1
                    self._clear()
                    self._redraw()

    def _redraw(self) -> None:
        if self._thread is None:
            return
        size = shutil.get_terminal_size((80, 24))
        lines = self._area_state.lines(size.columns, size.lines)
        self.stream.write("".join(f"{line}\n" for line in lines))
        self.stream.flush()
        self._drawn = len(lines)

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write(f"\r\x1b[{self._drawn}A\x1b[0J")
            self._drawn = 0

    # --------------------------------------------------------------------------------- output
    def _paint(self, text: str, status: EnvStatus) -> str:
        return self.palette.status(text, status)

    def _write(self, text: str) -> None:
        """Text above the status area, masked (the caller holds the lock)."""
        self._clear()
        self.stream.write(current().mask(text))
        self._redraw()
        self.stream.flush()

    def _print(self, *lines: str) -> None:
        with self._lock:
            self._write("".join(f"{line}\n" for line in lines))

    def _doing(self, env: str, what: str) -> None:
        with self._lock:
            if env not in self._finished:
                self._area_state.doing(env, current().mask(what))

    def _copy(self, path: Path) -> bool:
        """Copy a log to the stream chunk by chunk (the caller holds the lock); True when the last
        character written ends a line."""
        try:
            with path.open("rb") as handle:
                return self._copy_from(handle)
        except OSError as exc:
            self.stream.write(f"[cannot read {path}: {exc.strerror or exc}]\n")
            return True

    def _copy_from(self, handle: IO[bytes]) -> bool:
        """Copy ``handle`` from where it stands to the stream: bytes to its buffer when it has one,
        else decoded text; True when the last character written ends a line."""
        self.stream.flush()
        buffer = getattr(self.stream, "buffer", None)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        last = b"\n"
        while chunk := handle.read(CHUNK):
            last = chunk[-1:]
            if buffer is not None:
                buffer.write(chunk)
            else:
                self.stream.write(decoder.decode(chunk))
        if buffer is not None:
            buffer.flush()
        else:
            self.stream.write(decoder.decode(b"", final=True))
        return last in (b"\n", b"\r")

    def _block(self, result: EnvResult) -> None:
        """The env's output as one block (the caller holds the lock): the log, or the coloured spool."""
        logs = output_logs(result)
        spool = self._spools.get(result.name)
        if not logs:
            return
        self._clear()
        if self.github:
            self.stream.write(f"::group::{result.name} {result.status.value}\n")
        for log in logs:
            self.stream.write(f"----- {result.name} output ({log}) -----\n")
            if not (self._copy_spool(spool) if spool is not None and result.commands else self._copy(log)):
                self.stream.write("\n")
            self.stream.write(f"----- end of {result.name} output -----\n")
        if self.github:
            self.stream.write("::endgroup::\n")

    def _copy_spool(self, spool: IO[bytes]) -> bool:
        """Copy an env's coloured output to the stream (the caller holds the lock); as :meth:`_copy`."""
        spool.seek(0)
        return self._copy_from(spool)

    def _result_line(self, result: EnvResult) -> str:
        status = result.status
        word = self._paint(status.value.upper(), status)
        first, *more = message_lines(result.message)
        if status is EnvStatus.SKIPPED:
            line = f"{result.name}: {word}" + (f": {first}" if first else "")
        else:
            detail = f" {first}" if first and status is not EnvStatus.OK else ""
            split = f", {setup_split(result)}" if self.verbosity >= 2 else ""
            line = f"{result.name}: {word}{detail} ({_seconds(result.duration)}{split})"
            if result.cached:  # a result cache hit: the line a sequential run prints
                line = f"{result.name}: {self._paint(cached_line(result), status)}"
        shown = more if status is not EnvStatus.OK else []
        return "\n".join((line, *(f"{result.name}: {text}" for text in shown)))

    # ------------------------------------------------------------------------------- per env
    def env_start(self, env: str) -> None:
        self._doing(env, "starting")
        if self.live and self.verbosity >= 0:
            self._print(f"{env}: started")

    def note(self, env: str, text: str) -> None:
        self._doing(env, text)
        if self.live and self.verbosity >= 0:
            self._print(f"{env}: {text}")

    def phase(self, env: str, text: str) -> None:
        """A step for the env's status row only (``waiting for .pkg[sdist]``)."""
        self._doing(env, text)

    def error(self, env: str, text: str) -> None:
        self._print(f"{self.palette.env(env)} {self.palette.paint(f'error: {text}', RED)}")

    def setup_detail(self, env: str, lines: Sequence[str]) -> None:
        """``-v``: what setup ran and printed; streamed with ``-o``, else shown with the env's block."""
        if self.verbosity < 1:
            return
        if self.live:
            self._print(*(f"{env}: {line}" for line in lines))
        else:
            with self._lock:
                self._detail.setdefault(env, []).extend(lines)

    def setup_done(self, env: str, actions: Sequence[str]) -> None:
        if self.verbosity >= 1:
            actions = [REUSED if a == "reused" else a for a in actions]
        text = ", ".join(actions) or "ready"
        self._doing(env, text)
        if self.live and self.verbosity >= 0:
            self._print(f"{env}: {text}")

    def command_start(self, env: str, phase: str, index: int, line: str) -> None:
        self._doing(env, f"{phase}[{index}]> {line}")
        if self.live and self.verbosity >= 0:
            self._print(f"{env}: {phase}[{index}]> {line}")

    def output_sink(self, env: str) -> Callable[[bytes], None] | None:
        """``None`` (the output goes to the env's log only) unless ``live``: then each line is
        printed as it comes, prefixed with ``env: ``. When orch colours, the output (coloured, where
        the log is plain) also goes to a temporary file, shown as the env's block."""
        if not self.live:
            return self._spool_sink(env) if self.colour else None

        def write(chunk: bytes) -> None:
            text = chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
            lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
            self._print(*(f"{env}: {line}" for line in lines))

        return write

    def _spool_sink(self, env: str) -> Callable[[bytes], None]:
        with self._lock:
            spool = self._spools.get(env)
            if spool is None:
                import tempfile  # only -p's captured output needs it: 2 ms of every start otherwise

                spool = self._spools[env] = tempfile.TemporaryFile()  # noqa: SIM115 - closed at env_end

        def write(line: bytes) -> None:
            spool.write(line)

        return write

    def command_end(self, env: str, result: CommandResult) -> None:
        if not self.live or (self.verbosity < 0 and result.ok):
            return
        self._print(command_line(env, result))

    def env_end(self, result: EnvResult) -> None:
        """The env's result line, after its output block when that is shown."""
        show = result.status in _SHOWN or (
            result.status in (EnvStatus.OK, EnvStatus.IGNORED) and self.show_output(result.name)
        )
        with self._lock:
            self._area_state.finished(result.name, failed=result.status.fails_run)
            self._finished.add(result.name)
            detail = self._detail.pop(result.name, [])
            if detail and show:
                self._write("".join(f"{result.name}: {line}\n" for line in detail))
            if not self.live and show:
                self._block(result)
            if self.github and result.status in _SHOWN:
                message = escape_data(result.message or result.status.value)
                self._write(f"::error title={escape_property(result.name)}::{message}\n")
            if self.verbosity >= 0 or result.status.fails_run:
                self._write(self._result_line(result) + "\n")
            else:
                self._write("")
            spool = self._spools.pop(result.name, None)
            if spool is not None:
                spool.close()

    # ------------------------------------------------------------------------------- summary
    def summary(self, results: Sequence[EnvResult], duration: float) -> None:
        """The closing table (see :func:`orch.report.summary.summary_lines`)."""
        self.stop()
        if self.verbosity > QUIETER:
            self._print(*summary_lines(results, duration, self._paint))
