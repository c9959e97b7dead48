"""When spoiled pieces go back to the Dinas (the item's ``return_spoiled``): Balikpapan's decree returns the
spoiled KTP-el blanks weekly, on the week's last working day of the unit's calendar (a Friday holiday moves
it to Thursday). A unit still holding pieces that were spoiled before the last such day is late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, select

from engine.calendar.workcal import WorkingCalendar
from engine.store.db import Store
from engine.store.models import StockMovement

M = StockMovement.__table__


def week_return_day(calendar: WorkingCalendar, day: date) -> date | None:
    """The last working day of ``day``'s week (Monday to Sunday); None for a week with none."""
    monday = day - timedelta(days=day.weekday())
    for offset in range(6, -1, -1):
        candidate = monday + timedelta(days=offset)
        if calendar.is_working_day(candidate):
            return candidate
    return None


@dataclass(frozen=True)
class ReturnStatus:
    next_day: date | None  # the next return day, today included
    last_day: date | None  # the latest return day before today
    held_after_last: int  # spoiled pieces still held at the end of that day
    held_now: int

    @property
    def late(self) -> bool:
        return self.held_after_last > 0 and self.held_now > 0


def return_status(store: Store, office, unit_id: str, item: dict, at: datetime) -> ReturnStatus | None:
    if item.get("return_spoiled") != "weekly_last_working_day":
        return None
    calendar = WorkingCalendar.from_office(office.data, unit_id)
    today = at.astimezone(calendar.tz).date()
    upcoming = week_return_day(calendar, today)
    if upcoming is not None and upcoming < today:
        upcoming = week_return_day(calendar, today + timedelta(days=7))
    last = None
    for weeks in range(5):  # the latest return day before today (this week's if it has passed)
        candidate = week_return_day(calendar, today - timedelta(days=7 * weeks))
        if candidate is not None and candidate < today:
            last = candidate
            break
    key = and_(M.c.office_id == office.id, M.c.unit_id == unit_id, M.c.item_id == item["id"])
    with store.read() as s:
        now_row = s.execute(select(M.c.spoiled_held).where(key).order_by(M.c.at.desc(), M.c.id.desc())
                            .limit(1)).first()
        then_row = None
        if last is not None:
            end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=calendar.tz)
            then_row = s.execute(select(M.c.spoiled_held).where(key, M.c.at < end)
                                 .order_by(M.c.at.desc(), M.c.id.desc()).limit(1)).first()
    return ReturnStatus(upcoming, last, int(then_row[0]) if then_row else 0, int(now_row[0]) if now_row else 0)
