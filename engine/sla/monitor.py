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
from datetime import datetime, timezone

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.cases.frozen import thaw
from engine.cases.sla_levels import level_at, next_moment, thresholds
from engine.store.audit_writer import append_events
from engine.store.models import Case, StandardVersion, Task

BATCH = 5000
MARKS = {1: "at_risk", 2: "late", 3: "late"}


@dataclass
class PassSummary:
    checked: int = 0
    at_risk: int = 0
    late: int = 0
    escalations: int = 0
    by_office: dict = field(default_factory=dict)


def supervisors(office, role: str) -> list[str]:
    """The role's line of superiors inside the office, nearest first (external roles left out)."""
    roles = office.roles
    line = [r for r in office.supervision_line(role) if not roles.get(r, {}).get("external")]
    head = (office.data.get("head") or {}).get("role")
    if not line and head and head != role:
        line = [head]
    return line


_COLUMNS = (Case.id, Case.row_version, Case.office_id, Case.standard_version_id, Case.unit_id, Case.variant,
            Case.due_at, Case.sla_level, Case.sla_mark, Case.closed_at, Case.clock_paused_at, Case.tier)


def _check_batch(s: Session, rows, at: datetime, summary: PassSummary) -> None:
    """Levels, events and next moments of a batch: a few set-wise statements, not one per case."""
    ids = [r.id for r in rows]
    versions = {v.id: v for v in s.scalars(select(StandardVersion).where(
        StandardVersion.id.in_({r.standard_version_id for r in rows})))}
    waiting = {case_id: (task_id, step, role) for case_id, task_id, step, role in s.execute(
        select(Task.case_id, Task.id, Task.step_id, Task.role)
        .where(Task.case_id.in_(ids), Task.status.in_(("open", "claimed"))).order_by(Task.case_id, Task.seq))}
    events, updates, lines = [], [], {}
    for row in rows:
        summary.checked += 1
        level, mark, next_at = row.sla_level or 0, row.sla_mark or "", None
        if row.due_at is not None and row.closed_at is None and row.clock_paused_at is None:
            version = versions[row.standard_version_id]
            moments = thresholds(version, row.unit_id, row.variant, row.due_at, row.tier)
            target = level_at(moments, at)
            if target > level:
                task_id, step, role = waiting.get(row.id, (None, None, "sistem"))
                office = thaw(version).office
                if (office.id, role) not in lines:
                    lines[office.id, role] = [(r, office.role_name(r)) for r in supervisors(office, role)]
                line = lines[office.id, role]
                base = {"case_id": row.id, "task_id": task_id, "at": at, "actor_id": None, "actor": "sistem"}
                for new in range(level + 1, target + 1):
                    if new in (1, 2) and MARKS[new] != mark:
                        events.append({**base, "kind": "sla_at_risk" if new == 1 else "sla_breached",
                                       "data": _data(step=step, role=role, due_at=row.due_at.isoformat())})
                        summary.at_risk += new == 1
                        summary.late += new == 2
                    to_role, to_name = line[min(new, len(line)) - 1] if line else (None, None)
                    events.append({**base, "kind": "sla_escalated", "data": _data(
                        step=step, level=new, role=role, to_role=to_role, to_name=to_name)})
                    summary.escalations += 1
                    summary.by_office[row.office_id] = summary.by_office.get(row.office_id, 0) + 1
                level, mark = target, MARKS[target]
            next_at = next_moment(moments, level)
        updates.append({"b_id": row.id, "b_version": row.row_version, "b_level": level, "b_mark": mark,
                        "b_next": next_at})
    append_events(s, events)
    table = Case.__table__
    # Guarded by the row version: a case an officer changed meanwhile keeps the officer's plan.
    s.execute(table.update().where(table.c.id == bindparam("b_id"), table.c.row_version == bindparam("b_version"))
              .values(sla_level=bindparam("b_level"), sla_mark=bindparam("b_mark"), sla_next_at=bindparam("b_next"),
                      row_version=table.c.row_version + 1), updates)


def _data(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def run_pass(store, at: datetime | None = None) -> PassSummary:
    """Check every case whose next SLA moment has come, in batches of short transactions."""
    at = at or datetime.now(timezone.utc)
    summary = PassSummary()
    while True:
        with store.write() as s:
            rows = s.execute(select(*_COLUMNS).where(Case.sla_next_at <= at)
                             .order_by(Case.sla_next_at, Case.id).limit(BATCH)).all()
            if rows:
                _check_batch(s, rows, at, summary)
        if len(rows) < BATCH:
            return summary
