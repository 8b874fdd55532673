"""``orch matrix`` and ``orch ci github|gitlab``: the selected envs as a CI matrix or a whole pipeline."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from orch.cli.commands import envs_use_result_cache, load, selected
from orch.config.project import Config
from orch.errors import OrchError, UsageError
from orch.plugin.manager import Plugins

if TYPE_CHECKING:
    from orch.report.matrix import MatrixEntry


def _entries(args: argparse.Namespace, plugins: Plugins, config: Config, names: list[str]) -> list[MatrixEntry]:
    from orch.report.matrix import matrix_entries

    types = plugins.env_types

    def needs_python(env_type: str) -> bool:
        return env_type not in types or types.get(env_type).needs_python

    return matrix_entries(config, names, needs_python, default_python=args.default_python)


def cmd_matrix(args: argparse.Namespace, plugins: Plugins) -> int:
    """The selected envs as a CI matrix: ``--format github`` (YAML), ``gitlab`` (YAML) or ``json``."""
    from orch.report.matrix import render

    config = load(args, plugins)
    entries = _entries(args, plugins, config, selected(args, config))
    sys.stdout.write(render(entries, args.format, args.default_python))
    return 0


def repository_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` with a ``.git``; ``start`` when there is none."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _cached(args: argparse.Namespace, config: Config, names: list[str]) -> bool:
    """``orch ci --cached``, or a config that turns the result cache on: the jobs keep it between runs."""
    return bool(args.cached or config.core.extra.get("result_cache")) or envs_use_result_cache(config, names)


def cmd_ci(args: argparse.Namespace, plugins: Plugins) -> int:
    """``orch ci github|gitlab [--write [--force]]``: a CI pipeline running each selected env as a job."""
    from orch.report.workflows import GITHUB_PATH, GITLAB_PATH, github_workflow, gitlab_ci, linux_only, to_yaml

    config = load(args, plugins)
    names = selected(args, config)
    entries = _entries(args, plugins, config, names)
    if not entries:
        raise UsageError("no env selected: the pipeline would have no job")
    root = config.root.resolve()
    repo = repository_root(root)
    project_dir = root.relative_to(repo).as_posix() if root != repo else ""
    config_path = config.path.resolve()
    config_file = config_path.relative_to(root).as_posix() if root in config_path.parents else config_path.name
    run_options = ["-c", config_file] if args.conf else []
    where = {
        "config_file": config_file,
        "project_dir": project_dir,
        "install": args.install,
        "cached": _cached(args, config, names),
    }
    if args.system == "github":
        document = github_workflow(entries, **where, run_options=run_options, runner_python=args.default_python)
        target = repo / GITHUB_PATH
    else:
        entries, others = linux_only(entries)
        for entry in others:
            print(
                f"warning: {entry.env} needs {entry.os}; the GitLab pipeline runs Linux images only, "
                "so it is left out (add a job with a runner for it)",
                file=sys.stderr,
            )
        if not entries:
            raise UsageError("no selected env runs on Linux: the GitLab pipeline would have no job")
        document = gitlab_ci(entries, **where, run_options=run_options, runner_python=args.default_python)
        target = repo / GITLAB_PATH
    text = to_yaml(document, f"orch ci {args.system}")
    if not args.write:
        sys.stdout.write(text)
        return 0
    shown = os.path.relpath(target) if Path.cwd().resolve() in target.parents else str(target)
    if target.exists() and not args.force:
        raise UsageError(f"{shown} exists; pass --force to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OrchError(f"cannot write {shown}: {exc.strerror or exc}") from None
    print(f"wrote {shown}")
    return 0
