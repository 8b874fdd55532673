"""``orch convert``: write a tox.ini's configuration as TOML (``orch.toml`` or ``[tool.orch]``).

Each converted value is the text orch reads from the ini (comments removed), so the TOML file
resolves to the same values: a one-line value becomes a string, a longer one an array of its
lines. Sections map as the TOML schema says (``docs/reference/toml.md``); sections that are not
the core, an env or a packagedef are kept only when a ``{[NAME]key}`` substitution (or a ``base``
key) refers to them.

A ``pyproject.toml`` keeps every byte outside ``[tool.orch]``: the new table is appended as text,
and an existing one (with ``force``) is cut out line by line. Before anything is written, the
result is read back and must give the raw values the ini gave; the file is then replaced in one
step (a temporary file in the same folder and :func:`os.replace`).
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit import TOMLDocument
from tomlkit.items import Array, String, Table

from orch.config.convert import to_list
from orch.config.ini import IniSource
from orch.config.source import ENV_PREFIX, PACKAGEDEF_PREFIX, RawSection
from orch.config.toml import CORE_NAME, PYPROJECT, TABLES, TOOL_KEY, Key, Layout, TomlSource, parse_toml
from orch.errors import ConfigError, UsageError

_REFERENCE = re.compile(r"\{\[(?P<section>[^\]]+)\]")
_INTEGER = re.compile(r"-?[1-9][0-9]{0,17}|0")  # as str(int) writes it, and no bigger than TOML allows
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # what a TOML literal string cannot hold
_COMMENT = "# Converted from {name} by `orch convert`; the layout is described in docs/reference/toml.md."

Values = dict[str, str]


def convert_file(source: Path, target: Path, *, force: bool = False) -> Path:
    """Write the config of the ini file ``source`` to ``target`` and return ``target``.

    ``target`` is relative to the folder of ``source`` unless absolute. A ``pyproject.toml`` gets a
    ``[tool.orch]`` table (any other name: the whole file is the config). An existing
    ``[tool.orch]`` or non-pyproject target is replaced only with ``force``.
    """
    if source.suffix == ".toml":
        raise UsageError(f"{source} is already TOML; orch convert reads a tox.ini")
    if not target.is_absolute():
        target = source.parent / target
    if target.suffix != ".toml":
        raise UsageError(f"{target}: the target must be a .toml file (pyproject.toml or orch.toml)")
    if target.is_dir():
        raise UsageError(f"{target} is a folder; name the file to write (pyproject.toml or orch.toml)")
    ini = IniSource.from_file(source)
    core, tables = convert_sections(ini)
    if target.name == PYPROJECT:
        text = _pyproject_text(target, render(core, tables, root=TOOL_KEY), force=force)
    else:
        if target.exists() and not force:
            raise UsageError(f"{target} exists", hint="pass --force to replace it")
        body = render(core, tables, root=())
        text = _COMMENT.format(name=source.name) + "\n" + (f"\n{body}" if body else "")
    _check_round_trip(text, target, ini, core, tables)
    _write(target, text)
    return target


# ------------------------------------------------------------------------------- ini -> data
def convert_sections(ini: IniSource) -> tuple[Values, list[tuple[Key, Values]]]:
    """The core values and the tables (``("env", NAME)``...) that hold the ini's configuration."""
    core_section = ini.sections.get(ini.core_name)
    core = _values(ini, core_section) if core_section is not None else {}
    for key in core:
        if key in TABLES:
            assert core_section is not None
            raise ConfigError(
                f"[{ini.core_name}] key {key!r} has no place in TOML, where the top-level {key!r} is a table",
                core_section.values[key].location,
            )
    tables: list[tuple[Key, Values]] = []
    base = ini.sections.get(ENV_PREFIX)
    if base is not None:
        tables.append((("env_base",), _values(ini, base)))
    tables.extend((("env", s.suffix), _values(ini, s)) for s in ini.env_sections())
    tables.extend((("packagedef", s.suffix), _values(ini, s)) for s in ini.packagedef_sections())
    tables.extend((("section", s.name), _values(ini, s)) for s in _referenced(ini))
    return core, tables


