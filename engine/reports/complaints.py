"""Complaints of an office for a period (issue 21): received per channel, tier, service complained about (the
receipt code the complainant gave) and service point; of those closed in the period, how many were
answered within their tier's limit, re-routed or archived; open and late now; the complainants' rating of
the handling. No complainant's identity is read. A complaint standard is one whose cases are triaged into
tiers (``Standard.tiers``) or may be reopened by the complainant (``reopen``)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from engine.cases.finding import sla_condition
from engine.store.db import Store
from engine.store.models import Case, Event

NO_TIER = "(belum ditelaah)"


def complaint_standards(library, office_id: str) -> list[str]:
    return sorted(s.id for s in library.standards.values()
                  if s.office.id == office_id and (s.tiers or s.data.get("reopen")))


def build(store: Store, library, office_id: str, start: date, end: date, tz: str = "Asia/Makassar",
          at: datetime | None = None) -> dict:
    zone = ZoneInfo(tz)
    since, until = datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end, time.max, tzinfo=zone)
    at = at or datetime.now(zone)
    standards = complaint_standards(library, office_id)
    tier_names = {t: spec.get("name", t) for sid in standards for t, spec in library.standards[sid].tiers.items()}
    titles = {s.id: s.title for s in library.standards.values()}
    ours = and_(Case.office_id == office_id, Case.standard_id.in_(standards))
    about = aliased(Case)
    with store.read() as s:
        received = s.execute(select(Case.channel, Case.tier, Case.unit_id, about.standard_id)
                             .outerjoin(about, about.receipt_code == func.upper(Case.answers["kode_layanan"].as_string()))
                             .where(ours, Case.received_at.between(since, until))).all()
        closed = s.execute(select(Case.id, Case.status, Case.closed_at, Case.due_at)
                           .where(ours, Case.closed_at.between(since, until))).all()
        rerouted = set(s.scalars(select(Event.case_id).where(Event.kind == "complaint_rerouted",
                                                             Event.case_id.in_([c.id for c in closed] or [0]))))
        open_now = s.scalar(select(func.count()).select_from(Case).where(ours, Case.closed_at.is_(None)))
        late_now = s.scalar(select(func.count()).select_from(Case).where(ours, sla_condition("late", at, zone)))
        scores = s.scalars(select(Event.data["score"].as_integer()).join(Case, Case.id == Event.case_id)
                           .where(ours, Event.kind == "case_rated", Event.at.between(since, until))).all()
    answered = [c for c in closed if c.status == "done"]
    on_time = sum(1 for c in answered if c.due_at is None or c.closed_at <= c.due_at)
    rejected = [c for c in closed if c.status == "rejected"]
    return {
        "office": office_id, "from": start.isoformat(), "to": end.isoformat(), "standards": standards,
        "received": len(received),
        "by_channel": Counter(r.channel or "-" for r in received).most_common(),
        "by_tier": Counter(tier_names.get(r.tier, r.tier) if r.tier else NO_TIER for r in received).most_common(),
        "by_service": Counter(titles.get(r[3], r[3]) if r[3] else "(tidak menyebut layanan)"
                              for r in received).most_common(),
        "by_unit": Counter(r.unit_id or "(kantor)" for r in received).most_common(),
        "closed": len(closed), "answered": len(answered), "answered_on_time": on_time,
        "on_time_pct": round(100 * on_time / len(answered), 1) if answered else None,
        "rerouted": sum(1 for c in rejected if c.id in rerouted),
        "archived": sum(1 for c in rejected if c.id not in rerouted),
        "open": open_now or 0, "late": late_now or 0,
        "ratings": len(scores), "rating_avg": round(sum(scores) / len(scores), 2) if scores else None,
    }
