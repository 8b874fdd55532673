from __future__ import annotations

from orch.cli.main import run

if __name__ == "__main__":
    run()
