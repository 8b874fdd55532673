"""An :class:`~orch.schedule.envrun.EnvRunner` on a project written into the test's folder, in-process.

``runner({"tox.ini": ...})`` loads the project as the CLI does (orch's built-in plugins) and gives a runner
whose console writes into a string (``runner.console.stream.getvalue()``). Envs of type ``current`` or
``system`` need no env to be created, so the scheduler's tests stay fast and use no index.
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from orch.config.load import load_config
from orch.envs.discovery import Discovery
from orch.plugin.manager import load_plugins
from orch.report.console import Console
from orch.schedule.envrun import EnvRunner, RunOptions

PLUGINS = load_plugins(entry_points=False)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., EnvRunner]:
    monkeypatch.setenv("ORCH_CACHE_DIR", str(tmp_path / ".cache"))

    def make(files: Mapping[str, str], options: RunOptions | None = None) -> EnvRunner:
        for name, text in files.items():
            (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
        config = load_config(
            registry=PLUGINS.settings,
            type_factors=PLUGINS.env_types.type_factors(),
            builders=PLUGINS.builders.names(),
            cwd=tmp_path,
            environ=dict(os.environ),
            is_tty=lambda: False,
        )
        console = Console(io.StringIO(), colored="no")
        return EnvRunner(config, PLUGINS, Discovery(), console, options or RunOptions(), packages=None)

    return make
