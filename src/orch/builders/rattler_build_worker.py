"""The recipe builder's worker: ``python -m orch.builders.rattler_build_worker REQUEST.json``.

py-rattler-build is a native library, so orch never imports it in its own process (as with
:mod:`orch.envs.rattler_worker`): :mod:`orch.builders.conda_recipe` starts this module through
:mod:`orch.execute`, one build per process. The request is a JSON object with ``recipe``,
``channels``, ``output_dir`` and ``build_number``; the result, written to the request's ``result``
file, is ``{"ok": true, "packages": [...]}`` or ``{"ok": false, "error": "..."}``; on failure the build
script's output goes to stderr (orch appends it to the build log). The worker leaves
through :func:`os._exit`, so no native destructor runs.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any


def build(request: dict[str, Any]) -> dict[str, Any]:
    from rattler_build import build_recipes

    output_dir = Path(request["output_dir"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # build_recipes: the one call that takes argv-like options
        build_recipes(
            [request["recipe"]],
            channel=list(request["channels"]),
            output_dir=output_dir,
            build_num=int(request["build_number"]),
            test="skip",
            skip_existing="none",
        )
    found = sorted(str(p) for p in output_dir.glob("*/*") if p.name.endswith((".conda", ".tar.bz2")))
    return {"ok": True, "packages": found}


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    try:
        result = build(request)
    except BaseException as exc:  # rattler-build's own errors: report them, whatever their type
        traceback.print_exc()
        for script_log in sorted(Path(request["output_dir"]).glob("bld/*/work/conda_build.log")):
            sys.stderr.write(f"--- the build script's output ({script_log.name}):\n")
            sys.stderr.write(script_log.read_text(encoding="utf-8", errors="replace"))
        message = " ".join(str(exc).split()) or type(exc).__name__
        result = {"ok": False, "error": message}
    Path(request["result"]).write_text(json.dumps(result), encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.stdout.flush()
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
