"""load_plugins: built-ins, plugins passed as objects, real entry points, and what it must not import."""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

import orch
from orch.config.registry import Kind, Scope, Setting, SettingsRegistry
from orch.config.settings import BUILTIN_SETTINGS
from orch.errors import OrchError
from orch.plugin import builtin, hookimpl
from orch.plugin.builder_types import BuilderRegistry, BuilderType
from orch.plugin.env_types import EnvType, EnvTypeRegistry
from orch.plugin.manager import load_plugins

BUILTIN_ENV_TYPES = ("virtualenv", "conda", "current", "system")
BUILTIN_BUILDERS = ("sdist", "wheel", "editable", "editable-legacy", "conda", "external", "skip")


class DockerPlugin:
    """A third-party plugin, as an object: one option, one setting, one env type, one builder."""

    @hookimpl
    def orch_add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--docker-host", metavar="URL")

    @hookimpl
    def orch_add_settings(self, registry: SettingsRegistry) -> None:
        registry.add(Setting("docker_image", Kind.STR, "python:3.12-slim", "the image commands run in"))

    @hookimpl
    def orch_register_env_types(self, registry: EnvTypeRegistry) -> None:
        registry.add(EnvType("docker", ("docker",), "a container", "orch_docker:Backend", needs_python=False))

    @hookimpl
    def orch_register_builders(self, registry: BuilderRegistry) -> None:
        registry.add(BuilderType("docker-image", "build an image", "orch_docker:ImageBuilder"))


class Usurper:
    """Reuses built-in names; ``tryfirst`` does not help it."""

    @hookimpl(tryfirst=True)
    def orch_add_settings(self, registry: SettingsRegistry) -> None:
        registry.add(Setting("deps", Kind.STR, "usurped", "not the real deps"))

    @hookimpl(tryfirst=True)
    def orch_register_env_types(self, registry: EnvTypeRegistry) -> None:
        registry.add(EnvType("virtualenv", ("virtualenv",), "fake", "usurper:Backend"))
        registry.add(EnvType("myvenv", ("venv",), "claims the venv factor", "usurper:Backend"))

    @hookimpl
    def orch_register_builders(self, registry: BuilderRegistry) -> None:
        registry.add(BuilderType("wheel", "fake", "usurper:Builder"))


def test_builtins_are_registered() -> None:
    plugins = load_plugins(entry_points=False)
    assert [s.key for s in plugins.settings] == [s.key for s in BUILTIN_SETTINGS]
    assert plugins.env_types.names() == BUILTIN_ENV_TYPES
    assert plugins.env_types.type_factors() == {
        "venv": "virtualenv",
        "virtualenv": "virtualenv",
        "conda": "conda",
        "current": "current",
        "system": "system",
    }
    assert not plugins.env_types.get("system").needs_python
    assert plugins.builders.names() == BUILTIN_BUILDERS
    assert plugins.builders.get("wheel").implementation == "orch.builders.wheel:WheelBuilder"
    assert plugins.manager.get_plugin("builtin") is builtin
    assert plugins.warnings() == []


@pytest.mark.parametrize("name", BUILTIN_ENV_TYPES)
def test_builtin_backends_load_or_say_why(name: str) -> None:
    try:
        backend = load_plugins(entry_points=False).env_types.load_backend(name)
    except OrchError as exc:
        assert str(exc).startswith(f"env type {name!r} ")
    else:
        assert backend is not None


@pytest.mark.parametrize("name", BUILTIN_BUILDERS)
def test_builtin_builders_load_or_say_why(name: str) -> None:
    try:
        implementation = load_plugins(entry_points=False).builders.load_implementation(name)
    except OrchError as exc:
        assert str(exc).startswith(f"builder {name!r} ")
    else:
        assert implementation is not None


def test_a_plugin_object_adds_a_setting_an_env_type_and_a_builder() -> None:
    plugins = load_plugins(entry_points=False, extra=[DockerPlugin()])
    assert plugins.settings.get(Scope.ENV, "docker_image").default == "python:3.12-slim"
    assert plugins.env_types.names() == (*BUILTIN_ENV_TYPES, "docker")
    assert plugins.env_types.type_factors()["docker"] == "docker"
    assert plugins.builders.names() == (*BUILTIN_BUILDERS, "docker-image")


