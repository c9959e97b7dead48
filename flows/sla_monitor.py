"""Prefect entry point of the scheduled SLA monitor (deployment "layanan-sla"); see
engine/orchestration/monitoring.py. Importing does nothing else: ``sla_monitor`` is built on first use,
over the case store named by LAYANAN_DATABASE_URL."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _monitor():
    from engine.orchestration.monitoring import monitor_flow
    from engine.store.db import Store

    return monitor_flow(Store())


def __getattr__(name: str):
    if name == "sla_monitor":
        return _monitor()
    raise AttributeError(name)
