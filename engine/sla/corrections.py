"""The monitor's second duty: cases whose applicant did not correct them within the standard's limit are
closed (engine/cases/expiring.py decides each in its own transaction)."""

from __future__ import annotations

from datetime import datetime, timezone

from engine.cases.expiring import waiting_cases
from engine.cases.service import CaseService


def expire_corrections(store, at: datetime | None = None) -> int:
    """Close every overdue case; how many were closed."""
    at = at or datetime.now(timezone.utc)
    service = CaseService(store)
    return sum(1 for case_id in waiting_cases(store) if service.expire_correction(case_id, at=at))
