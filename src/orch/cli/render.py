"""Text and JSON forms of config values, for ``orch list`` and ``orch config``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from orch.config.project import Config
from orch.config.registry import Scope
from orch.config.types import plain
from orch.errors import ConfigError


class Failed(NamedTuple):
    """A value that cannot be computed, shown in its key's place: ``KEY = # Exception: MESSAGE`` in
    ini output, ``{"error": MESSAGE}`` in JSON and TOML (tox's forms). The rest is still shown."""

    message: str


class Shown(NamedTuple):
    """What ``orch config`` shows: each env's values, the core's (None without ``--core``), and the
    messages of the values that could not be computed (the command then exits 2 at the end)."""

    envs: dict[str, dict[str, object]]
    core: dict[str, object] | None
    errors: list[str]


def _value(errors: list[str], compute: Callable[..., object], *args: str) -> object:
    """``compute(*args)`` as plain data, or :class:`Failed` (its message added to ``errors``)."""
    try:
        return plain(compute(*args))
    except ConfigError as exc:
        errors.append(str(exc))
        return Failed(str(exc))


def _env_values(
    config: Config, name: str, keys: Sequence[str] | None, errors: list[str], *, core: bool
) -> dict[str, object]:
    """The env's values, each computed on its own, so one bad value hides no other (as tox)."""
    values: dict[str, object] = {}
    for key in config.env_keys() if keys is None else keys:
        canonical = "name" if key == "name" else config.registry.canonical(Scope.ENV, key)
        if canonical is None and core and config.registry.canonical(Scope.CORE, key) is not None:
            continue  # a core key, shown in the core section
        if canonical is None:  # a key orch does not read: shown as written if the file sets it, else left out (tox)
            raw = next((s.values[key] for s in config.resolver.sections_for(Scope.ENV, name) if key in s.values), None)
            if raw is not None:
                values[key] = config.source.read(raw).strip()
        else:
            values[key] = _value(errors, config.env_value, name, canonical)
    return values


def _core_values(config: Config, keys: Sequence[str] | None, errors: list[str]) -> dict[str, object]:
    from orch.config.model import CoreConfig, field_names

    chosen = [k for k in field_names(CoreConfig) if keys is None or k in keys]
    return {key: _value(errors, config.resolver.core, key) for key in chosen}


def config_values(config: Config, names: Sequence[str], keys: Sequence[str] | None, *, core: bool) -> Shown:
    """Every value ``orch config`` shows, computed before any output."""
    errors: list[str] = []
    envs = {name: _env_values(config, name, keys, errors, core=core) for name in names}
    return Shown(envs, _core_values(config, keys, errors) if core else None, errors)


def _ini_line(key: str, value: object) -> str:
    """``key = value``, a list or mapping of several items on indented lines below ``key =``."""
    if isinstance(value, Failed):
        return f"{key} = # Exception: {value.message}"
    if isinstance(value, bool) or not isinstance(value, (list, dict)):
        return f"{key} = {value}".rstrip()
    items = [f"{k}={v}" for k, v in value.items()] if isinstance(value, dict) else [str(v) for v in value]
    if len(items) == 1 and not isinstance(value, dict):
        return f"{key} = {items[0]}"
    return f"{key} =" + "".join(f"\n  {item}" for item in items)


def _data(values: dict[str, object]) -> dict[str, object]:
    return {k: {"error": v.message} if isinstance(v, Failed) else v for k, v in values.items()}


def config_as_ini(config: Config, shown: Shown) -> str:
    out: list[str] = []
    if shown.core is not None:
        out.append(f"[{config.source.core_name}]")
        out.extend(_ini_line(k, v) for k, v in shown.core.items())
        out.append("")
    for name, values in shown.envs.items():
        out.append(f"[testenv:{name}]")
        out.extend(_ini_line(k, v) for k, v in values.items())
        out.append("")
    return "\n".join(out)


def config_as_json(config: Config, shown: Shown) -> str:
    import json

    data: dict[str, object] = {"env": {name: _data(values) for name, values in shown.envs.items()}}
    if shown.core is not None:
        data["core"] = _data(shown.core)
    return json.dumps(data, indent=2) + "\n"


def config_as_toml(config: Config, shown: Shown) -> str:
    import tomlkit

    doc = tomlkit.document()
    if shown.core is not None:
        doc.add("core", _data(shown.core))
    envs = tomlkit.table()
    for name, values in shown.envs.items():
        envs.add(name, _data(values))
    doc.add("env", envs)
    return tomlkit.dumps(doc)


def _description(config: Config, name: str) -> object:
    """An env's description for ``orch list``; one that cannot be computed as ``[error: MESSAGE]``."""
    try:
        return config.resolver.env(name, "description") or "[no description]"
    except ConfigError as exc:
        return f"[error: {exc}]"


def list_rows(config: Config, names: Sequence[str]) -> list[dict[str, object]]:
    """``orch list --json``: a value that cannot be computed is ``{"error": MESSAGE}``."""
    default = set(config.names.default)
    errors: list[str] = []
    return [
        _data(
            {
                "name": name,
                "description": _value(errors, config.resolver.env, name, "description"),
                "default": name in default,
                "env_type": _value(errors, config.resolver.env, name, "env_type"),
                "labels": _value(errors, config.labels, name),
            }
        )
        for name in names
    ]


def list_lines(config: Config, names: Sequence[str], *, descriptions: bool) -> Iterator[str]:
    """tox's list format: a heading per group, ``name -> description`` lines."""
    default = set(config.names.default)
    groups = [
        ("default environments:", [n for n in names if n in default]),
        ("additional environments:", [n for n in names if n not in default]),
    ]
    width = max((len(n) for n in names), default=0)
    first = True
    for heading, members in groups:
        if not members:
            continue
        if descriptions:
            if not first:
                yield ""
            yield heading
        first = False
        for name in members:
            if descriptions:
                yield f"{name.ljust(width)} -> {_description(config, name)}"
            else:
                yield name
