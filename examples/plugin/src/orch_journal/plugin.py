"""The hooks: an option, a config key, an env type, and the lifecycle written to a journal.

This module is imported on every orch run, so it stays light: the backend is named by
``"module:attr"`` and imported only when an env of its type is set up.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from orch.plugin.api import (
    EnvConfig,
    EnvResult,
    EnvType,
    EnvTypeRegistry,
    Kind,
    PreparedEnv,
    Setting,
    SettingsRegistry,
    hookimpl,
)


def _journal(options: Mapping[str, object], event: str, **data: object) -> None:
    path = options.get("journal")
    if path:
        with Path(str(path)).open("a", encoding="utf-8") as stream:
            stream.write(json.dumps({"event": event, "at": time.time(), **data}) + "\n")


@hookimpl
def orch_add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--journal", metavar="FILE", help="append each step of the run to FILE (JSON lines)")


@hookimpl
def orch_add_settings(registry: SettingsRegistry) -> None:
    registry.add(Setting("journal_tag", Kind.STR, "", "the JOURNAL_TAG the env's commands get"))


@hookimpl
def orch_register_env_types(registry: EnvTypeRegistry) -> None:
    registry.add(
        EnvType(
            name="scratch",
            factors=("scratch",),
            description="commands run with the tools on PATH, in an empty scratch folder of their own",
            backend="orch_journal.backend:ScratchBackend",
            needs_python=False,
        )
    )


@hookimpl
def orch_before_run(envs: Sequence[str], options: Mapping[str, object]) -> None:
    _journal(options, "before_run", envs=list(envs))


@hookimpl
def orch_before_setup(env: EnvConfig, options: Mapping[str, object]) -> None:
    _journal(options, "before_setup", env=env.name)


@hookimpl
def orch_after_setup(env: EnvConfig, prepared: PreparedEnv, options: Mapping[str, object]) -> None:
    _journal(options, "after_setup", env=env.name, actions=list(prepared.actions))


@hookimpl
def orch_before_commands(env: EnvConfig, prepared: PreparedEnv, options: Mapping[str, object]) -> dict[str, str]:
    _journal(options, "before_commands", env=env.name)
    return {"JOURNAL_TAG": str(env.extra.get("journal_tag") or env.name)}


@hookimpl
def orch_after_commands(env: EnvConfig, result: EnvResult, options: Mapping[str, object]) -> None:
    _journal(options, "after_commands", env=env.name, status=result.status.value)


@hookimpl
def orch_after_run(results: Sequence[EnvResult], options: Mapping[str, object]) -> None:
    _journal(options, "after_run", results={r.name: r.status.value for r in results})
