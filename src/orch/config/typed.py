"""Text to typed values, one function per :class:`~orch.config.registry.Kind`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable, cast

from orch.config.factors import expand_env_list
from orch.config.registry import Kind
from orch.config.types import Command

if TYPE_CHECKING:
    from io import StringIO

TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off", ""})


def to_str(text: str) -> str:
    """One line, every run of whitespace (newlines and tabs too) one space: tox's ``description`` rule."""
    return " ".join(text.split())


def to_bool(text: str) -> bool:
    norm = text.strip().lower()
    if norm in TRUE:
        return True
    if norm in FALSE:
        return False
    raise ValueError(f"{text.strip()!r} is not a boolean (use one of: {', '.join(sorted(TRUE | FALSE - {''}))})")


def to_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a whole number") from None


def to_float(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None


def to_list(text: str) -> tuple[str, ...]:
    """Newline-separated items, or comma-separated when the value is one line (tox's rule)."""
    splitter = "\n" if "\n" in text else ","
    return tuple(item.strip() for item in text.split(splitter) if item.strip())


def to_names(text: str) -> tuple[str, ...]:
    """Extras: sorted, unique, normalised as PEP 503 names (``dev_release`` -> ``dev-release``)."""
    return tuple(sorted({canonical_name(item) for item in to_list(text)}))


def canonical_name(name: str) -> str:
    """A distribution or extra name as PEP 503 compares it: runs of ``-_.`` one ``-``, lower case."""
    return re.sub(_SEPARATORS, "-", name).lower()


# As text, not compiled: re compiles a pattern at its first use (and keeps it), not at every start of orch.
_REQ_OPTION = r"^(?P<opt>-[rce]|--requirement|--constraint|--editable)(?:=|\s*)(?P<arg>.*)$"
_SEPARATORS = r"[-_.]+"


def to_deps(text: str) -> tuple[str, ...]:
    """Requirement lines; ``-rfile`` becomes ``-r file``; an option without its argument is an error."""
    result = []
    for line in to_lines(text):
        match = re.match(_REQ_OPTION, line)
        if match is not None:
            opt, arg = match.group("opt"), match.group("arg").strip()
            short = {"--requirement": "-r", "--constraint": "-c", "--editable": "-e"}.get(opt, opt)
            if not arg:
                long = {"-r": "requirement", "-c": "constraint", "-e": "editable"}[short]
                raise ValueError(f"argument {short}/--{long}: expected one argument")
            line = f"{short} {arg}"
        result.append(line)
    return tuple(result)


def to_lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def to_command(line: str) -> Command:
    """Split one command line into argv like tox's ``StrConvert.to_command``.

    POSIX shell quoting; an unclosed quote does not fail: the rest of the line from where the broken argument starts
    becomes the last argument, as written (``python -c "x`` is ``python``, ``-c``, ``"x``). A first argument ``-``
    ignores the exit code and a first argument ``!`` inverts it (``- pytest``, ``! pytest``); ``-pytest`` is
    ``- pytest`` but ``!pytest`` is a program named ``!pytest``.
    """
    import shlex  # for the commands of the envs that run: not at every start

    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    stream = cast("StringIO", lexer.instream)
    args: list[str] = []
    pos = 0
    try:
        for arg in lexer:
            args.append(arg)
            pos = stream.tell()
    except ValueError:
        args.append(line[pos:])
    if not args:  # tox fails here; an ini value never has an empty line, TOML's command data may
        return Command(())
    if args[0] != "-" and args[0].startswith("-"):
        args = ["-", args[0][1:], *args[1:]]
    if args[0] == "-":
        return Command(tuple(args[1:]), ignore_exit=True)
    if args[0] == "!":
        return Command(tuple(args[1:]), invert_exit=True)
    return Command(tuple(args))


def to_commands(text: str) -> tuple[Command, ...]:
    return tuple(to_command(line) for line in to_lines(text))


def to_dict(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for row in text.splitlines():
        if not row.strip():
            continue
        key, sep, value = row.partition("=")
        if not sep:
            raise ValueError(f"expected KEY=VALUE, found {row.strip()!r}")
        result[key.strip()] = value.strip()
    return result


def to_labels(text: str) -> dict[str, tuple[str, ...]]:
    """``label = env, env`` lines; the env lists are generative like ``env_list``."""
    result: dict[str, tuple[str, ...]] = {}
    for row in text.splitlines():
        if not row.strip():
            continue
        key, sep, value = row.partition("=")
        if not sep:
            raise ValueError(f"expected LABEL = ENV, ENV, found {row.strip()!r}")
        result[key.strip()] = tuple(expand_env_list(value))
    return result


def to_path(text: str) -> Path:
    if not text.strip():
        raise ValueError("empty path (does it reference an unset variable?)")
    return Path(text.strip())


CONVERTERS: dict[Kind, Callable[[str], object]] = {
    Kind.STR: to_str,
    Kind.BOOL: to_bool,
    Kind.INT: to_int,
    Kind.FLOAT: to_float,
    Kind.LIST: to_list,
    Kind.LINES: to_lines,
    Kind.ENV_LIST: lambda text: tuple(expand_env_list(text)),
    Kind.COMMANDS: to_commands,
    Kind.DEPS: to_deps,
    Kind.NAMES: to_names,
    Kind.DICT: to_dict,
    Kind.LABELS: to_labels,
    Kind.PATH: to_path,
}
