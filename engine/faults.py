"""Crash points for the kill tests.

A named point blocks forever when ``LAYANAN_CRASH_AT`` names it, after writing the point's name to the file
``LAYANAN_CRASH_MARKER`` (when set) so a test knows the process got there and can SIGKILL it. Unset, a
point costs one dictionary lookup. Points sit where a crash is most damaging: after the writes of a step but
before their commit, and after a committed automated step but before Prefect recorded it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def point(name: str) -> None:
    if os.environ.get("LAYANAN_CRASH_AT") != name:
        return
    marker = os.environ.get("LAYANAN_CRASH_MARKER")
    if marker:
        Path(marker).write_text(name)
    while True:  # wait for the SIGKILL
        time.sleep(3600)
