"""The applicant's own actions on a closed case, by its receipt code: reopening it within the period its
standard allows (the case goes back to the step the standard names, with a new time limit from that moment,
and Prefect starts a new run for it), and rating the handling once. Both are decided by
engine/cases/core/reopening.py and recorded in the case's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from engine.errors import InvalidInput, NotFound
from engine.standard.flow import APPLICANT_ROLE
from engine.store.models import Case, Event, FlowLink

from . import clock, fields
from .actions import action, now
from .core import reopening
from .issued import calendar_of, record_event, standard_of
from .txn import Txn

CASES, EVENTS, LINKS = Case.__table__, Event.__table__, FlowLink.__table__


class ApplicantActions:
    """The part of CaseService the applicant acts through after a case closed."""

    def _case_by_code(self, txn: Txn, code: str):
        code = str(code or "").strip().upper()
        if not code or len(code) > 40:
            raise NotFound("kode tidak dikenal", "kode")
        case_id = txn.scalar(select(CASES.c.id).where(CASES.c.receipt_code == code))
        if case_id is None:
            raise NotFound("kode tidak dikenal", "kode")
        return txn.get(CASES, case_id, lock=True)

    @action
    def reopen(self, code: str, reason: str, at: datetime | None = None) -> str:
        """Reopen a closed case; returns the step it goes back to."""
        at = at or now()
        if reason and fields.CONTROL.search(reason):
            raise InvalidInput("alasan memuat karakter kendali yang tidak diterima", "reason")

        def work(txn: Txn):
            case = self._case_by_code(txn, code)
            standard = standard_of(txn, case)
            since = None
            if case.closed_at is not None:
                calendar = calendar_of(txn, case)
                since = calendar.working_days_between(case.closed_at.astimezone(calendar.tz).date(),
                                                      at.astimezone(calendar.tz).date())
            decision = reopening.reopen(standard.data, case.status, since, reason)
            limit = standard.time_limit(case.variant, case.tier)
            case.status, case.closed_at, case.close_reason, case.clock_paused_at = "open", None, None, None
            case.due_at = clock.due_for(txn, case, limit, at)
            record_event(txn, case, "case_reopened", APPLICANT_ROLE, at, None, reason=reason.strip(),
                         step=decision.step, due_at=case.due_at.isoformat())
            # Prefect's run of the case completed with it: the orchestrator starts a new one.
            txn.execute(LINKS.update().where(LINKS.c.case_id == case.id).values(flow_run_id=None, state="new"))
            self._enter(txn, case, decision.step, at)
            clock.due_changed(txn, case)
            clock.plan_next_check(txn, case)
            txn.finish()
            return decision.step

        return work

    @action
    def rate(self, code: str, score, comment: str | None = None, at: datetime | None = None) -> int:
        """The applicant's rating of the handling (1-4), once, after the case closed."""
        at = at or now()
        if comment and fields.CONTROL.search(comment):
            raise InvalidInput("komentar memuat karakter kendali yang tidak diterima", "comment")

        def work(txn: Txn):
            case = self._case_by_code(txn, code)
            rated = txn.scalar(select(exists().where(EVENTS.c.case_id == case.id, EVENTS.c.kind == "case_rated")))
            value, text = reopening.rating(standard_of(txn, case).data, case.status, bool(rated), score, comment)
            record_event(txn, case, "case_rated", APPLICANT_ROLE, at, None, score=value, comment=text)
            txn.finish()
            return value

        return work
