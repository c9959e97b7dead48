"""Due dates of running cases computed again from their rules: the clock's start, the time limit of their
tier, the working days the file stood still, on the working-day calendar as it is now (national holidays
and cuti bersama, which a new decree can change for a year already under way). A case whose stored due
date differs gets the new one, with a ``due_recomputed`` event in its history; its worklist rows and the
SLA monitor's next check follow.

Vectorised (one calendar call per standard version, unit, variant and tier): 100,000 open complaints are
checked in well under a second (bench/recompute.py). Cases reopened by their applicant run on a limit
counted from the reopening and are left as they are; limits in calendar days do not depend on the
working-day calendar."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import String, cast, func, select, update

from engine.cases.frozen import calendar_for, stored_version, thaw
from engine.cases.sla_levels import next_check
from engine.store.audit_writer import append_events
from engine.store.db import Store
from engine.store.models import EVENT_KIND_IS_INDEXED, OPEN_TASK_STATUSES, Case, Event, Task


@dataclass
class Recomputed:
    checked: int = 0
    changed: list = field(default_factory=list)  # (case id, number, old due, new due)
    skipped: int = 0


def _paused_days(s, office_id: str | None) -> dict[int, int]:
    query = (select(Event.case_id, func.sum(func.coalesce(Event.data["paused_working_days"].as_integer(), 0)))
             .join(Case, Case.id == Event.case_id)
             .where(EVENT_KIND_IS_INDEXED, Event.kind == "clock_resumed", Case.closed_at.is_(None))
             .group_by(Event.case_id))
    if office_id:
        query = query.where(Case.office_id == office_id)
    return dict(s.execute(query).all())


def _moments(texts) -> "np.ndarray":
    """Stored UTC moments: SQLite's text, which numpy parses without a Python datetime per row, or the
    naive UTC datetimes PostgreSQL's driver gives."""
    return np.array([t.replace(" ", "T")[:26] if isinstance(t, str) else t.replace(tzinfo=None) for t in texts],
                    dtype="datetime64[us]")


def changed_due_dates(store: Store, office_id: str | None = None) -> tuple[list, Recomputed]:
    """[(case id, number, stored due, due by the rules)] of the running cases whose due date differs from
    what their rules give now, and the counts. Compared as numbers: a Python datetime is made only for a
    case that changes."""
    summary = Recomputed()
    with store.engine.connect() as conn:
        where = [Case.closed_at.is_(None), Case.clock_started_at.is_not(None), Case.due_at.is_not(None)]
        if office_id:
            where.append(Case.office_id == office_id)
        rows = conn.execute(select(Case.id, Case.number, Case.standard_version_id, Case.unit_id, Case.variant,
                                   Case.tier, cast(Case.clock_started_at, String),
                                   cast(Case.due_at, String)).where(*where)).all()
    with store.read() as s:
        paused = _paused_days(s, office_id)
        reopened = set(s.scalars(select(Event.case_id).where(Event.kind == "case_reopened")))
        conn = s.connection()
        versions = {v: stored_version(conn, v, store.versions_by_id) for v in {r[2] for r in rows}}
    groups = defaultdict(list)
    for row in rows:
        if row[0] in reopened:
            summary.skipped += 1
        else:
            groups[(row[2], row[3], row[4], row[5])].append(row)
    changed = []
    for (version_id, unit, variant, tier), members in groups.items():
        version = versions[version_id]
        limit = thaw(version).time_limit(variant, tier)
        if "working_days" not in limit:
            summary.skipped += len(members)
            continue
        calendar = calendar_for(version, unit)
        offset = np.timedelta64(int(datetime.now(calendar.tz).utcoffset().total_seconds()), "s")
        starts = (_moments([m[6] for m in members]) + offset).astype("datetime64[D]")
        days = limit["working_days"] + np.array([paused.get(m[0], 0) for m in members], dtype=np.int64)
        dues = calendar.add_working_days_many(starts, days, limit["start_day"])
        unique, position = np.unique(dues, return_inverse=True)
        closing = np.array([_seconds(calendar.closing_time(d)) for d in unique.astype(object)], dtype=np.int64)
        expected = (dues.astype("datetime64[s]") + closing[position].astype("timedelta64[s]") - offset)
        stored = _moments([m[7] for m in members]).astype("datetime64[s]")
        for index in np.nonzero(expected != stored)[0]:
            member, day = members[index], unique[position[index]].astype(object)
            new = datetime.combine(day, calendar.closing_time(day), tzinfo=calendar.tz)
            old = stored[index].astype(object).replace(tzinfo=timezone.utc)
            changed.append((member[0], member[1], old, new))
        summary.checked += len(members)
    return changed, summary


def _seconds(moment) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def recompute(store: Store, office_id: str | None = None, at: datetime | None = None, *,
              reason: str = "kalender kerja berubah", write: bool = True) -> Recomputed:
    """Check every running case's due date and (``write``) correct those that differ, in one transaction."""
    at = at or datetime.now(timezone.utc)
    changed, summary = changed_due_dates(store, office_id)
    summary.changed = changed

    if not write or not summary.changed:
        return summary
    with store.write() as s:
        events = []
        for case_id, number, old, new in summary.changed:
            s.execute(update(Case).where(Case.id == case_id).values(due_at=new, row_version=Case.row_version + 1))
            s.execute(update(Task).where(Task.case_id == case_id, Task.status.in_(OPEN_TASK_STATUSES))
                      .values(due_at=new))
            case = s.get(Case, case_id)
            s.execute(update(Case).where(Case.id == case_id).values(sla_next_at=next_check(case, case.standard_version)))
            events.append({"case_id": case_id, "task_id": None, "kind": "due_recomputed", "actor": "sistem",
                           "actor_id": None, "at": at, "data": {"due_before": old.isoformat(),
                                                                  "due_at": new.isoformat(), "reason": reason}})
        append_events(s, events)
    return summary
