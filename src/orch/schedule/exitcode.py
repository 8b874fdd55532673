"""The exit code of ``orch run``, by tox 4's rule (``tox/session/cmd/run/common.py``, ``_report``).

* 0: every env passed, or failed with ``ignore_outcome``, or was skipped, and at least one was not
  skipped. When every selected env was skipped (no interpreter, another platform), the run fails
  with 1, as in tox.
* One env selected, and it failed: that env's code (:func:`env_code`), so ``orch run -e py312`` exits
  as ``pytest`` did.
* Several envs, some failed: 1; with fail-fast (``--fail-fast``, ``fail_fast = true``), the code of the
  first env, in selection order, that failed by itself (not one stopped by fail-fast).
* Interrupted: 130 (Ctrl-C), 143 (SIGTERM), 129 (SIGHUP); the caller decides that before this rule.

Sequential and parallel (``-p``) runs follow the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from orch.schedule.results import CommandStatus, EnvResult, EnvStatus

EXIT_OK, EXIT_FAILED = 0, 1
NOT_FOUND = 2  # tox reports the OSError's errno: ENOENT


def env_code(result: EnvResult) -> int:
    """The code one env stands for: 0 unless it failed; else its first failing command's exit code
    (commands_pre, then commands, then commands_post, as tox: with ``ignore_errors`` the first
    failure too), 128 + N for one killed by signal N, 2 for one not found; 1 when no command's code
    says more (a setup failure, a command not in allowlist_externals, a timeout, ``! cmd`` that
    succeeded, a config error)."""
    if not result.status.fails_run:
        return EXIT_OK
    for command in result.commands:
        if command.ok or command.ignored:
            continue
        if command.status is CommandStatus.NOT_FOUND:
            return NOT_FOUND
        if command.status is CommandStatus.EXITED and command.exit_code and not command.inverted:
            return command.exit_code
        return EXIT_FAILED
    return EXIT_FAILED


def run_code(results: Sequence[EnvResult], *, fail_fast: bool = False) -> int:
    """The run's exit code from its results in selection order (interruptions aside: see the module)."""
    if not results:
        return EXIT_OK
    failed = [r for r in results if r.status.fails_run]
    if not failed:
        return EXIT_FAILED if all(r.status is EnvStatus.SKIPPED for r in results) else EXIT_OK
    if len(results) == 1:
        return env_code(results[0])
    if fail_fast:
        first = next((r for r in failed if r.status is not EnvStatus.INTERRUPTED), None)
        if first is not None:
            return env_code(first)
    return EXIT_FAILED
