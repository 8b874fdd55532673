"""A conda-compatible command line over py-rattler, for testing orch's CLI engine without conda.

It understands what orch's :class:`~orch.envs.conda_engine.CliEngine` runs, like micromamba does:

* ``create|install --yes --prefix P --override-channels -c CHANNEL... SPEC...``: solve and install
  (through orch's rattler worker, a real solve and a real install);
* ``run --prefix P COMMAND...``: run a command with the prefix activated.

Anything else exits 2 with a usage message. :func:`install_shim` writes it as an executable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: shim create|install|run ...", file=sys.stderr)
        return 2
    verb, rest = argv[0], argv[1:]
    prefix, channels, specs, command = "", [], [], []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if verb == "run" and prefix and not command and not arg.startswith("-"):
            command = rest[i:]
            break
        if arg in ("--prefix", "-p"):
            prefix, i = rest[i + 1], i + 2
        elif arg in ("-c", "--channel"):
            channels.append(rest[i + 1])
            i += 2
        elif arg in ("--yes", "-y", "--override-channels"):
            i += 1
        elif arg.startswith("-"):
            print(f"shim: unknown option {arg}", file=sys.stderr)
            return 2
        else:
            specs.append(arg)
            i += 1
    if not prefix:
        print("shim: --prefix is required", file=sys.stderr)
        return 2
    if verb == "run":
        bin_dir = str(Path(prefix) / "bin")
        env = {**os.environ, "CONDA_PREFIX": prefix, "CONDA_SHLVL": "1"}
        env["PATH"] = os.pathsep.join((bin_dir, env.get("PATH", "")))
        return subprocess.run(command, env=env).returncode
    if verb not in ("create", "install"):
        print(f"shim: unknown command {verb}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        request = Path(tmp) / "request.json"
        request.write_text(json.dumps({"op": verb, "prefix": prefix, "channels": channels, "specs": specs}))
        return subprocess.run([sys.executable, "-m", "orch.envs.rattler_worker", str(request)]).returncode


def install_shim(folder: Path, name: str = "micromamba") -> Path:
    """Write the shim as ``folder/name``, an executable run by this Python."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    source = Path(__file__).read_text(encoding="utf-8")
    exe.write_text(f"#!{sys.executable}\n{source}", encoding="utf-8")
    exe.chmod(0o755)
    return exe


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
