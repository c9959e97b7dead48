"""The SLA monitor as a scheduled Prefect flow: deployment "layanan-sla" of flow "sla-monitor" with an
interval schedule. A Prefect server with its scheduler creates the runs by itself; Prefect's ephemeral API
has no scheduler, so the orchestrator of `layanan serve` creates each run when it falls due and runs it in
process, like any worker would. The flow only carries counts per office: no case, no person."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta, timezone

from prefect import flow, task

from engine.audit.checkpoints import make_checkpoint
from engine.sla.calendar_change import follow_office_calendars
from engine.sla.corrections import expire_corrections
from engine.sla.monitor import run_pass

FLOW = "sla-monitor"
DEPLOYMENT = "layanan-sla"


def interval() -> timedelta:
    return timedelta(minutes=float(os.environ.get("LAYANAN_SLA_INTERVAL_MINUTES", "10")))


def monitor_flow(store):
    """The monitor's flow over one case store (built by the orchestrator, or by flows/sla_monitor.py)."""

    @task(name="periksa-sla", persist_result=False)
    def check_sla() -> dict:
        at = datetime.now(timezone.utc)
        followed = follow_office_calendars(store, at)  # a decree or closure added since: due dates follow
        summary = run_pass(store, at)
        return {"checked": summary.checked, "at_risk": summary.at_risk, "late": summary.late,
                "escalations": summary.escalations, "by_office": summary.by_office,
                "corrections_expired": expire_corrections(store, at), "calendar_followed": len(followed.moved)}

    @task(name="titik-periksa-audit", persist_result=False)
    def audit_checkpoint() -> dict:
        """Seal the audit chains' heads and anchor them outside the database (engine.audit.checkpoints)."""
        made = make_checkpoint(store)
        return {"checkpoint": made.checkpoint.id if made.checkpoint else None, "chains": made.heads}

    @flow(name=FLOW, persist_result=False, description="Pemantauan batas waktu layanan dan eskalasi ke atasan")
    async def sla_monitor() -> dict:
        # Async like the case flows, so the orchestrator runs it in its own event loop; the pass itself is
        # synchronous database work, kept off the loop.
        summary = await asyncio.to_thread(check_sla)
        summary["audit"] = await asyncio.to_thread(audit_checkpoint)
        return summary

    return sla_monitor
