"""``orch cache list|show KEY|clear [--env ENV]``, and the result cache a run uses (``--cached``).

The entries live in ``<cache_dir>/results`` (``$ORCH_CACHE_DIR``): see :mod:`orch.schedule.resultstore`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from orch.errors import UsageError
from orch.paths import cache_dir
from orch.schedule import resultstore

if TYPE_CHECKING:
    from orch.config.project import Config
    from orch.plugin.manager import Plugins
    from orch.schedule.envrun import EnvRunner
    from orch.schedule.resultcache import ResultCache


def result_cache(args: argparse.Namespace, config: Config, runner: EnvRunner) -> ResultCache | None:
    """The run's result cache: none with ``--no-cached``; every env with ``--cached``; else those whose
    ``result_cache`` is true. The run's own report files are never inputs."""
    if getattr(args, "no_cached", False):
        return None
    from orch.builders.source import SourceScan
    from orch.schedule.resultcache import ResultCache

    packages = runner.packages
    work_dir = config.core.work_dir

    def scan() -> SourceScan:
        if packages is not None:
            return packages.scan()
        return SourceScan(config.root, cache_file=work_dir / "dist" / ".source-cache.json", exclude=[work_dir])

    reports = [Path(p) for p in (getattr(args, "junit", None), getattr(args, "result_json", None)) if p]
    caches = [Path(os.environ[name]) for name in ("PIP_CACHE_DIR", "UV_CACHE_DIR") if os.environ.get(name)]
    outputs = [*reports, cache_dir(), *caches]  # written by the run or the installers: never inputs
    return ResultCache(
        config,
        cached=True if getattr(args, "cached", False) else None,
        environ=os.environ,
        scan=scan,
        console=runner.console,
        cache_dir=cache_dir(),
        outputs=outputs,
        recreate=bool(args.recreate),
    )


def _when(stamp: object) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if isinstance(stamp, (int, float)) else "?"


def cache_command(args: argparse.Namespace, plugins: Plugins) -> int:
    """``orch cache``: needs no config file; acts on ``$ORCH_CACHE_DIR``."""
    where = cache_dir()
    for folder in (where, resultstore.folder(where)):
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"the result cache folder {folder} is not a folder (ORCH_CACHE_DIR is {where})")
    if args.action == "show":
        return _show(where, args)
    if args.key:
        raise UsageError(f"orch cache {args.action} takes no KEY (did you mean `orch cache show {args.key}`?)")
    found = list(resultstore.entries(where))
    chosen = [e for e in found if not e.corrupt and (args.env is None or e.env == args.env)]
    corrupt = [e for e in found if e.corrupt]
    if args.action == "clear":
        dropped = chosen + (corrupt if args.env is None else [])  # a corrupt entry's env is unknown
        freed = resultstore.remove([e.path for e in dropped])
        which = f" of {args.env}" if args.env else ""
        also = f" and {len(corrupt)} corrupt ones" if corrupt and args.env is None else ""
        freed_text = resultstore.size_text(freed)
        print(f"removed {len(chosen)} entries{which}{also} ({freed_text}) from {resultstore.folder(where)}")
        return 0
    if args.json:
        rows = [{"key": e.key, "env": e.env, "size": e.size, "used": e.used, **_summary(e.data)} for e in chosen]
        rows += [{"key": e.key, "size": e.size, "used": e.used, "corrupt": True} for e in corrupt]
        print(json.dumps(rows, indent=2))
        return 0
    days, limit = resultstore.limits(os.environ, lambda text: print(text, file=sys.stderr))
    total = sum(e.size for e in chosen)
    print(f"{resultstore.folder(where)}: {len(chosen)} entries, {resultstore.size_text(total)}")
    if corrupt:
        size = resultstore.size_text(sum(e.size for e in corrupt))
        print(f"and {len(corrupt)} corrupt ones ({size}), never hits: orch cache clear or the next expiry removes them")
    print(f"(kept {days:g} days after their last use, at most {resultstore.size_text(limit)} in all)")
    for e in chosen:
        data = e.data
        commit = str(data.get("commit") or "-")[:10] + ("+dirty" if data.get("dirty") else "")
        duration = data.get("duration")
        took = f"{duration:.1f} s" if isinstance(duration, (int, float)) else "?"
        line = f"{e.key[:12]}  {e.env:<16} {data.get('project', '?')!s:<16} passed {_when(data.get('stored'))}"
        print(f"{line}  {took:>8}  {commit:<16} {resultstore.size_text(e.size):>8}")
    return 0


def _summary(data: object) -> dict[str, object]:
    assert isinstance(data, dict)
    keys = ("project", "stored", "duration", "commit", "dirty", "config_hash", "orch")
    return {k: data.get(k) for k in keys}


def _show(where: Path, args: argparse.Namespace) -> int:
    if not args.key:
        raise UsageError("orch cache show needs a KEY (see `orch cache list`)")
    found = resultstore.find(where, args.key)
    if not found:
        raise UsageError(f"no entry with a key starting {args.key!r} in {resultstore.folder(where)}")
    if len(found) > 1:
        raise UsageError(f"{args.key!r} starts {len(found)} keys; give more of it")
    entry = found[0]
    if entry.corrupt:
        raise UsageError(
            f"{entry.key}: corrupt entry (not a result orch can read; it is never a hit): {entry.path}",
            hint="orch cache clear, or the next expiry, removes it",
        )
    data = dict(entry.data)
    if args.json:
        print(json.dumps({**data, "size": entry.size, "used": entry.used}, indent=2))
        return 0
    log = str(data.pop("log", ""))
    parts = data.pop("parts", {})
    commands = data.pop("commands", [])
    print(f"key:         {entry.key}")
    print(f"env:         {entry.env} (project {data.get('project', '?')})")
    print(f"passed:      {_when(data.get('stored'))} in {data.get('duration', '?')} s, last used {_when(entry.used)}")
    print(f"interpreter: {data.get('interpreter') or '-'}")
    print(f"commit:      {data.get('commit') or '-'}{' (dirty)' if data.get('dirty') else ''}")
    print(f"config hash: {data.get('config_hash', '-')}")
    print(f"orch:        {data.get('orch', '?')}, size {resultstore.size_text(entry.size)}")
    if isinstance(parts, dict):
        print("inputs:")
        for name, digest in parts.items():
            print(f"  {name:<14} {digest}")
    if isinstance(commands, list):
        print("commands:")
        for c in commands:
            if isinstance(c, dict):
                step = f"{c.get('phase')}[{c.get('index')}]"
                print(f"  {step} exit {c.get('exit_code')} in {c.get('duration')} s: {c.get('command')}")
    print("log:")
    sys.stdout.write("".join(f"  | {line}\n" for line in log.splitlines()))
    return 0
