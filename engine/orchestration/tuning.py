"""A per-run cost of Prefect 3 that layanan's flows do not need, removed (measured in bench/engine.py;
figures in docs/performance.md).

Every flow execution asks the server for its default result storage, through a new synchronous client
(~25 ms to load the CA bundle, plus the request). layanan's flows persist no results; they name Prefect's
own default local storage instead, which needs no request.

Tried and left out, measured: (1) deployment runs start a thread watching for suspension requests from
outside (Prefect's UI), ~60 ms to start and ~100 ms to stop; replacing it with a no-op let consecutive
runs reach the ephemeral server's SQLite faster than its event writer drains, and its "database is locked"
retries (~2 s each) cost more than the watcher. (2) Running every flow run inside one shared client context
(one client instead of one per run) did the same: more 503 retries, 2-3x slower per case.
"""

from __future__ import annotations

from pathlib import Path


def result_storage() -> Path:
    """Prefect's default local result storage, named explicitly (a path: a storage block would have to be
    saved on the server first)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().results.local_storage_path)
