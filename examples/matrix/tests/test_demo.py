from __future__ import annotations

import os
import sys

import matrix_demo


def test_where() -> None:
    kind, version = matrix_demo.where().split()
    assert version == f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert kind == os.environ["ORCH_ENV_NAME"].split("-")[1]
