"""A per-run cost of Prefect 3 that layanan's flows do not need, removed (measured in bench/engine.py;
figures in docs/performance.md).

Every flow execution asks the server for its default result storage, through a new synchronous client
(~25 ms to load the CA bundle, plus the request). layanan's flows persist no results; they name Prefect's
own default local storage instead, which needs neither. (The orchestrator also runs all its flow runs
inside one client context, so they share one client of each kind instead of opening their own.)

Left as it is, measured: deployment runs also start a thread watching for suspension requests from
outside (Prefect's UI), ~60 ms to start and ~100 ms to stop. Without it, consecutive runs reach the
ephemeral server's SQLite faster than its event writer drains, and "database is locked" retries (~2 s
each) cost more than the watcher saved.
"""

from __future__ import annotations

from pathlib import Path


def result_storage() -> Path:
    """Prefect's default local result storage, named explicitly (a path: a storage block would have to be
    saved on the server first)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().results.local_storage_path)