def _is_other(ini: IniSource, section: RawSection) -> bool:
    return section.name not in (ini.core_name, ENV_PREFIX) and section.prefix not in (ENV_PREFIX, PACKAGEDEF_PREFIX)


def _referenced(ini: IniSource) -> list[RawSection]:
    """The other sections that converted values refer to, directly or through each other, in file order."""
    queue = [s for s in ini.sections.values() if not _is_other(ini, s)]
    wanted: set[str] = set()
    while queue:
        section = queue.pop()
        for key, raw in section.values.items():
            text = ini.read(raw)
            names = {match.group("section") for match in _REFERENCE.finditer(text)}
            if key == "base":
                names.update(to_list(text))
            for name in names - wanted:
                other = ini.sections.get(name)
                if other is not None and _is_other(ini, other):
                    wanted.add(name)
                    queue.append(other)
    return [s for s in ini.sections.values() if s.name in wanted]


def _values(ini: IniSource, section: RawSection) -> Values:
    values = {key: normalize(key, ini.read(raw)) for key, raw in section.values.items()}
    if ini.core_name != CORE_NAME:  # an ini whose core is [orch]: in TOML the core is called [tox]
        old, new = f"{{[{ini.core_name}]", f"{{[{CORE_NAME}]"
        values = {key: text.replace(old, new) for key, text in values.items()}
    return values


def normalize(key: str, text: str) -> str:
    """The text without the blank first line that ``key =`` followed by indented lines leaves.

    orch reads values through the factor filter, which drops unconditional blank lines, so the blank
    changes nothing; except in ``base``, read unfiltered, where ``"\na, b"`` is one name and
    ``"a, b"`` two: there it stays unless the rest is several lines or a single name.
    """
    lines = text.split("\n")
    while len(lines) > 1 and not lines[0] and (key != "base" or len(lines) > 2 or "," not in lines[1]):
        del lines[0]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ data -> TOML
def render(core: Values, tables: list[tuple[Key, Values]], *, root: Key) -> str:
    """The TOML text: core keys, then the tables, under ``root`` (``("tool", "orch")`` or none)."""
    doc = tomlkit.document()
    top: TOMLDocument | Table = doc
    if root:
        outer = tomlkit.table(is_super_table=True)
        top = tomlkit.table()
        outer.add(root[1], top)
        doc.add(root[0], outer)
    for key, text in core.items():
        top.add(key, _value(text))
    for path, values in tables:
        table = tomlkit.table()
        for key, text in values.items():
            table.add(key, _value(text))
        if len(path) == 1:
            top.add(path[0], table)
            continue
        parent = top.get(path[0])
        if not isinstance(parent, Table):
            parent = tomlkit.table(is_super_table=True)
            top.add(path[0], parent)
        parent.add(path[1], table)
    return doc.as_string()


def _value(text: str) -> bool | int | String | Array:
    """A bool or whole number where the text reads back the same, a string, or an array of lines."""
    if text in ("true", "false"):
        return text == "true"
    if _INTEGER.fullmatch(text):
        return int(text)
    if "\n" not in text:
        return _string(text)
    array = tomlkit.array()
    array.extend(_string(line) for line in text.split("\n"))
    return array.multiline(True)


def _string(text: str) -> String:
    """A literal string ('...') when that spares escapes (backslashes, double quotes), else a basic one."""
    literal = ("\\" in text or '"' in text) and "'" not in text and not _CONTROL.search(text)
    return tomlkit.string(text, literal=literal)


