"""The notifier as a Prefect flow: flow "kirim-pemberitahuan" delivers the outbox's due messages
(engine/notify/outbox.py) in a task with retries, run by the orchestrator whenever messages are due. The
flow takes no parameter and logs only counts: addresses and texts stay in the case store."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from prefect import flow, get_run_logger, task

from engine.notify import outbox, transports as transport_config

FLOW = "kirim-pemberitahuan"


def notify_flow(store, transports: dict | None = None, clock=None):
    """The notifier's flow over one case store, with the transports configured (by default, from the
    environment: engine/notify/transports.py)."""
    chosen = transport_config.configured() if transports is None else transports
    now = clock or (lambda: datetime.now(timezone.utc))
    released = []

    @task(name="kirim", persist_result=False, retries=2, retry_delay_seconds=2)
    def send_due() -> dict:
        if not released:  # held messages of channels configured since go out now
            released.append(outbox.release_held(store, chosen, now()))
        return outbox.deliver(store, chosen, now()).as_dict()

    @flow(name=FLOW, persist_result=False, description="Pengiriman pemberitahuan kepada pemohon")
    async def send_notifications() -> dict:
        result = await asyncio.to_thread(send_due)
        get_run_logger().info("sent %(sent)s, retried %(retried)s, failed %(failed)s, held %(held)s", result)
        return result

    return send_notifications


def due(store, clock=None) -> bool:
    return outbox.has_due(store, (clock or (lambda: datetime.now(timezone.utc)))())
