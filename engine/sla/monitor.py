"""One monitoring pass over the case store (no Prefect here; the scheduled flow calls it).

Levels, each an event on the case and reached at most once:
  1  at risk  (the standard's at_risk_share of the time limit used): the holding role's direct superior
  2  late     (past the due time): the next superior up (head of division)
  3  late for one more working day: the next one up (head of office)
The holding role is the role of the step the case waits on; the line is the office's ``reports_to`` chain
without external roles. Every case carries the time of its next possible change (``sla_next_at``, indexed),
so a pass reads only the cases whose time has come: a second pass over the same state changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.frozen import calendar_for, thaw
from engine.cases.queries import risk_threshold
from engine.store.models import Case, Event, Task

BATCH = 500
MARKS = {1: "at_risk", 2: "late", 3: "late"}


@dataclass
class PassSummary:
    checked: int = 0
    at_risk: int = 0
    late: int = 0
    escalations: int = 0
    by_office: dict = field(default_factory=dict)


def _opening(calendar, day):
    hours = calendar.hours[day.weekday()] if hasattr(calendar, "hours") else None
    start = hours[0] if hours else datetime.min.time()
    return datetime.combine(day, start, tzinfo=calendar.tz)


def thresholds(case: Case) -> tuple[datetime, datetime, datetime]:
    """When the case becomes at risk, late, and late for one more working day."""
    calendar = calendar_for(case.standard_version, case.unit_id)
    due = case.due_at.astimezone(calendar.tz)
    limit = thaw(case.standard_version).time_limit(case.variant)
    risk_day = calendar.add_working_days(due.date(), -risk_threshold(limit)) if risk_threshold(limit) else due.date()
    return _opening(calendar, risk_day), case.due_at, calendar.due(due.date(), 1)


def next_check(case: Case) -> datetime | None:
    """The moment the case's SLA level can next rise (None: the clock is stopped or all levels are reached)."""
    if case.due_at is None or case.closed_at is not None or case.clock_paused_at is not None or (case.sla_level or 0) >= 3:
        return None
    risk_at, due_at, escalate_at = thresholds(case)
    moment = (risk_at, due_at + timedelta(microseconds=1), escalate_at)[case.sla_level or 0]
    return moment.astimezone(timezone.utc)


def level_at(case: Case, at: datetime) -> int:
    risk_at, due_at, escalate_at = thresholds(case)
    return 3 if at >= escalate_at else 2 if at > due_at else 1 if at >= risk_at else 0


def supervisors(office, role: str) -> list[str]:
    """The role's line of superiors inside the office, nearest first (external roles left out)."""
    roles = office.roles
    line = [r for r in office.supervision_line(role) if not roles.get(r, {}).get("external")]
    head = (office.data.get("head") or {}).get("role")
    if not line and head and head != role:
        line = [head]
    return line


def check_case(s: Session, case: Case, at: datetime, summary: PassSummary) -> None:
    summary.checked += 1
    target = level_at(case, at)
    if target > case.sla_level:
        standard = thaw(case.standard_version)
        waiting = s.scalar(select(Task).where(Task.case_id == case.id, Task.status.in_(("open", "claimed")))
                           .order_by(Task.seq.desc()))
        role = waiting.role if waiting is not None else "sistem"
        line = supervisors(standard.office, role)
        for level in range(case.sla_level + 1, target + 1):
            if level in (1, 2) and MARKS[level] != case.sla_mark:
                kind = "sla_at_risk" if level == 1 else "sla_breached"
                _event(s, case, waiting, kind, at, role=role, due_at=case.due_at.isoformat())
                summary.at_risk += level == 1
                summary.late += level == 2
            to_role = line[min(level, len(line)) - 1] if line else None
            _event(s, case, waiting, "sla_escalated", at, level=level, role=role, to_role=to_role,
                   to_name=standard.office.role_name(to_role) if to_role else None)
            summary.escalations += 1
            summary.by_office[case.office_id] = summary.by_office.get(case.office_id, 0) + 1
        case.sla_level, case.sla_mark = target, MARKS[target]
    case.sla_next_at = next_check(case)


def _event(s: Session, case: Case, task: Task | None, kind: str, at: datetime, **data) -> None:
    s.add(Event(case_id=case.id, task_id=task.id if task else None, at=at, actor="sistem", kind=kind,
                data={"step": task.step_id if task else None, **{k: v for k, v in data.items() if v is not None}}))


def run_pass(store, at: datetime | None = None) -> PassSummary:
    """Check every case whose next SLA moment has come, in batches of short transactions."""
    at = at or datetime.now(timezone.utc)
    summary = PassSummary()
    while True:
        with store.write() as s:
            cases = s.scalars(select(Case).where(Case.sla_next_at <= at).order_by(Case.sla_next_at, Case.id)
                              .limit(BATCH)).all()
            for case in cases:
                check_case(s, case, at, summary)
        if len(cases) < BATCH:
            return summary
