"""``orch convert``: what tox itself needs of the TOML, beyond what orch reads the same either way.

* :func:`tox_kind`: a key orch does not read (or reads as text) that tox reads typed gets tox's
  type (:data:`TOX_KINDS`, from tox's ``add_config`` calls): ``sitepackages = false``, not
  ``"False"``, which tox's TOML loader rejects; ``skip_missing_interpreters`` is a bool where it is
  ``true``/``false`` in lower case (orch reads a TOML bool as that text);
* :func:`rename_reserved`: a top-level table for an ini section (``[base]``) whose name is a tox
  core setting or a table of the schema is renamed ``ini_NAME``, and the ``{[NAME]key}``
  references to it follow; tox would read the table as the setting's value;
* :func:`ini_spellings`: an alias tox 4 no longer reads (``whitelist_externals``) keeps the ini's
  spelling, which orch reads and tox ignores, as it ignores the ini's line;
* :func:`set_env_refs`: a ``set_env`` array's ``ref`` to a set_env that is a table does not
  ``extend`` (tox would spread the table's keys into the array); it is one table of the array.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from orch.config.convert_values import WHOLE
from orch.config.raw import ENV_PREFIX
from orch.config.registry import Kind

_BOOL, _FLOAT = Kind.BOOL, Kind.FLOAT
TOX_KINDS: dict[str, Kind] = {
    "skip_missing_interpreters": _BOOL,  # tox_env/python/api.py (orch: true/false/config)
    "system_site_packages": _BOOL,  # tox_env/python/virtual_env/api.py
    "sitepackages": _BOOL,
    "always_copy": _BOOL,
    "alwayscopy": _BOOL,
    "download": _BOOL,
    "pip_pre": _BOOL,  # tox_env/python/pip/pip_install.py
    "constrain_package_deps": _BOOL,
    "use_frozen_constraints": _BOOL,
    "constraints": Kind.DEPS,
    "args_are_paths": _BOOL,  # tox_env/runner.py
    "fail_fast": _BOOL,
    "no_package": _BOOL,
    "skipsdist": _BOOL,
    "extra_setup_commands": Kind.COMMANDS,  # tox_env/python/runner.py
    "parallel_show_output": _BOOL,  # tox_env/api.py
    "suicide_timeout": _FLOAT,  # execute/api.py
    "interrupt_timeout": _FLOAT,
    "terminate_timeout": _FLOAT,
    "uv_seed": _BOOL,  # tox-uv
}

RESERVED = frozenset(
    {
        # tox's core settings (``tox config --core``) and their ini spellings
        *("config_file_path", "tox_root", "toxinidir", "tox_root_name", "package_root", "setupdir", "home"),
        *("work_dir", "toxworkdir", "temp_dir", "venv_redirect", "venv_redirect_env", "host_python"),
        *("env_list", "envlist", "base", "on_platform", "min_version", "minversion", "provision_tox_env"),
        *("requires", "labels", "ignore_base_python_conflict", "ignore_basepython_conflict"),
        *("skip_missing_interpreters", "no_package", "skipsdist"),
        # the tables of tox's TOML schema, and orch's
        *("env", "env_base", "env_run_base", "env_pkg_base", "packagedef"),
    }
)
TOX_IGNORED_ALIASES = frozenset({"whitelist_externals"})
_REFERENCE = re.compile(r"\{\[(?P<section>[^\]]+)\]")


def tox_kind(key: str, kind: Kind | None, text: str) -> Kind | None:
    """The kind to write a value of ``key`` with: tox's where orch has none; where orch reads text
    (``skip_missing_interpreters``), a bool for ``true``/``false`` in any case (orch reads both
    spellings as the same lower-case text); other text (``config``) stays text."""
    if kind is None or (kind is Kind.STR and text.strip().lower() in ("true", "false")):
        return TOX_KINDS.get(key, kind)
    return kind


def ini_spellings(result: dict[str, Any], keys: Iterable[str], canonical: Callable[[str], str]) -> dict[str, Any]:
    """A section's converted values, each key that tox ignores in the ini (and whose canonical name
    the section does not spell too) written under the ini's spelling."""
    keys = list(keys)
    spelled = {canonical(key): key for key in keys if key in TOX_IGNORED_ALIASES and canonical(key) not in keys}
    return {spelled.get(key, key): value for key, value in result.items()} if spelled else result


def rename_reserved(doc: dict[str, Any], tables: dict[str, Any]) -> dict[str, Any]:
    """``tables`` (other ini sections' top-level tables), each whose name tox reserves under a free
    name; the references to it in ``doc`` (changed in place) and in the tables follow."""
    renames: dict[str, str] = {}
    for name in tables:
        if name in RESERVED:
            new = f"ini_{name}"
            while new in doc or new in tables or new in RESERVED:
                new = f"ini_{new}"
            renames[name] = new
    if not renames:
        return tables
    for key, value in list(doc.items()):
        doc[key] = _renamed(value, renames)
    return {renames.get(name, name): _renamed(table, renames) for name, table in tables.items()}


def _renamed(value: object, renames: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _REFERENCE.sub(lambda m: "{[" + renames.get(m.group("section"), m.group("section")) + "]", value)
    if isinstance(value, list):
        return [_renamed(item, renames) for item in value]
    if isinstance(value, dict):
        result = {key: _renamed(item, renames) for key, item in value.items()}
        of = result.get("of")
        if result.get("replace") == "ref" and isinstance(of, list) and of and of[0] in renames:
            result["of"] = [renames[of[0]], *of[1:]]
        return result
    return value


def set_env_refs(doc: dict[str, Any]) -> None:
    """Drop ``extend`` from a set_env array's ``ref`` whose target set_env is a table."""
    for table in [doc.get("env_run_base"), *(doc.get("env") or {}).values()]:
        value = table.get("set_env") if isinstance(table, dict) else None
        if isinstance(value, list):
            _table_refs(doc, value)


def _table_refs(doc: dict[str, Any], items: list[Any]) -> None:
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("replace") == "if" and isinstance(item.get("then"), list):
            _table_refs(doc, item["then"])
        if item.get("replace") != "ref" or not item.get("extend"):
            continue
        of = item.get("of")
        if not isinstance(of, list):
            continue
        target: Any = doc
        for part in of:
            target = target.get(part) if isinstance(target, dict) else None
        if isinstance(target, dict) and "replace" not in target:
            del item["extend"]


def rename_reference(text: str) -> str:
    """``{[testenv]x}`` -> ``{[env_run_base]x}``, ``{[testenv:a]x}`` -> ``{[env.a]x}`` (tox.toml's spelling)."""
    match = WHOLE.match(text)
    if match is None:
        return text
    head, sep, env = match.group("section").partition(":")
    if head != ENV_PREFIX:
        return text
    return f"{{[{'env.' + env if sep else 'env_run_base'}]{match.group('key')}}}"
