"""The auditors' report for one office and period, per standard, variant and channel.

Figures per group: received, completed, completed on time (%), median and 90th percentile of working days
to complete (clock start to closing, less the working days the file spent with the applicant), open at
risk and open late now, breaches with the step and role that held the case when it fell due, returns and
rejections with their reasons, products issued. Working days come from each case's own frozen calendar,
computed with the vectorised calendar (one numpy call per calendar, not one per case).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import groupby
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import String, case, func, select, type_coerce

from engine.cases.core.state import CLOSED_STATUSES
from engine.cases.finding import sla_condition
from engine.cases.frozen import calendar_for
from engine.store.db import Store
from engine.store.models import EVENT_KIND_IS_INDEXED, Case, Event, Product, StandardVersion, Task


@dataclass
class Group:
    standard: str
    title: str
    variant: str | None
    channel: str | None
    received: int = 0
    completed: int = 0
    on_time: int = 0
    rejected: int = 0
    working_days: list = field(default_factory=list)
    open: int = 0  # open now (with the two below among them)
    open_at_risk: int = 0
    open_late: int = 0
    breaches: int = 0
    breach_steps: Counter = field(default_factory=Counter)
    steps_over_target: Counter = field(default_factory=Counter)  # (step, role): tasks past their own target
    returns: Counter = field(default_factory=Counter)
    rejections: Counter = field(default_factory=Counter)
    products: int = 0

    def as_dict(self) -> dict:
        days = np.asarray(self.working_days, dtype=float)
        return {
            "standard": self.standard, "title": self.title, "variant": self.variant, "channel": self.channel,
            "received": self.received, "completed": self.completed, "rejected": self.rejected,
            "on_time": self.on_time,
            "on_time_pct": round(100 * self.on_time / self.completed, 1) if self.completed else None,
            "median_working_days": float(np.median(days)) if days.size else None,
            "p90_working_days": float(np.percentile(days, 90)) if days.size else None,
            "open": self.open, "open_at_risk": self.open_at_risk, "open_late": self.open_late,
            "breaches": self.breaches,
            "breach_steps": [{"step": s, "role": r, "cases": n} for (s, r), n in self.breach_steps.most_common()],
            "steps_over_target": [{"step": s, "role": r, "tasks": n}
                                  for (s, r), n in self.steps_over_target.most_common()],
            "returns": [{"reason": k, "count": n} for k, n in self.returns.most_common()],
            "rejections": [{"reason": k, "count": n} for k, n in self.rejections.most_common()],
            "products_issued": self.products,
        }


def _closed(s, closed_in_period, group) -> None:
    """Completed, on time and rejected per group, and the working days from clock start to closing of each
    completed case less the working days the file spent with the applicant: one read of the period's
    closed cases, one vectorised calendar call per (standard version, unit); times are converted by numpy,
    not one Python datetime per row."""
    paused = dict(s.execute(
        select(Event.case_id, func.sum(func.coalesce(Event.data["paused_working_days"].as_integer(), 0)))
        .join(Case, Case.id == Event.case_id).where(*closed_in_period, EVENT_KIND_IS_INDEXED,
                                                    Event.kind == "clock_resumed")
        .group_by(Event.case_id)).all())
    rows = s.execute(select(Case.id, Case.standard_id, Case.variant, Case.channel, Case.standard_version_id,
                            Case.unit_id, Case.status, type_coerce(Case.clock_started_at, String),
                            type_coerce(Case.closed_at, String), type_coerce(Case.due_at, String))
                     .where(*closed_in_period)
                     .order_by(Case.standard_version_id, Case.unit_id, Case.variant, Case.channel)).all()
    for (version_id, unit), chunk in groupby(rows, key=lambda r: (r[4], r[5])):
        chunk = list(chunk)
        done = [r for r in chunk if r[6] == "done"]
        for key, members in groupby(chunk, key=lambda r: r[1:4]):
            g = group(_Key(*key))
            for r in members:
                if r[6] == "rejected":
                    g.rejected += 1
                else:
                    g.completed += 1
                    g.on_time += r[9] is None or r[8] <= r[9]
        timed = [r for r in done if r[7] is not None]
        if not timed:
            continue
        calendar = calendar_for(s.get(StandardVersion, version_id), unit)
        offset = np.timedelta64(int(datetime.now(calendar.tz).utcoffset().total_seconds()), "s")
        starts = (np.array([r[7] for r in timed], dtype="datetime64[us]") + offset).astype("datetime64[D]")
        ends = (np.array([r[8] for r in timed], dtype="datetime64[us]") + offset).astype("datetime64[D]")
        days = np.asarray(calendar.working_days_between_many(starts, ends))
        days = np.maximum(days - np.array([paused.get(r[0], 0) for r in timed]), 0)
        position = 0
        for key, members in groupby(timed, key=lambda r: r[1:4]):
            count = len(list(members))
            group(_Key(*key)).working_days.extend(days[position:position + count].tolist())
            position += count


class _Key:
    def __init__(self, standard_id, variant, channel):
        self.standard_id, self.variant, self.channel = standard_id, variant, channel


def build(store: Store, office: str, start: date, end: date, tz: str = "Asia/Makassar",
          at: datetime | None = None) -> dict:
    """The report of ``office`` for the local dates start..end (inclusive), as seen at ``at`` (now)."""
    zone = ZoneInfo(tz)
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end, time.max, tzinfo=zone)
    groups: dict[tuple, Group] = {}
    with store.read() as s:
        titles = dict(s.execute(select(StandardVersion.standard_id, func.max(StandardVersion.id))
                                .group_by(StandardVersion.standard_id)).all())
        title_of, step_names, role_names = {}, {}, {}
        for sid, vid in titles.items():
            version = s.get(StandardVersion, vid)
            title_of[sid] = version.document.get("title", sid)
            step_names[sid] = {st["id"]: st.get("name") or st["id"] for st in version.document.get("steps") or []
                               if isinstance(st, dict) and "id" in st}
            role_names.update({r["id"]: r.get("name") or r["id"] for r in
                               (version.office_document or {}).get("roles") or [] if isinstance(r, dict) and "id" in r})

        def group(row) -> Group:
            key = (row.standard_id, row.variant, row.channel)
            if key not in groups:
                groups[key] = Group(row.standard_id, title_of.get(row.standard_id, row.standard_id), row.variant,
                                    row.channel)
            return groups[key]

        in_office = Case.office_id == office
        for row in s.execute(select(Case.standard_id, Case.variant, Case.channel, func.count())
                             .where(in_office, Case.received_at.between(since, until))
                             .group_by(Case.standard_id, Case.variant, Case.channel)):
            group(row).received += row[3]

        _closed(s, (in_office, Case.closed_at.between(since, until), Case.status.in_(CLOSED_STATUSES)), group)

        # Open now, late and at risk: the case list's own conditions (a figure opens the cases it counts).
        seen = at or datetime.now(zone)
        for row in s.execute(select(Case.standard_id, Case.variant, Case.channel, func.count(),
                                    func.sum(case((sla_condition("late", seen), 1), else_=0)),
                                    func.sum(case((sla_condition("at_risk", seen), 1), else_=0)))
                             .where(in_office, Case.closed_at.is_(None))
                             .group_by(Case.standard_id, Case.variant, Case.channel)):
            g = group(row)
            g.open, g.open_late, g.open_at_risk = row[3], int(row[4] or 0), int(row[5] or 0)

        # Only the fields the report shows, extracted by the database: a case's many ordinary step
        # completions are filtered out there, not decoded here.
        action = Event.data["action"].as_string()
        history = s.execute(select(Case.standard_id, Case.variant, Case.channel, Event.kind, action,
                                   Event.data["reason"].as_string(), Event.data["step"].as_string(),
                                   Event.data["role"].as_string())
                            .join(Case, Case.id == Event.case_id)
                            .where(in_office, EVENT_KIND_IS_INDEXED, Event.at.between(since, until),
                                   (Event.kind == "sla_breached") | ((Event.kind == "task_completed")
                                                                     & action.in_(("return", "return_to_applicant",
                                                                                   "reject"))
                                                                     # a step waiting by design (the fee
                                                                     # assessed, then paid) is no return
                                                                     & Event.data["waits_for"].as_string()
                                                                     .is_(None))))
        for standard_id, variant, channel, kind, act, reason, step, role in history:
            g = group(_Key(standard_id, variant, channel))
            if kind == "sla_breached":
                g.breaches += 1
                g.breach_steps[(step, role)] += 1
            elif act == "reject":
                g.rejections[reason or "(tanpa alasan)"] += 1
            else:
                g.returns[reason or "(tanpa alasan)"] += 1

        # Steps past their own target (the step's ``target``), apart from the case's limit: done after it,
        # or still open when the period ended (or now, if sooner).
        seen_at = min(until, seen)
        over = (Task.step_due_at.is_not(None)) & (
            ((Task.completed_at.is_not(None)) & (Task.completed_at > Task.step_due_at))
            | ((Task.completed_at.is_(None)) & Task.status.in_(("open", "claimed")) & (Task.step_due_at < seen_at)))
        for row in s.execute(select(Case.standard_id, Case.variant, Case.channel, Task.step_id, Task.role, func.count())
                             .select_from(Task).join(Case, Case.id == Task.case_id)
                             .where(Task.office_id == office, Task.created_at.between(since, until), over)
                             .group_by(Case.standard_id, Case.variant, Case.channel, Task.step_id, Task.role)):
            group(row).steps_over_target[(row[3], row[4])] += row[5]

        for row in s.execute(select(Case.standard_id, Case.variant, Case.channel, func.count())
                             .select_from(Product).join(Case, Case.id == Product.case_id)
                             .where(Product.office_id == office, Product.issued_at.between(since, until))
                             .group_by(Case.standard_id, Case.variant, Case.channel)):
            group(row).products += row[3]

    rows = [g.as_dict() for g in sorted(groups.values(), key=lambda g: (g.standard, g.variant or "", g.channel or ""))]
    for row in rows:  # names for people beside the ids
        for item in row["breach_steps"] + row["steps_over_target"]:
            item["step_name"] = step_names.get(row["standard"], {}).get(item["step"], item["step"])
            item["role_name"] = role_names.get(item["role"], item["role"])
    totals = {k: sum(r[k] for r in rows) for k in ("received", "completed", "on_time", "rejected", "open", "open_at_risk",
                                                  "open_late", "breaches", "products_issued")}
    totals["on_time_pct"] = round(100 * totals["on_time"] / totals["completed"], 1) if totals["completed"] else None
    return {"office": office, "from": start.isoformat(), "to": end.isoformat(), "groups": rows, "totals": totals}
