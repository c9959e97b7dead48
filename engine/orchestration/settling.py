"""Before a process that runs Prefect's ephemeral API stops: wait until that API has recorded every task run
this process executed.

Prefect 3 reports task runs as events; its server records them in batches (every 5 s by default) and, when
it is stopped with a batch still queued, cancels the write halfway: the batch is lost and its traceback
goes to the server's log (seen at the end of `layanan demo` once its runs got faster: "Error flushing 1
events"). The ephemeral API stops with the process that started it, so that process first sends its
queued events and waits, bounded, until the server has recorded as many finished task runs of the cases'
flows, started since its first execution, as it executed. A Prefect server of its own (`layanan cluster`)
outlives the orchestrators and needs none of this.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

log = logging.getLogger("layanan.orchestrator")

FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


async def recorded_task_runs(client, since: datetime, flow_names: list[str]) -> int:
    """Task runs of the named flows in a final state that started at or after ``since`` (one request)."""
    body = {"flows": {"name": {"any_": flow_names}},
            "task_runs": {"start_time": {"after_": since.isoformat()}, "state": {"type": {"any_": list(FINAL)}}}}
    response = await client.request("POST", "/task_runs/count", json=body)
    response.raise_for_status()
    return int(response.json())


async def wait_until_recorded(since: datetime | None, expected: int, flow_names: list[str], *,
                              timeout: float = 15.0, every: float = 0.25) -> bool:
    """Send this process's queued events, then wait until the API counts ``expected`` finished task runs of
    ``flow_names`` since ``since``; False (and one log line) if it did not within ``timeout`` seconds."""
    if since is None or expected <= 0:
        return True
    from prefect import get_client
    from prefect.events.worker import EventsWorker

    deadline = time.monotonic() + timeout
    drained = EventsWorker.drain_all(timeout=timeout)
    if drained is not None:
        await drained
    try:
        async with get_client() as client:
            while True:
                count = await recorded_task_runs(client, since, flow_names)
                if count >= expected:
                    return True
                if time.monotonic() >= deadline:
                    log.warning("Prefect recorded %s of %s task runs before stopping", count, expected)
                    return False
                await asyncio.sleep(every)
    except Exception as exc:  # noqa: BLE001 - the API already gone: nothing more to wait for
        log.warning("could not wait for Prefect to record task runs: %s", type(exc).__name__)
        return False
