"""The queue's figures for a day or a period: waiting time (issued to called) and service time (serving to
finished) per service, per counter and per hour of the day, no-shows, and the tickets waiting longer than
the office's ``wait_alert_minutes`` now."""

from __future__ import annotations

import statistics
from datetime import date, datetime

from sqlalchemy import select

from engine.store.db import Store
from engine.store.models import QueueTicket

from .queue import Floor

T = QueueTicket.__table__


def _summary(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "mean": None, "p90": None}
    ordered = sorted(values)
    return {"count": len(values), "mean": round(statistics.fmean(values), 1),
            "p90": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 1)}


def figures(store: Store, floor: Floor, start: date, end: date) -> dict:
    with store.read() as s:
        rows = s.execute(select(T.c.service, T.c.counter_id, T.c.status, T.c.channel, T.c.issued_at, T.c.called_at,
                                T.c.serving_at, T.c.finished_at).where(
            T.c.office_id == floor.office.id, T.c.unit_id == floor.unit_id, T.c.day >= start, T.c.day <= end)).all()
    booked = [r for r in rows if r.channel == "booking"]
    unused = sum(r.status in ("booked", "cancelled") for r in booked)
    rows = [r for r in rows if not (r.channel == "booking" and r.status in ("booked", "cancelled"))]
    waits, services, by_counter, by_hour = {}, {}, {}, {}
    no_show = 0
    for row in rows:
        if row.called_at is not None:
            wait = (row.called_at - row.issued_at).total_seconds() / 60
            waits.setdefault(row.service, []).append(wait)
            hour = row.issued_at.astimezone(floor.zone).hour
            by_hour.setdefault(hour, []).append(wait)
        if row.finished_at is not None and row.serving_at is not None:
            took = (row.finished_at - row.serving_at).total_seconds() / 60
            services.setdefault(row.service, []).append(took)
            by_counter.setdefault(row.counter_id, []).append(took)
        no_show += row.status == "no_show"
    return {"tickets": len(rows), "no_show": no_show, "bookings": len(booked), "bookings_unused": unused,
            "waiting_minutes": {code: _summary(waits.get(code, [])) for code in floor.services},
            "service_minutes": {code: _summary(services.get(code, [])) for code in floor.services},
            "service_minutes_by_counter": {c: _summary(v) for c, v in sorted(by_counter.items())},
            "waiting_minutes_by_hour": {h: _summary(v) for h, v in sorted(by_hour.items())}}


def waiting_too_long(store: Store, floor: Floor, at: datetime) -> list[dict]:
    """Tickets waiting now for longer than the office's limit, longest first."""
    limit = floor.config.get("wait_alert_minutes")
    if not limit:
        return []
    with store.read() as s:
        rows = s.execute(select(T.c.label, T.c.issued_at, T.c.priority).where(
            T.c.office_id == floor.office.id, T.c.unit_id == floor.unit_id,
            T.c.day == at.astimezone(floor.zone).date(), T.c.status == "waiting").order_by(T.c.issued_at)).all()
    found = []
    for label, issued, priority in rows:
        minutes = (at - issued).total_seconds() / 60
        if minutes > limit:
            found.append({"label": label, "minutes": round(minutes), "priority": priority})
    return found


def office_queues(store: Store, library, office, start: date, end: date, at: datetime) -> list[dict]:
    """Each service point's queue figures over [start, end] and its tickets waiting too long at ``at``."""
    if office is None or not office.data.get("queue"):
        return []
    found = []
    for unit in office.data.get("units") or [{"id": office.id, "name": office.name}]:
        floor = Floor(library, office.id, unit["id"])
        found.append({"unit": unit.get("name") or unit["id"], "figures": figures(store, floor, start, end),
                      "late": waiting_too_long(store, floor, at), "services": floor.services})
    return found
