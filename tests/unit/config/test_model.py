"""The typed model and the settings registry describe the same keys: each field is a registered key,
typed as the key's kind converts, so neither can drift from the other."""

from __future__ import annotations

from dataclasses import fields

import pytest

from orch.config.model import CoreConfig, EnvConfig, PackageDef, field_names
from orch.config.registry import Kind, Scope
from orch.config.settings import BUILTIN_SETTINGS

MODELS = {Scope.CORE: CoreConfig, Scope.ENV: EnvConfig, Scope.PACKAGEDEF: PackageDef}

# The annotation a field has for each kind of value (as written in model.py).
ANNOTATION = {
    Kind.STR: "str",
    Kind.BOOL: "bool",
    Kind.INT: "int",
    Kind.FLOAT: "float",
    Kind.LIST: "tuple[str, ...]",
    Kind.NAMES: "tuple[str, ...]",
    Kind.LINES: "tuple[str, ...]",
    Kind.ENV_LIST: "tuple[str, ...]",
    Kind.DEPS: "tuple[str, ...]",
    Kind.COMMANDS: "tuple[Command, ...]",
    Kind.DICT: "Mapping[str, str]",
    Kind.LABELS: "Mapping[str, tuple[str, ...]]",
    Kind.PATH: "Path",
}


@pytest.mark.parametrize("scope", list(MODELS), ids=lambda s: s.value)
def test_every_field_is_a_registered_key(scope: Scope) -> None:
    """A field is a registered key of its scope; keys without a field are read from ``extra``."""
    registered = {s.key for s in BUILTIN_SETTINGS if s.scope is scope}
    assert set(field_names(MODELS[scope])) <= registered


@pytest.mark.parametrize("scope", list(MODELS), ids=lambda s: s.value)
def test_fields_are_typed_as_their_kind_converts(scope: Scope) -> None:
    annotations = {f.name: f.type for f in fields(MODELS[scope])}
    wrong = {
        s.key: (annotations[s.key], ANNOTATION[s.kind])
        for s in BUILTIN_SETTINGS
        if s.scope is scope and s.key in annotations and annotations[s.key] != ANNOTATION[s.kind]
    }
    assert not wrong
