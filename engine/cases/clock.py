"""The SLA clock of a case, within a transaction of the case engine: started when the standard says,
paused while the file is with the applicant, resumed with the due date moved on by the working days it was
away; the due date carried by the open tasks (the worklist's sort) and the SLA monitor's next check planned
(engine/cases/sla_levels.py has the pure moments)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, or_, select

from engine.calendar import UncoveredYear
from engine.errors import CaseError
from engine.standard.durations import Duration
from engine.standard.flow import SYSTEM_ROLE
from engine.store.models import OPEN_TASK_STATUSES, Event, Task
from engine.store.prepared import Prepared

from .issued import calendar_of, record_event, standard_of
from .sla_levels import next_check
from .txn import Record, Txn

TASKS = Task.__table__
OPEN_STATUSES = OPEN_TASK_STATUSES
_DUE_OF_OPEN_TASKS = Prepared(TASKS.update().where(TASKS.c.case_id == bindparam("case"),
                                                    or_(*(TASKS.c.status == status for status in OPEN_STATUSES)))
                              .values(due_at=bindparam("due")))


def start(txn: Txn, case: Record, at: datetime) -> None:
    if case.clock_started_at is not None:
        return
    limit = standard_of(txn, case).time_limit(case.variant, case.tier)
    case.clock_started_at = at
    case.due_at = due_for(txn, case, limit, at)
    due_changed(txn, case)
    plan_next_check(txn, case)
    provisional = case.due_at is not None and calendar_of(txn, case).is_provisional(case.due_at)
    record_event(txn, case, "clock_started", SYSTEM_ROLE, at, None, due_at=case.due_at.isoformat()
                if case.due_at else None, **({"provisional": True} if provisional else {}))

def due_for(txn: Txn, case: Record, limit: dict, at: datetime):
    """The due date of a limit started at ``at``; None for a standard that states no limit in numbers
    (not stated, or "sesuai durasi kegiatan")."""
    duration = Duration.of(limit)
    if duration is None:
        return None
    calendar = calendar_of(txn, case)
    try:
        return duration.due(calendar, at, limit["start_day"])
    except UncoveredYear as exc:
        raise CaseError(f"kalender kerja belum mencakup tahun {exc.year}: tambahkan keputusan cuti bersama "
                        f"(calendar.decrees) di berkas kantor") from None

def plan_next_check(txn: Txn, case: Record) -> None:
    """When the SLA monitor should next look at the case (its due date just started or moved)."""
    case.sla_next_at = next_check(case, txn.version(case.standard_version_id))

def due_changed(txn: Txn, case: Record) -> None:
    """Open tasks carry the case's due date for the worklist's sort."""
    txn.flush()
    _DUE_OF_OPEN_TASKS.run(txn.conn, case=case.id, due=case.due_at)
    for record in txn.records:  # keep this transaction's own open tasks in step
        if record.table is TASKS and record.case_id == case.id and record.status in OPEN_STATUSES:
            record.values["due_at"] = case.due_at

def pause(txn: Txn, case: Record, at: datetime, reason: str | None,
                 status: str = "waiting_applicant", **extra) -> None:
    case.status = status
    if case.clock_started_at is not None and case.clock_paused_at is None:
        case.clock_paused_at = at
        case.sla_next_at = None  # nothing can become late while the applicant holds the file
        record_event(txn, case, "clock_paused", SYSTEM_ROLE, at, None, reason=reason, **extra)


# ------------------------------------------------------------------ steps whose time the office does not count
# (an applicant's own step met mid-way, a step marked ``clock: stops`` such as another agency's)

_LAST_PAUSE = Prepared(select(Event.__table__.c.data).where(Event.__table__.c.case_id == bindparam("case"),
                                                            Event.__table__.c.kind == "clock_paused")
                       .order_by(Event.__table__.c.id.desc()).limit(1))


def hold(txn: Txn, case: Record, task: Record, step: dict, user, actor: str, at: datetime) -> None:
    """A step entered while the office's clock runs whose time it does not count (the applicant paying at
    the bank, another agency's recommendation): the clock stands still until the step is done."""
    if task.seq == 1:
        return  # the application itself (an online channel's first step): nothing to wait for
    if case.clock_started_at is not None and case.clock_paused_at is None:
        pause(txn, case, at, f"menunggu: {step.get('name', step['id'])}", held_by=step["id"])


def release(txn: Txn, case: Record, task: Record, step: dict, user, actor: str, at: datetime) -> None:
    """The step that held the clock is done: it runs on (the due date moved by the time it stood still)."""
    if case.clock_paused_at is None:
        return
    txn.flush()
    last = _LAST_PAUSE.first(txn.conn, case=case.id)
    if last is not None and (last[0] or {}).get("held_by") == step["id"]:
        resume(txn, case, standard_of(txn, case), at, held_by=step["id"])

def resume(txn: Txn, case: Record, standard, at: datetime, **extra) -> None:
    case.status = "open"
    if case.clock_started_at is None:
        if standard.time_limit(case.variant)["counts_from"] == "requirements_complete":
            start(txn, case, at)
        return
    if case.clock_paused_at is None:
        return
    calendar = calendar_of(txn, case)
    paused_from = case.clock_paused_at.astimezone(calendar.tz).date()
    paused_days = max(0, calendar.working_days_between(paused_from, at.astimezone(calendar.tz).date()))
    duration = Duration.of(standard.time_limit(case.variant, case.tier))
    away = None
    if case.due_at is not None and duration is not None:
        due, away = duration.shift_for_pause(calendar, case.due_at, case.clock_paused_at, at)
        if due != case.due_at:
            case.due_at = due
            due_changed(txn, case)
    case.clock_paused_at = None
    plan_next_check(txn, case)
    record_event(txn, case, "clock_resumed", SYSTEM_ROLE, at, None, paused_working_days=paused_days,
                 **({"paused": away} if away and duration.unit.key != "working_days" else {}), **extra,
                 due_at=case.due_at.isoformat() if case.due_at else None)
