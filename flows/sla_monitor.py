"""Prefect entry point of the scheduled SLA monitor (deployment "layanan-sla"); see
engine/orchestration/monitoring.py. Importing binds it to the case store named by LAYANAN_DATABASE_URL."""

from __future__ import annotations

from engine.orchestration import environment

environment.prepare()

from engine.cases.service import CaseService  # noqa: E402
from engine.orchestration import ledger  # noqa: E402
from engine.orchestration.monitoring import sla_monitor  # noqa: E402,F401
from engine.store.db import Store  # noqa: E402

ledger.bind(CaseService(Store()))
