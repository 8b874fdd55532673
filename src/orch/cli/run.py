"""``orch run`` (and ``run-parallel``): load -> select -> plan -> run -> report, as :func:`cmd_run` shows.

The stages it shares with the other commands (loading, selecting, the runner and its console)
are in :mod:`orch.cli.commands`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from orch.cli.commands import _jobs, _run_options, _runner, envs_use_result_cache, load, selected
from orch.config.project import Config
from orch.config.select import Selection, select
from orch.plugin.manager import Plugins

if TYPE_CHECKING:
    from orch.config.gh import JobPython
    from orch.schedule.results import EnvResult


def _again(
    args: argparse.Namespace, record: dict[str, object] | None, names: list[str]
) -> tuple[list[str], dict[str, EnvResult]]:
    """``--failed``: the envs that failed last time. ``--resume``: the rest of an interrupted run."""
    from orch.schedule.results import result_from_record

    if not (args.failed or args.resume):
        return names, {}
    record = record or {}
    envs = record.get("envs") if isinstance(record.get("envs"), dict) else {}
    assert isinstance(envs, dict)
    if args.failed:
        return [n for n, e in envs.items() if e.get("status") in ("failed", "timeout", "interrupted")], {}
    if record.get("complete", True):
        return [], {}
    kept = {n: result_from_record(n, e) for n, e in envs.items() if e.get("status") in ("ok", "skipped", "ignored")}
    selected_before = record.get("selected")
    return [str(n) for n in selected_before] if isinstance(selected_before, list) else names, kept


def cmd_run_parallel(args: argparse.Namespace, plugins: Plugins) -> int:
    """``orch run-parallel`` (``orch p``, tox's ``run-parallel``): ``orch run -p auto`` unless ``-p`` is given."""
    if getattr(args, "parallel", None) is None:
        args.parallel = "auto"
    return cmd_run(args, plugins)


def cmd_run(args: argparse.Namespace, plugins: Plugins) -> int:
    """load -> select -> plan (a :class:`~orch.schedule.session.Plan`: jobs, order, what a resumed run
    keeps) -> run (each env builds what it installs in its turn, :mod:`orch.schedule.packages`) ->
    report (the record, the summary, ``--junit``/``--result-json``).

    A broken stdout (``orch run | head -1``) discards the rest of the output: the envs still run, and the exit
    code is their real result (stdout is guarded in cli.main)."""
    from orch.report.record import RunRecord, read_record
    from orch.schedule.session import Plan, run_envs

    config = load(args, plugins)
    names = selected(args, config)
    if (mapped := _github_envs(args, config)) is not None:
        names = mapped
        if not names:
            return 0
    if getattr(args, "shard", None):
        names = _shard(args, config, names)
        if not names:
            return 0
    jobs = _jobs(args)
    # the last run's record, read once: --failed and --resume continue it, -p orders envs by its durations
    last = read_record(config.core.work_dir) if args.failed or args.resume or jobs != 1 else None
    names, previous = _again(args, last, names)
    if not names:
        print("orch: nothing to run again (no failed env, no interrupted run in the record)")
        return 0
    runner = _runner(args, plugins, config, _run_options(args), github=True)
    if _may_cache(args, config, names):
        from orch.cli.cache import result_cache

        runner.result_cache = result_cache(args, config, runner)
    durations = _durations(last) if jobs != 1 else {}  # only parallel runs order envs by their last duration
    fail_fast = bool(args.fail_fast or config.core.fail_fast)
    plan = Plan(jobs=jobs, fail_fast=fail_fast, durations=durations, previous=previous)
    started, clock = time.time(), time.monotonic()
    record = RunRecord(config.core.work_dir, names)
    code, results = run_envs(runner, names, plan, save=record.save)  # run
    duration = time.monotonic() - clock
    if runner.result_cache is not None:
        runner.result_cache.finish()
    record.finish(results, started=started, duration=duration, complete=not runner.interrupted)  # report
    runner.console.summary(results, duration)
    code = _reports(args, config, results, code)
    _step_summary(results, duration)
    return code


def _may_cache(args: argparse.Namespace, config: Config, names: list[str]) -> bool:
    """Whether an env of this run may use the result cache (``--cached``, or its ``result_cache``, as
    :meth:`~orch.schedule.resultcache.ResultCache.enabled` decides): a run where none does skips making
    one, about 9 ms of imports (its key reads sources, wheels and installed distributions)."""
    if getattr(args, "no_cached", False):
        return False
    return bool(getattr(args, "cached", False)) or envs_use_result_cache(config, names)


def _shard(args: argparse.Namespace, config: Config, names: list[str]) -> list[str]:
    """``--shard K/N``: this job's part of the selection, split on ``--durations`` only: never on the
    work dir's run record, which each shard rewrites (see :mod:`orch.schedule.shard`)."""
    from orch.schedule.shard import parse_shard, read_durations, shard

    k, n = parse_shard(args.shard)
    durations = read_durations(Path(args.durations)) if args.durations else {}
    part = shard(names, durations, k, n)
    if args.quiet < 1:
        if part:
            print(f"orch: shard {k}/{n}: {', '.join(part)} ({len(part)} of {len(names)} envs)")
        else:
            print(f"orch: shard {k}/{n} has no env ({len(names)} envs in {n} shards)")
    return part


def _github_envs(args: argparse.Namespace, config: Config) -> list[str] | None:
    """Under GitHub Actions with no env named: the envs ``[gh-actions]`` / ``[gh]`` map the job's Python
    to (tox-gh-actions, tox-gh; see :mod:`orch.config.gh`); ``None`` when that does not apply."""
    from orch.config.gh import gh_choice, job_python, on_github

    named = (args.envs and ",".join(args.envs).strip(",\n ")) or args.labels or args.factors
    if not on_github(os.environ) or named or os.environ.get("ORCH_ENV") or os.environ.get("TOXENV"):
        return None
    choice = gh_choice(config, job_python(os.environ, _probe_python), os.environ)
    if choice is None:
        return None
    mapped = Selection.from_args(choice.envs, None, None, args.skip_env, os.environ)
    names = select(config, mapped) if choice.envs else []
    if not names:
        print(f"warning: {choice.section} maps no default env to {choice.python}: nothing to run", file=sys.stderr)
    elif args.quiet < 1:
        print(f"orch: GitHub Actions, {choice.python}: {choice.section} selects {', '.join(names)}")
    return names


def _probe_python(exe: str) -> JobPython | None:
    """The job's Python for ``[gh]``/``[gh-actions]``: what ``exe`` is, or None when it cannot run."""
    from orch.config.gh import JobPython
    from orch.envs.discovery import Discovery

    try:
        found = Discovery(environ=os.environ).find([exe])
    except Exception:  # a broken python on PATH: the caller falls back on orch's own
        return None
    if found is None:
        return None
    return JobPython(found.implementation, found.version[0], found.version[1], found.free_threaded)


def _step_summary(results: list[EnvResult], duration: float) -> None:
    """Under GitHub Actions, the results as a table on the run's summary page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from orch.report.github import write_step_summary

    try:
        write_step_summary(Path(target), results, duration)
    except OSError as exc:
        print(f"warning: cannot write the job summary to {target}: {exc.strerror or exc}", file=sys.stderr)


def _durations(record: dict[str, object] | None) -> dict[str, float]:
    envs = (record or {}).get("envs")
    return {n: float(e.get("duration", 0.0)) for n, e in envs.items()} if isinstance(envs, dict) else {}


def _reports(args: argparse.Namespace, config: Config, results: list[EnvResult], code: int) -> int:
    """Write the requested reports; the exit code, made 1 when one cannot be written (after the check up front)."""
    if getattr(args, "result_json", None):
        from orch.report.results_json import write_result_json

        configs = {r.name: config.env(r.name) for r in results if config.env_error(r.name) is None}
        try:
            write_result_json(Path(args.result_json), results, configs=configs, exit_code=code)
        except OSError as exc:
            print(f"error: cannot write --result-json {args.result_json}: {exc.strerror or exc}", file=sys.stderr)
            code = code or 1
    if getattr(args, "junit", None):
        from orch.report.junit import write_junit

        try:
            write_junit(Path(args.junit), results)
        except OSError as exc:
            print(f"error: cannot write --junit {args.junit}: {exc.strerror or exc}", file=sys.stderr)
            code = code or 1
    return code
