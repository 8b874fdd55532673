"""The embedded conda engine's worker: ``python -m orch.envs.rattler_worker [REQUEST.json]``.

py-rattler is a native library; it can crash, and it can crash at interpreter exit. So orch never
imports it in its own process: :class:`orch.envs.conda_engine.RattlerEngine` starts this module in
a subprocess (through :mod:`orch.execute`), one operation per process. The worker reads one JSON
request (from the file named by its argument, else from stdin), does it, writes one JSON result
(to the request's ``result`` file, else as the last line of stdout) and leaves through
:func:`os._exit`, so no native destructor runs.

Requests (``op`` and its fields):

* ``create``: ``prefix``, ``channels``, ``specs``: solve the specs and install them into an empty prefix;
* ``install``: the same into an existing prefix: what is installed stays (locked), ``specs`` are
  added; a package named by a spec is replaced when the spec asks for another build;
* ``index``: ``channel``: index a local channel folder (``index_fs(force=True)``);
* ``activate``: ``prefix``, ``path`` (the caller's ``PATH`` entries): the variables activation sets.

Every request may give ``cache_dir`` (rattler's package cache). The result is ``{"ok": true, ...}``
(``installed``: ``name version build`` lines; ``environ``: activation variables) or
``{"ok": false, "error": "one line"}``. Progress goes to stderr, which orch appends to the env's log.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    try:
        text = Path(argv[0]).read_text(encoding="utf-8") if argv else sys.stdin.read()
        request = json.loads(text)
        if not isinstance(request, dict):
            raise ValueError("the request is not a JSON object")
    except (OSError, ValueError) as exc:
        _answer({}, {"ok": False, "error": f"bad request: {exc}"})
        return 2
    try:
        result = _dispatch(request)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        _answer(request, {"ok": False, "error": _one_line(exc)})
        return 1
    _answer(request, {"ok": True, **result})
    return 0


def _dispatch(request: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    if op in ("create", "install"):
        return asyncio.run(_install(request, fresh=op == "create"))
    if op == "index":
        return asyncio.run(_index(Path(request["channel"])))
    if op == "activate":
        return _activate(Path(request["prefix"]), [str(p) for p in request.get("path", [])])
    raise ValueError(f"unknown op {op!r}")


async def _install(request: dict[str, Any], *, fresh: bool) -> dict[str, Any]:
    import rattler

    prefix = Path(request["prefix"])
    channels = [str(c) for c in request["channels"]]
    specs = [str(s) for s in request["specs"]]
    cache_dir = Path(request["cache_dir"]) if request.get("cache_dir") else None
    installed = [] if fresh else _installed(prefix)
    wanted = {rattler.MatchSpec(spec).name.normalized for spec in specs if rattler.MatchSpec(spec).name}
    # keep what is installed (by name, locked to its build), except what the new specs replace
    keep = [record for record in installed if record.name.normalized not in wanted]
    all_specs = [record.name.normalized for record in keep] + specs
    print(f"orch: solving {' '.join(all_specs)} from {' '.join(channels)}", file=sys.stderr, flush=True)
    gateway = rattler.Gateway(cache_dir=cache_dir / "repodata" if cache_dir else None)
    records = await rattler.solve(
        channels,
        all_specs,
        gateway=gateway,
        platforms=[rattler.Platform.current(), rattler.Platform("noarch")],
        locked_packages=keep,
        virtual_packages=rattler.VirtualPackage.detect(),
    )
    print(f"orch: installing into {prefix}", file=sys.stderr, flush=True)
    await rattler.install(
        records,
        prefix,
        cache_dir=cache_dir / "pkgs" if cache_dir else None,
        installed_packages=installed,
        show_progress=False,
    )
    lines = sorted(f"{r.name.normalized} {r.version} {r.build}" for r in records)
    for line in lines:
        print(f"orch:   {line}", file=sys.stderr, flush=True)
    return {"installed": lines}


def _installed(prefix: Path) -> list[Any]:
    import rattler

    meta = prefix / "conda-meta"
    return [rattler.PrefixRecord.from_path(path) for path in sorted(meta.glob("*.json"))] if meta.is_dir() else []


async def _index(channel: Path) -> dict[str, Any]:
    import rattler
    from rattler.index import index_fs

    for subdir in ("noarch", str(rattler.Platform.current())):
        (channel / subdir).mkdir(parents=True, exist_ok=True)
    await index_fs(channel, force=True, write_zst=False, write_shards=False)
    return {}


def _activate(prefix: Path, path: list[str]) -> dict[str, Any]:
    """What activation sets: the variables of the posix activation script, and the new PATH."""
    from rattler.shell import ActivationVariables, Shell, activate

    result = activate(prefix, ActivationVariables(current_prefix=None, current_path=path), Shell.bash)
    environ: dict[str, str] = {}
    for line in result.script.splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export ") :].partition("=")
            environ[key] = _unquote(value)
    entries: Any = result.path  # typed as a Path, a list of entries at run time
    if isinstance(entries, (str, os.PathLike)):
        entries = str(entries).split(os.pathsep)
    environ["PATH"] = os.pathsep.join(str(p) for p in entries)
    return {"environ": environ}


def _unquote(value: str) -> str:
    import shlex

    try:
        words = shlex.split(value)
    except ValueError:
        return value
    return words[0] if len(words) == 1 else value


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 2000 else text[:2000] + "..."


def _answer(request: dict[str, Any], result: dict[str, Any]) -> None:
    text = json.dumps(result)
    target = request.get("result")
    if isinstance(target, str) and target:
        Path(target).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    sys.stdout.flush()
    sys.stderr.flush()


if __name__ == "__main__":
    code = main(sys.argv[1:])
    os._exit(code)  # never run native destructors at interpreter exit
