"""``orch schema``: a JSON schema (draft 7) of tox.toml / orch.toml, generated from the settings registry.

The layout is tox.toml's: core keys at the top level, ``env_run_base``, ``env_pkg_base``, ``env.NAME``; plus
orch's ``env_base.NAME`` (with ``factors``) and ``packagedef.NAME``. Every key orch knows is there, its aliases
too; unknown keys are allowed, as orch only warns about them. A string anywhere may also be a TOML
substitution table (``{ replace = "env", name = "X" }``).
"""

from __future__ import annotations

from typing import Any

from orch import __version__
from orch.config.registry import Kind, Scope, Setting, SettingsRegistry

_SUBSTITUTION = {"$ref": "#/definitions/substitution"}
_TEXT: dict[str, Any] = {"anyOf": [{"type": "string"}, _SUBSTITUTION]}
_TEXTS: dict[str, Any] = {"anyOf": [{"type": "array", "items": _TEXT}, _TEXT]}
_TYPES: dict[Kind, dict[str, Any]] = {
    Kind.STR: _TEXT,
    Kind.PATH: _TEXT,
    Kind.BOOL: {"anyOf": [{"type": "boolean"}, _TEXT]},
    Kind.INT: {"anyOf": [{"type": "integer"}, _TEXT]},
    Kind.FLOAT: {"anyOf": [{"type": "number"}, _TEXT]},
    Kind.LIST: _TEXTS,
    Kind.NAMES: _TEXTS,
    Kind.LINES: _TEXTS,
    Kind.ENV_LIST: _TEXTS,
    Kind.DEPS: _TEXTS,
    Kind.COMMANDS: {"anyOf": [{"type": "array", "items": _TEXTS}, _TEXT]},
    Kind.DICT: {"anyOf": [{"type": "object", "additionalProperties": _TEXT}, _TEXTS]},
    Kind.LABELS: {"type": "object", "additionalProperties": _TEXTS},
}


def _property(setting: Setting, name: str) -> dict[str, Any]:
    described = setting.doc if name == setting.key else f"alias of {setting.key}: {setting.doc}"
    schema: dict[str, Any] = {**_TYPES[setting.kind], "description": described}
    if not callable(setting.default) and isinstance(setting.default, (str, bool, int, float, tuple)):
        schema["default"] = list(setting.default) if isinstance(setting.default, tuple) else setting.default
    return schema


def _table(registry: SettingsRegistry, scope: Scope, **extra: dict[str, Any]) -> dict[str, Any]:
    properties = {name: _property(s, name) for s in registry.of(scope).values() for name in s.names}
    return {"type": "object", "properties": {**properties, **extra}}


def config_schema(registry: SettingsRegistry) -> dict[str, Any]:
    """The schema, from ``registry`` (built-in and plugins' keys)."""
    env = {"$ref": "#/definitions/env_run_base"}
    core = _table(
        registry,
        Scope.CORE,
        env_run_base=env,
        env_pkg_base=env,
        env={"type": "object", "additionalProperties": env},
        env_base={"type": "object", "additionalProperties": {"$ref": "#/definitions/env_base"}},
        packagedef={"type": "object", "additionalProperties": {"$ref": "#/definitions/packagedef"}},
    )
    factors = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "array", "items": _TEXT}]}}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"orch {__version__} configuration: tox.toml, orch.toml, [tool.tox] / [tool.orch] in pyproject.toml",
        **core,
        "definitions": {
            "env_run_base": _table(registry, Scope.ENV),
            "env_base": _table(registry, Scope.ENV, factors=factors),
            "packagedef": _table(registry, Scope.PACKAGEDEF),
            "substitution": {
                "type": "object",
                "properties": {"replace": {"type": "string"}},
                "required": ["replace"],
            },
        },
    }
