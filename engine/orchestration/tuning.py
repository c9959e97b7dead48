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
- The watch for suspensions asked from outside (a thread, an API client and an event subscription per
  execution of a deployment's run): skipped for the orchestrator's runs (engine/orchestration/suspension.py;
  measured at 45 % of an orchestrator's CPU against Prefect's server).
- Runs left waiting Scheduled: against a server each case's run is readied and executed in one go, so that
  Prefect's late-runs service has no run to mark Late (a state change each, seen at 15 % of its services'
  CPU when a pass readied 200 runs first).
"""

from __future__ import annotations

from pathlib import Path


def result_storage() -> Path:
    """Prefect's default local result storage, named explicitly (a path: a storage block would have to be
    saved on the server first)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().results.local_storage_path)