def test_a_plugin_adds_options_to_every_subcommand() -> None:
    from orch.cli.parser import build_parser

    plugins = load_plugins(entry_points=False, extra=[DockerPlugin()])
    parser = build_parser(lambda p: plugins.manager.hook.orch_add_options(parser=p))
    assert parser.parse_args(["list", "--docker-host", "tcp://h"]).docker_host == "tcp://h"
    assert parser.parse_args(["config", "--docker-host", "tcp://h"]).docker_host == "tcp://h"


def test_builtins_win_a_name_clash() -> None:
    plugins = load_plugins(entry_points=False, extra=[Usurper()])
    assert plugins.settings.get(Scope.ENV, "deps").kind is Kind.DEPS
    assert plugins.env_types.get("virtualenv").backend == "orch.envs.virtualenv:VirtualenvBackend"
    assert plugins.env_types.type_factors()["venv"] == "virtualenv"
    assert plugins.builders.get("wheel").implementation == "orch.builders.wheel:WheelBuilder"
    assert plugins.warnings() == [
        "env type 'virtualenv' is registered twice; usurper:Backend is ignored, "
        "orch.envs.virtualenv:VirtualenvBackend is used",
        "env-name factor 'venv' of env type 'myvenv' is ignored: it selects env type 'virtualenv'",
        "builder 'wheel' is registered twice; usurper:Builder is ignored, orch.builders.wheel:WheelBuilder is used",
    ]


def test_a_misspelled_hook_is_an_error() -> None:
    class Typo:
        @hookimpl
        def orch_add_setting(self, registry: SettingsRegistry) -> None:
            raise AssertionError("never called")

    with pytest.raises(OrchError, match=r"Typo object at .* is invalid: .*orch_add_setting"):
        load_plugins(entry_points=False, extra=[Typo()])


Install = Callable[..., None]


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Install a distribution into a fresh folder on ``sys.path``: ``*.dist-info`` plus modules."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def install_dist(dist: str, entry_points: dict[str, str], files: dict[str, str] | None = None) -> None:
        info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[console_scripts]\n{dist} = nowhere:main\n\n[orch]\n{lines}")
        for name, text in (files or {}).items():
            (site / f"{name}.py").write_text(textwrap.dedent(text))
            modules.append(name)
        importlib.invalidate_caches()

    yield install_dist
    for name in modules:
        sys.modules.pop(name, None)


PLUGIN_MODULE = """
    from orch.plugin.env_types import EnvType
    from orch.plugin import hookimpl

    @hookimpl
    def orch_register_env_types(registry):
        registry.add(EnvType("julia", ("julia",), "Julia projects", "orch_test_julia.backend:Backend", False))
"""


def test_an_entry_point_plugin_is_loaded(install: Install) -> None:
    install("orch-test-julia", {"julia": "orch_test_julia_plugin"}, {"orch_test_julia_plugin": PLUGIN_MODULE})
    plugins = load_plugins()
    assert "julia" in plugins.env_types
    assert plugins.env_types.type_factors()["julia"] == "julia"
    assert plugins.manager.get_plugin("julia") is sys.modules["orch_test_julia_plugin"]
    assert plugins.env_types.names()[: len(BUILTIN_ENV_TYPES)] == BUILTIN_ENV_TYPES


