"""``orch convert``: write a tox.ini's configuration in tox 4's TOML schema (``orch.toml`` or ``[tool.orch]``).

The result is the schema tox reads from a ``tox.toml`` plus orch's additions (``docs/reference/toml.md``):

* :mod:`orch.config.convert_tables` maps the ini's sections to tables (``[testenv]`` is
  ``[env_run_base]``, ``[testenv:NAME]`` is ``[env.NAME]``...);
* :mod:`orch.config.convert_values` spells each value in tox's TOML (arrays, argument lists,
  ``replace`` tables for posargs, env variables, references and factor conditions);
* this module writes the data as TOML text, to an ``orch.toml`` or a pyproject's ``[tool.orch]``.

A ``pyproject.toml`` keeps every byte outside ``[tool.orch]``: the new table is appended as text,
and an existing one (with ``force``) is cut out line by line. Before anything is written, the text
is parsed back and must give the data built; the file is then replaced in one step (a temporary
file in the same folder and :func:`os.replace`).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Array, InlineTable, Table

from orch.config.convert_tables import MAX_TABLES, Document, convert_document
from orch.config.ini import IniSource
from orch.config.toml import PYPROJECT, TOOL_KEY, Key, Layout, parse_toml
from orch.errors import ConfigError, UsageError
from orch.files import write_atomic

__all__ = ["MAX_TABLES", "Document", "convert_document", "convert_file", "render"]

_COMMENT = "# Converted from {name} by `orch convert`; the layout is described in docs/reference/toml.md."


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
    document = convert_document(ini)
    if target.name == PYPROJECT:
        text = _pyproject_text(target, render(document, root=TOOL_KEY), force=force)
    else:
        if target.exists() and not force:
            raise UsageError(f"{target} exists", hint="pass --force to replace it")
        body = render(document, root=())
        text = _COMMENT.format(name=source.name) + "\n" + (f"\n{body}" if body else "")
    _check_round_trip(text, target, ini, document)
    _write(target, text)
    return target


# ------------------------------------------------------------------------------ data -> TOML
def render(document: Document, *, root: Key) -> str:
    """The TOML text of ``document`` under ``root`` (``("tool", "orch")`` or none)."""
    doc = tomlkit.document()
    top: Any = doc
    if root:
        outer = tomlkit.table(is_super_table=True)
        top = tomlkit.table()
        outer.add(root[1], top)
        doc.add(root[0], outer)
    tables = {key: value for key, value in document.items() if isinstance(value, dict) and key != "labels"}
    for key, value in document.items():
        if key not in tables:
            top.add(key, _item(value, top=True))
    for key, value in tables.items():
        if key in ("env", "packagedef"):
            parent = tomlkit.table(is_super_table=True)
            for name, settings in value.items():
                parent.add(name, _table(settings))
            top.add(key, parent)
        else:
            top.add(key, _table(value))
    return doc.as_string()


def _table(values: dict[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, _item(value, top=True))
    return table


def _item(value: object, *, top: bool = False) -> Any:
    if isinstance(value, dict):
        inline: InlineTable = tomlkit.inline_table()
        for key, item in value.items():
            inline.append(key, _item(item))
        return inline
    if isinstance(value, list):
        array: Array = tomlkit.array()
        array.extend(_item(item) for item in value)
        if top and (len(value) > 1 or any(isinstance(item, (dict, list)) for item in value)):
            array.multiline(True)
        return array
    if isinstance(value, str):
        literal = ("\\" in value or '"' in value) and "'" not in value and not _CONTROL.search(value)
        return tomlkit.string(value, literal=literal)
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


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
def _check_round_trip(text: str, target: Path, ini: IniSource, document: Document) -> None:
    """Parse the text back: it must give the data built (else this module has a bug)."""
    data: Any = parse_toml(text, target.name)
    if target.name == PYPROJECT:
        data = data["tool"]["orch"]
    if data != document:
        differ = sorted(key for key in set(data) | set(document) if data.get(key) != document.get(key))
        raise ConfigError(
            f"converting {ini.path.name} would change [{differ[0] if differ else '?'}]; nothing was written",
            hint="this is a bug in orch convert; please report it",
        )


def _write(target: Path, text: str) -> None:
    """Replace ``target`` in one step, keeping its permissions (a new file gets the umask's)."""
    if target.is_symlink():
        target = target.resolve()  # replace the file the link points to, not the link
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # read it: orch convert starts no thread that could create a file meanwhile
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        write_atomic(target, text, make_folder=False, mode=mode)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from exc
