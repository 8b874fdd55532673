"""The ``current`` env type: an environment that already exists, used as it is.

The interpreter is the one ``base_python`` names (a path or a spec, found by discovery), or the
Python orch runs in. Nothing is created. When the env sets ``deps`` they are installed into that
interpreter with the env's installer: **this changes that environment** (the user's virtualenv, or
the system Python if that is what base_python names). The record ``<env_dir>/.orch-env.json``
remembers what was installed into which interpreter, so the next run installs nothing when neither
changed, and only the added deps when some were added. Deps are never uninstalled.
"""

from __future__ import annotations

import os
import platform
import sys
import sysconfig
from pathlib import Path

from orch.envs import fingerprint, ownership
from orch.envs.api import PreparedEnv, SetupRequest
from orch.envs.constraints import applied as constraints_applied
from orch.envs.installer import Installer, installer_environ, requirement_args
from orch.envs.interpreter import Interpreter


class CurrentBackend:
    """Runs commands with an existing interpreter; installs deps into it only when the env has some."""

    def cannot_create(self, request: SetupRequest) -> str | None:
        return None

    def setup(self, request: SetupRequest) -> PreparedEnv:
        config = request.config
        interpreter = request.interpreter or running_interpreter()
        python = Path(interpreter.path)  # not resolved: a venv's bin/python is a symlink to its base
        prefix = python.parent.parent
        environ = {"VIRTUAL_ENV": str(prefix)} if (prefix / "pyvenv.cfg").is_file() else {}

        def prepared(actions: tuple[str, ...], runs: int) -> PreparedEnv:
            return PreparedEnv((python.parent,), python, environ, actions, runs)

        if not config.deps:
            return prepared(("reused",), 0)
        new = fingerprint.snapshot(
            backend="current",
            interpreter=interpreter,
            installer=config.installer,
            install_command=config.install_command,
            deps=constraints_applied(config, config.deps),
            root=request.root,
        )
        installer = Installer(config.name, config.installer, config.install_command)
        install_env = installer_environ(
            os.environ,
            set_env=config.set_env,
            bin_dir=python.parent,
            virtual_env=prefix if environ else None,
        )
        with fingerprint.locked(config.env_dir, config.name, request.note):
            ownership.check(request)  # not a file or a link: the record goes in a folder
            old = fingerprint.read(config.env_dir)
            decision = fingerprint.decide(request, old, new, exists=True)  # the env exists: it is orch's own
            if decision.kind == "reuse":
                return prepared(("reused",), 0)
            deps = decision.added if decision.kind == "add" else constraints_applied(config, config.deps)
            if decision.kind == "add":
                constraints = tuple(
                    dep for dep in constraints_applied(config, config.deps) if fingerprint.file_option(dep)[0] == "-c"
                )
                request.note(f"update: {decision.reason}")
            else:
                constraints = ()
                if old is not None:
                    request.note(f"reinstall deps: {decision.reason}")
            fingerprint.remove(config.env_dir)
            args = requirement_args((*constraints, *deps), request.root)
            installer.install(python, args, cwd=request.root, env=install_env, log=request.log)
            fingerprint.write(config.env_dir, new)
        return prepared((f"installed deps into {python}: {', '.join(deps)}",), 1)


def running_interpreter() -> Interpreter:
    """The Python orch runs in, described without starting a process."""
    return Interpreter(
        path=sys.executable,
        implementation=sys.implementation.name,
        version=(sys.version_info.major, sys.version_info.minor, sys.version_info.micro),
        architecture=64 if sys.maxsize > 2**32 else 32,
        machine=platform.machine(),
        free_threaded=bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    )
