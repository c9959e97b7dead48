"""Closing the cases whose applicant did not correct them in time (the standard's ``correction`` limit,
decided by engine/cases/core/expiring.py): the open steps are cancelled, the case is closed as rejected
with the standard's reason, and the history says why (``correction_expired``); the applicant is told (the
rejection's notice). Run by the SLA monitor's pass (engine/sla/monitor.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.standard.flow import SYSTEM_ROLE
from engine.standard.kinds import KINDS
from engine.store.models import Case, StandardVersion, Task

from .actions import action, now
from .core import expiring
from .issued import calendar_of, record_event, standard_of
from .txn import Txn

CASES, TASKS = Case.__table__, Task.__table__
OPEN = ("open", "claimed")


def waiting_cases(store, limit: int = 1000) -> list[int]:
    """Cases waiting for their applicant under a standard that sets a correction limit."""
    with store.read() as s:
        versions = [v.id for v in s.execute(select(StandardVersion.id, StandardVersion.document)).all()
                    if (v.document or {}).get("correction")]
        if not versions:
            return []
        return list(s.scalars(select(Case.id).where(Case.status == "waiting_applicant",
                                                    Case.standard_version_id.in_(versions))
                              .order_by(Case.id).limit(limit)))


def _is_return(standard, task) -> bool:
    """Whether a done task returned the file to the applicant (its outcome's action)."""
    step = standard.procedure.by_id.get(task.step_id) or {}
    return (KINDS[task.kind].outcomes_of(step).get(task.outcome) or {}).get("action") == "return_to_applicant"


class CorrectionLimits:
    """The part of CaseService that ends cases left uncorrected."""

    @action
    def expire_correction(self, case_id: int, at: datetime | None = None) -> bool:
        """Close the case when its correction limit has passed; whether it did."""
        at = at or now()

        def work(txn: Txn):
            case = txn.get(CASES, case_id, lock=True)
            if case is None or case.status != "waiting_applicant":
                return False
            standard = standard_of(txn, case)
            last_done = txn.execute(select(TASKS.c.step_id, TASKS.c.kind, TASKS.c.outcome, TASKS.c.completed_at)
                                    .where(TASKS.c.case_id == case.id, TASKS.c.status == "done")
                                    .order_by(TASKS.c.seq.desc()).limit(1)).first()
            if last_done is None or not _is_return(standard, last_done):
                return False  # the applicant has acted since (their correction waits for the officers' check)
            calendar = calendar_of(txn, case)
            returned_on = last_done.completed_at.astimezone(calendar.tz).date()
            if not expiring.expired(standard.data, returned_on, at.astimezone(calendar.tz).date(), calendar):
                return False
            open_tasks = txn.execute(select(TASKS.c.id).where(TASKS.c.case_id == case.id,
                                                              TASKS.c.status.in_(OPEN))).all()
            last = expiring.deadline(standard.data, returned_on, calendar)
            for (task_id,) in open_tasks:
                task = txn.get(TASKS, task_id, lock=True)
                task.status = "cancelled"
                record_event(txn, case, "task_cancelled", SYSTEM_ROLE, at, None, task=task,
                             reason="batas waktu perbaikan lewat")
            record_event(txn, case, "correction_expired", SYSTEM_ROLE, at, None, deadline=last.isoformat())
            self._close(txn, case, "rejected", at, expiring.reason(standard.data))
            return True

        return work
