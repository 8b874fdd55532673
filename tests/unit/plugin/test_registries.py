"""EnvTypeRegistry and BuilderRegistry: first registration wins, lazy "module:attr" loading."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orch.errors import OrchError
from orch.plugin.builder_types import BuilderRegistry, BuilderType
from orch.plugin.env_types import EnvType, EnvTypeRegistry


def env_type(name: str, *factors: str, backend: str = "json:dumps") -> EnvType:
    return EnvType(name, factors, f"the {name} env type", backend)


def test_env_types_add_get_names_contains() -> None:
    registry = EnvTypeRegistry()
    registry.add(env_type("virtualenv", "venv", "virtualenv"))
    registry.add(env_type("docker", "docker"))
    assert registry.names() == ("virtualenv", "docker")
    assert registry.get("docker").factors == ("docker",)
    assert "docker" in registry
    assert "podman" not in registry
    with pytest.raises(KeyError):
        registry.get("podman")
    assert registry.ignored == ()
    assert registry.warnings() == []


def test_env_types_first_registration_wins_and_the_loser_is_recorded() -> None:
    registry = EnvTypeRegistry()
    first, second = env_type("conda", backend="a:First"), env_type("conda", backend="b:Second")
    registry.add(first)
    registry.add(second)
    assert registry.get("conda") is first
    assert registry.names() == ("conda",)
    assert registry.ignored == (second,)
    assert registry.warnings() == ["env type 'conda' is registered twice; b:Second is ignored, a:First is used"]


def test_type_factors_first_claimant_wins() -> None:
    registry = EnvTypeRegistry()
    registry.add(env_type("virtualenv", "venv", "virtualenv"))
    registry.add(env_type("myvenv", "venv", "mine"))
    assert registry.type_factors() == {"venv": "virtualenv", "virtualenv": "virtualenv", "mine": "myvenv"}
    assert registry.warnings() == [
        "env-name factor 'venv' of env type 'myvenv' is ignored: it selects env type 'virtualenv'"
    ]


@pytest.mark.parametrize("backend", ["json", "json:", ":dumps", ""])
def test_a_backend_that_is_not_module_colon_attr_is_refused(backend: str) -> None:
    with pytest.raises(OrchError, match=r"env type 'bad': backend .* is not of the form 'module:attr'"):
        EnvTypeRegistry().add(env_type("bad", backend=backend))


def test_load_backend_imports_the_declared_object() -> None:
    registry = EnvTypeRegistry()
    registry.add(env_type("jsonish", backend="json:dumps"))
    assert registry.load_backend("jsonish") is json.dumps


def test_load_backend_of_an_undeclared_env_type() -> None:
    registry = EnvTypeRegistry()
    registry.add(env_type("virtualenv"))
    with pytest.raises(OrchError, match=r"^env type 'podman' is unknown \(known: virtualenv\)$"):
        registry.load_backend("podman")


def test_load_backend_of_a_module_that_does_not_exist_yet() -> None:
    registry = EnvTypeRegistry()
    registry.add(env_type("ghost", backend="orch.envs.no_such_backend:GhostBackend"))
    with pytest.raises(OrchError, match=r"^env type 'ghost' is declared but not implemented yet: ") as info:
        registry.load_backend("ghost")
    assert "orch.envs.no_such_backend" in str(info.value)


def test_load_backend_of_a_missing_attribute() -> None:
    registry = EnvTypeRegistry()
    registry.add(env_type("ghost", backend="json:NoSuchBackend"))
    with pytest.raises(OrchError, match=r"^env type 'ghost' is declared but not implemented yet: json has no "):
        registry.load_backend("ghost")


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(tmp_path)
    yield tmp_path
    for path in tmp_path.glob("*.py"):
        sys.modules.pop(path.stem, None)


def test_load_backend_whose_dependency_is_missing(module_dir: Path) -> None:
    (module_dir / "orch_test_needs_dep.py").write_text("import orch_test_not_installed\nBackend = 1\n")
    registry = EnvTypeRegistry()
    registry.add(env_type("needy", backend="orch_test_needs_dep:Backend"))
    with pytest.raises(OrchError, match=r"^env type 'needy' cannot be loaded: .* needs 'orch_test_not_in") as info:
        registry.load_backend("needy")
    assert info.value.hint == "install the package providing 'orch_test_not_installed' into the Python that runs orch"


def test_load_backend_whose_module_fails(module_dir: Path) -> None:
    (module_dir / "orch_test_broken_backend.py").write_text("raise RuntimeError('boom')\n")
    registry = EnvTypeRegistry()
    registry.add(env_type("broken", backend="orch_test_broken_backend:Backend"))
    with pytest.raises(OrchError, match=r"^env type 'broken' cannot be loaded: .*RuntimeError: boom$"):
        registry.load_backend("broken")


def builder(name: str, implementation: str = "json:loads") -> BuilderType:
    return BuilderType(name, f"the {name} builder", implementation)


def test_builders_add_get_names_contains() -> None:
    registry = BuilderRegistry()
    registry.add(builder("sdist"))
    registry.add(builder("maturin"))
    assert registry.names() == ("sdist", "maturin")
    assert registry.get("maturin").per_python_default == "auto"
    assert "maturin" in registry
    assert "flit" not in registry
    with pytest.raises(KeyError):
        registry.get("flit")


def test_builders_first_registration_wins_and_the_loser_is_recorded() -> None:
    registry = BuilderRegistry()
    first, second = builder("wheel", "a:First"), builder("wheel", "b:Second")
    registry.add(first)
    registry.add(second)
    assert registry.get("wheel") is first
    assert registry.ignored == (second,)
    assert registry.warnings() == ["builder 'wheel' is registered twice; b:Second is ignored, a:First is used"]


def test_builder_load_implementation() -> None:
    registry = BuilderRegistry()
    registry.add(builder("jsonish", "json:loads"))
    registry.add(builder("ghost", "orch.builders.no_such_builder:GhostBuilder"))
    assert registry.load_implementation("jsonish") is json.loads
    with pytest.raises(OrchError, match=r"^builder 'ghost' is declared but not implemented yet: "):
        registry.load_implementation("ghost")
    with pytest.raises(OrchError, match=r"^builder 'flit' is unknown \(known: jsonish, ghost\)$"):
        registry.load_implementation("flit")
    with pytest.raises(OrchError, match=r"builder 'bad': implementation 'json' is not of the form 'module:attr'"):
        registry.add(builder("bad", "json"))