# --------------------------------------------------------------------------------- pyproject
def _pyproject_text(target: Path, block: str, *, force: bool) -> str:
    """The pyproject.toml with ``block`` appended, an existing ``[tool.orch]`` removed first."""
    if not target.exists():
        return block
    try:
        original = target.read_bytes().decode("utf-8")  # bytes: keep \r\n line ends as they are
    except OSError as exc:
        raise ConfigError(f"cannot read {target}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{target}: not UTF-8 text ({exc.reason})") from exc
    data = parse_toml(original, target.name)
    text = original
    if _tool_orch(data) is not None:
        if not force:
            raise UsageError(f"{target} already has a [tool.orch] table", hint="pass --force to replace it")
        text = _cut_tool_orch(original)
        if _tool_orch(parse_toml(text, target.name)) is not None:
            raise ConfigError(
                f"{target} sets tool.orch outside a [tool.orch] table header",
                hint="remove it by hand, then run orch convert again",
            )
    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith("\n"):
        text += newline
    if text.strip() and not text.endswith(newline * 2):
        text += newline
    result = text + block.replace("\n", newline)
    try:
        merged = parse_toml(result, target.name)
    except ConfigError as exc:
        raise ConfigError(f"cannot add [tool.orch] to {target}: {exc.bare}", hint="edit the file by hand") from None
    if _without_tool_orch(merged) != _without_tool_orch(data):
        raise ConfigError(f"cannot add [tool.orch] to {target} without changing its other tables")
    return result


def _tool_orch(data: dict[str, Any]) -> object:
    tool = data.get("tool")
    return tool.get("orch") if isinstance(tool, dict) else None


def _without_tool_orch(data: dict[str, Any]) -> dict[str, Any]:
    result = dict(data)
    tool = result.get("tool")
    if isinstance(tool, dict):
        tool = {key: value for key, value in tool.items() if key != "orch"}
        if tool:
            result["tool"] = tool
        else:
            del result["tool"]
    return result


def _cut_tool_orch(text: str) -> str:
    """The text without the ``[tool.orch...]`` tables. A table ends before the comments and blank
    lines that precede the next header, since those describe the next table."""
    layout = Layout.scan(text)
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()  # 1-based line numbers
    for index, (key, start) in enumerate(layout.headers):
        if key[: len(TOOL_KEY)] != TOOL_KEY:
            continue
        end = layout.headers[index + 1][1] - 1 if index + 1 < len(layout.headers) else len(lines)
        while end > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        drop.update(range(start, end + 1))
        if start == 1 or not lines[start - 2].strip():  # already separated: drop the blank lines after
            while end < len(lines) and not lines[end].strip():
                end += 1
                drop.add(end)
    return "".join(line for number, line in enumerate(lines, 1) if number not in drop)


# ----------------------------------------------------------------------------------- checks
def _check_round_trip(text: str, target: Path, ini: IniSource, core: Values, tables: list[tuple[Key, Values]]) -> None:
    """Read the TOML back: it must give the raw values the ini gave (else this module has a bug)."""
    expected: dict[str, Values] = {CORE_NAME: core} if core else {}
    names = {"env_base": ENV_PREFIX, "env": f"{ENV_PREFIX}:", "packagedef": f"{PACKAGEDEF_PREFIX}:", "section": ""}
    for path, values in tables:
        expected[names[path[0]] + (path[1] if len(path) > 1 else "")] = values
    got = {name: {key: raw.text for key, raw in section.values.items()} for name, section in _read_back(text, target)}
    if got != expected:
        differ = sorted(set(got) ^ set(expected)) or [n for n in expected if got.get(n) != expected[n]]
        raise ConfigError(
            f"converting {ini.path.name} would change [{differ[0]}]; nothing was written",
            hint="this is a bug in orch convert; please report it",
        )


def _read_back(text: str, target: Path) -> list[tuple[str, RawSection]]:
    return list(TomlSource.from_text(text, target).sections.items())


def _write(target: Path, text: str) -> None:
    """Replace ``target`` in one step, keeping its permissions (a new file gets the umask's)."""
    if target.is_symlink():
        target = target.resolve()  # replace the file the link points to, not the link
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        with os.fdopen(fd, "wb") as stream:
            stream.write(text.encode("utf-8"))
        if mode is not None:
            os.chmod(temp, mode)  # the umask may have narrowed it
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
