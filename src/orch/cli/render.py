"""Text and JSON forms of config values, for ``orch list`` and ``orch config``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from orch.config.project import Config
from orch.config.registry import Scope
from orch.config.types import Command


def _keys() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The env and core keys in model order (the model is imported only when config is shown)."""
    from orch.config.model import CoreConfig, EnvConfig, field_names

    return ("name", *field_names(EnvConfig)), field_names(CoreConfig)


def plain(value: object) -> object:
    """A config value as JSON-compatible data."""
    if isinstance(value, (Path, Command)):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value


def _env_values(config: Config, name: str, keys: Sequence[str] | None) -> dict[str, object]:
    """The env's values; with ``-k`` only those keys are resolved, so another key's error does not
    hide them (as ``tox config -k``)."""
    if keys is None:
        env = config.env(name)
        return {key: plain(getattr(env, key)) for key in _keys()[0]} | {k: plain(v) for k, v in env.extra.items()}
    values: dict[str, object] = {}
    for key in keys:
        canonical = "name" if key == "name" else config.registry.canonical(Scope.ENV, key)
        if canonical is None:
            values[key] = f"# Exception: unknown key {key!r}"
        else:
            values[key] = name if canonical == "name" else plain(config.resolver.env(name, canonical))
    return values


def _core_values(config: Config, keys: Sequence[str] | None) -> dict[str, object]:
    core = config.core
    return {k: plain(getattr(core, k)) for k in _keys()[1] if keys is None or k in keys}


def _ini_line(key: str, value: object) -> str:
    """``key = value``, a list or mapping of several items on indented lines below ``key =``."""
    if isinstance(value, bool) or not isinstance(value, (list, dict)):
        return f"{key} = {value}".rstrip()
    items = [f"{k}={v}" for k, v in value.items()] if isinstance(value, dict) else [str(v) for v in value]
    if len(items) == 1 and not isinstance(value, dict):
        return f"{key} = {items[0]}"
    return f"{key} =" + "".join(f"\n  {item}" for item in items)


def config_as_ini(config: Config, names: Sequence[str], keys: Sequence[str] | None, *, core: bool) -> str:
    out: list[str] = []
    if core:
        out.append(f"[{config.source.core_name}]")
        out.extend(_ini_line(k, v) for k, v in _core_values(config, keys).items())
        out.append("")
    for name in names:
        out.append(f"[testenv:{name}]")
        out.extend(_ini_line(k, v) for k, v in _env_values(config, name, keys).items())
        out.append("")
    return "\n".join(out)


def config_as_json(config: Config, names: Sequence[str], keys: Sequence[str] | None, *, core: bool) -> str:
    import json

    data: dict[str, object] = {"env": {name: _env_values(config, name, keys) for name in names}}
    if core:
        data["core"] = _core_values(config, keys)
    return json.dumps(data, indent=2) + "\n"


def config_as_toml(config: Config, names: Sequence[str], keys: Sequence[str] | None, *, core: bool) -> str:
    import tomlkit

    doc = tomlkit.document()
    if core:
        doc.add("core", _core_values(config, keys))
    envs = tomlkit.table()
    for name in names:
        envs.add(name, _env_values(config, name, keys))
    doc.add("env", envs)
    return tomlkit.dumps(doc)


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
                description = config.resolver.env(name, "description") or "[no description]"
                yield f"{name.ljust(width)} -> {description}"
            else:
                yield name
