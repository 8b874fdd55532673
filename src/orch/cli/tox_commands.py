"""tox 4's other commands: ``devenv``, ``depends``, ``quickstart``, ``schema`` and ``legacy`` (tox 3's CLI)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orch.cli import commands, run
from orch.config.project import Config
from orch.errors import OrchError, UsageError
from orch.plugin.manager import Plugins


# ------------------------------------------------------------------------------------ devenv
def cmd_devenv(args: argparse.Namespace, plugins: Plugins) -> int:
    """``orch devenv -e ENV PATH``: the env set up at PATH with the package installed editable; no command runs."""
    names = [n for text in args.envs or ["py"] for n in text.split(",") if n.strip()]
    if len(names) != 1 or names[0] == "ALL":
        raise UsageError(f"orch devenv sets up exactly one env; -e names {', '.join(names) or 'none'}")
    name = names[0].strip()
    path = Path(args.path).resolve()
    args.envs = [name]
    args.override = [*args.override, f"testenv:{name}.env_dir={path}", f"testenv:{name}.use_develop=true"]
    args.notest, args.skip_missing_interpreters, args.parallel = True, "false", None
    args.installpkg, args.failed, args.resume = None, False, False
    code = run.cmd_run(args, plugins)
    if code == 0:
        print(f"orch: created development environment under {path}")
    return code


# ----------------------------------------------------------------------------------- depends
def cmd_depends(args: argparse.Namespace, plugins: Plugins) -> int:
    """``orch depends``: the run order, then each env under ALL with the envs it waits for (as ``tox depends``)."""
    from orch.schedule.graph import dependencies, run_order

    config = commands.load(args, plugins)
    names = commands.selected(args, config)
    waits = dependencies(names, {n: _depends(config, n) for n in names})
    order = run_order(names, waits)
    print(f"Execution order: {', '.join(order)}")
    lines: list[str] = ["ALL"]

    def tree(name: str, depth: int) -> None:
        packagedef = _packagedef(config, name)
        lines.append("   " * depth + name + (f" ~ {packagedef}" if packagedef else ""))
        for dep in [o for o in order if o in waits[name]]:
            tree(dep, depth + 1)

    for name in names:
        tree(name, 1)
    print("\n".join(lines))
    return 0


def _depends(config: Config, name: str) -> tuple[str, ...]:
    return () if config.env_error(name) is not None else tuple(config.env(name).depends)


def _packagedef(config: Config, name: str) -> str:
    if config.env_error(name) is not None:
        return ""
    return str(config.env(name).packagedef or "")


# -------------------------------------------------------------------------------- quickstart
QUICKSTART_INI = """\
[tox]
env_list =
    py{version}

[testenv]
description = run the tests with pytest
package = wheel
deps =
    pytest>=6
commands =
    pytest {{tty:--color=yes}} {{posargs}}
"""
QUICKSTART_TOML = """\
env_list = ["py{version}"]

[env_run_base]
description = "run the tests with pytest"
package = "wheel"
deps = ["pytest>=6"]
commands = [["pytest", {{ replace = "posargs", extend = true }}]]
"""


def cmd_quickstart(args: argparse.Namespace, plugins: Plugins) -> int:
    """``orch quickstart [ROOT] [--format toml]``: a minimal tox.ini (or tox.toml); never replaces a file."""
    root = Path(args.root).resolve()
    target = root / f"tox.{args.format}"
    if target.exists():  # tox quickstart's exit code
        print(f"error: {target} exists; orch quickstart never replaces a file", file=sys.stderr)
        return 1
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    text = (QUICKSTART_INI if args.format == "ini" else QUICKSTART_TOML).format(version=version)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise OrchError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"orch quickstart: wrote {target}:")
    print(text, end="")
    return 0


# ------------------------------------------------------------------------------------ schema
def cmd_schema(args: argparse.Namespace, plugins: Plugins) -> int:
    """``orch schema``: the JSON schema of tox.toml / orch.toml, orch's keys and plugins' included."""
    import json

    from orch.cli.schema import config_schema

    text = json.dumps(config_schema(plugins.settings), indent=2) + "\n"
    if args.output_file:
        Path(args.output_file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


# ------------------------------------------------------------------------------------ legacy
def cmd_legacy(args: argparse.Namespace, plugins: Plugins) -> int:
    """``orch legacy`` (``orch le``): tox 3's options mapped to orch's commands, as ``tox legacy`` does."""
    args.override = [*args.override, *_legacy_overrides(args)]
    if args.show_config:
        args.keys, args.format, args.core, args.output_file = None, "ini", not args.envs, None
        return commands.cmd_config(args, plugins)
    if args.list_envs or args.list_all:
        args.all, args.default_only, args.json = args.list_all, False, False
        args.no_desc = args.verbose < 1  # tox 3: descriptions with -v
        return commands.cmd_list(args, plugins)
    if args.devenv:
        args.path = args.devenv
        return cmd_devenv(args, plugins)
    return run.cmd_run(args, plugins)


def _legacy_overrides(args: argparse.Namespace) -> list[str]:
    """``--sitepackages``, ``--pre`` and ``--force-dep REQ`` as overrides of every env."""
    out = ["testenv.system_site_packages=true"] if args.sitepackages else []
    if args.pre:
        out += ["testenv.set_env+=PIP_PRE=1", "testenv.set_env+=UV_PRERELEASE=allow"]
    out += [f"testenv.deps+={requirement}" for requirement in args.force_dep]
    return out