def test_a_distribution_found_twice_is_loaded_once(
    install: Install, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install("orch-test-julia", {"julia": "orch_test_julia_plugin"}, {"orch_test_julia_plugin": PLUGIN_MODULE})
    shutil.copytree(tmp_path / "site", tmp_path / "copy")
    monkeypatch.syspath_prepend(str(tmp_path / "copy"))
    plugins = load_plugins()
    assert plugins.env_types.ignored == ()
    assert [name for name, _ in plugins.manager.list_name_plugin()].count("julia") == 1


def test_entry_points_can_be_turned_off(install: Install) -> None:
    install("orch-test-julia", {"julia": "orch_test_julia_plugin"}, {"orch_test_julia_plugin": PLUGIN_MODULE})
    assert "julia" not in load_plugins(entry_points=False).env_types
    assert "orch_test_julia_plugin" not in sys.modules


def test_a_broken_entry_point_names_its_plugin_and_distribution(install: Install) -> None:
    install("orch-test-broken", {"broken": "orch_test_broken_plugin"}, {"orch_test_broken_plugin": "import nope_x\n"})
    with pytest.raises(OrchError) as info:
        load_plugins()
    message = str(info.value)
    assert message.startswith("plugin 'broken' (orch_test_broken_plugin) of orch-test-broken cannot be loaded: ")
    assert "ModuleNotFoundError: No module named 'nope_x'" in message
    assert info.value.hint == "reinstall or uninstall orch-test-broken"


def test_an_entry_point_to_a_missing_module(install: Install) -> None:
    install("orch-test-gone", {"gone": "orch_test_gone_plugin:plugin"})
    with pytest.raises(OrchError, match=r"^plugin 'gone' \(orch_test_gone_plugin:plugin\) of orch-test-gone cannot"):
        load_plugins()


def test_orchs_own_entry_point_is_not_registered_twice(install: Install) -> None:
    install("orch", {"builtin": "orch.plugin.builtin"})
    plugins = load_plugins()
    assert plugins.env_types.names() == BUILTIN_ENV_TYPES
    assert [name for name, plugin in plugins.manager.list_name_plugin() if plugin is builtin] == ["builtin"]


def test_a_third_party_entry_point_named_builtin(install: Install) -> None:
    install("orch-test-julia", {"builtin": "orch_test_julia_plugin"}, {"orch_test_julia_plugin": PLUGIN_MODULE})
    plugins = load_plugins()
    assert "julia" in plugins.env_types
    assert plugins.manager.get_plugin("builtin") is builtin


def test_loading_plugins_imports_no_backend_tool() -> None:
    code = (
        "import sys\n"
        "from orch.plugin.manager import load_plugins\n"
        "load_plugins()\n"
        "print(sorted({m.partition('.')[0] for m in sys.modules} & {'virtualenv', 'build', 'uv', 'rattler'}))\n"
    )
    src = str(Path(orch.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


class Lifecycle:
    """A plugin with lifecycle hooks: it records its calls and gives the commands a variable."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    @hookimpl
    def orch_before_run(self, envs: list[str], options: dict[str, object]) -> None:
        self.calls.append(("before_run", (tuple(envs), options.get("flag"))))

    @hookimpl
    def orch_before_commands(self, options: dict[str, object]) -> dict[str, str]:
        return {"FROM_PLUGIN": str(options.get("flag"))}


def test_lifecycle_hooks_get_the_options() -> None:
    plugin = Lifecycle()
    plugins = load_plugins(entry_points=False, extra=[plugin])
    plugins.options = {"flag": "on"}
    assert plugins.lifecycle("orch_before_run", envs=["a", "b"]) == []
    assert plugin.calls == [("before_run", (("a", "b"), "on"))]
    assert plugins.lifecycle("orch_before_commands", env=None, prepared=None) == [{"FROM_PLUGIN": "on"}]


def test_a_failing_lifecycle_hook_is_a_one_line_error() -> None:
    class Broken:
        @hookimpl
        def orch_after_run(self) -> None:
            raise RuntimeError("disk full")

    plugins = load_plugins(entry_points=False, extra=[Broken()])
    with pytest.raises(OrchError, match=r"^plugin hook orch_after_run failed: RuntimeError: disk full$"):
        plugins.lifecycle("orch_after_run", results=[])


def test_lifecycle_without_plugins_calls_nothing_and_imports_no_pluggy() -> None:
    code = (
        "import sys; from orch.plugin.manager import load_plugins; p = load_plugins(entry_points=False); "
        "assert p.lifecycle('orch_before_run', envs=[]) == []; assert 'pluggy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
