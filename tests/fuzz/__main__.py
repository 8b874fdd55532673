"""``python -m tests.fuzz --examples 300``: see :mod:`tests.fuzz.run`."""

from __future__ import annotations

import sys

from .run import main

sys.exit(main())
