"""Extending a running case's time limit as its standard allows (engine/cases/core/extending.py decides):
the due date moves on by the extension, the open tasks and the SLA monitor follow, and the history holds
``time_extended`` with who, why, and the due dates before and after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from engine.access import policy
from engine.errors import InvalidInput, NotFound
from engine.store.models import Case, Event

from . import clock, fields
from .actions import action, now
from .core import extending
from .issued import calendar_of, record_event, standard_of
from .txn import Txn

CASES, EVENTS = Case.__table__, Event.__table__


class TimeExtensions:
    """The part of CaseService that extends a case's time limit."""

    @action
    def extend_time(self, case_id: int, username: str, reason: str, at: datetime | None = None) -> datetime:
        """Extend the case's due date once more as its standard allows; returns the new due date."""
        at = at or now()
        if reason and fields.CONTROL.search(str(reason)):
            raise InvalidInput("alasan memuat karakter kendali yang tidak diterima", "reason")

        def work(txn: Txn):
            case = txn.get(CASES, case_id, lock=True)
            if case is None:
                raise NotFound(f"kasus {case_id} tidak dikenal", "case")
            officer = self._user(txn, username)
            standard = standard_of(txn, case)
            role = (standard.data.get("extension") or {}).get("role")
            policy.check(officer, "case.extend", policy.Target(
                office_id=case.office_id, role=role, role_name=standard.office.role_name(role) if role else None))
            used = txn.scalar(select(func.count()).select_from(EVENTS).where(
                EVENTS.c.case_id == case.id, EVENTS.c.kind == "time_extended"))
            decision = extending.extend(standard.data, status=case.status, due_at=case.due_at,
                                        used=used or 0, reason=reason)
            before = case.due_at
            case.due_at = decision.duration.due(calendar_of(txn, case), case.due_at)
            clock.due_changed(txn, case)
            clock.plan_next_check(txn, case)
            record_event(txn, case, "time_extended", officer.username, at, officer, reason=decision.reason,
                         extension=decision.duration.text(), number=decision.number,
                         due_before=before.isoformat(), due_at=case.due_at.isoformat())
            txn.finish()
            return case.due_at

        return work

    extend_time_async = extend_time.batched
