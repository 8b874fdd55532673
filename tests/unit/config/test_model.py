"""The typed model and the settings registry describe the same keys: each field is a registered key,
typed as the key's kind converts, so neither can drift from the other."""

from __future__ import annotations

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
    # as written in model.py: a named tuple keeps each annotation as a ForwardRef of its text
    annotations = {name: getattr(kind, "__forward_arg__", kind) for name, kind in MODELS[scope].__annotations__.items()}
    wrong = {
        s.key: (annotations[s.key], ANNOTATION[s.kind])
        for s in BUILTIN_SETTINGS
        if s.scope is scope and s.key in annotations and annotations[s.key] != ANNOTATION[s.kind]
    }
    assert not wrong


@pytest.mark.parametrize("scope", list(MODELS), ids=lambda s: s.value)
def test_records_are_immutable_and_share_only_read_only_defaults(scope: Scope) -> None:
    """A record cannot change once built (``_replace`` makes a copy); the empty ``extra`` and ``sources``
    every record starts with are one read-only mapping, so no record can change another's."""
    model = MODELS[scope]
    values = {name: None for name in model._fields if name not in model._field_defaults}
    first, second = model(**values), model(**values)
    with pytest.raises(AttributeError):
        first.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        first.extra["key"] = "value"  # type: ignore[index]
    assert first.sources == second.sources == {}
    changed = first._replace(extra={"key": "value"})
    assert changed.extra == {"key": "value"} and first.extra == {}
