"""Per-run costs of Prefect 3 that layanan's flows do not need, removed (measured in bench/engine.py;
figures in docs/performance.md).

- Result storage. Every flow execution asks the server for its default result storage, through a new
  synchronous client. layanan's flows persist no results; they name Prefect's own default local storage
  instead, which needs no request.
- Clients. Each flow execution, each sync task run in a worker thread and each result-storage lookup opens
  a Prefect client of its own unless one is in its context; a new client costs ~50 ms here, most of it
  loading the CA bundle. The orchestrator holds one async and one sync client for a whole pass
  (``orchestrator.shared_clients``), and the task runs' threads inherit them.
- Readying runs back to back. With the ephemeral API on SQLite, a write that arrives while the server is
  still recording the task runs of the run just executed is often refused ("database is locked", HTTP 503),
  and Prefect's client retries it only after ~2 s. Creating or resuming a run right after executing another
  is where that happened most, so a pass first creates, resumes or restarts the runs of all its cases, then
  executes them. (A Prefect server on PostgreSQL does not refuse these writes.)

Left as it is: every deployment run starts a thread watching for suspension requests from outside
(Prefect's UI), measured at ~100 ms to start and ~100 ms to stop here. It is Prefect's own machinery, no
setting turns it off, and replacing it would mean patching Prefect. (An earlier version replaced it with a
no-op and met more 503 retries; that was before a pass readied its runs first.)
"""

from __future__ import annotations

from pathlib import Path


def result_storage() -> Path:
    """Prefect's default local result storage, named explicitly (a path: a storage block would have to be
    saved on the server first)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().results.local_storage_path)
