"""Time limits as data: one unit per way a standard counts time, each a small object (no branch on the unit
name anywhere else).

A standard's time limit (or a tier's, a step's target, an extension) is a mapping with one unit key and an
amount: ``working_days: 5``, ``calendar_days: 14``, ``hours: 3``, ``minutes: 10``, ``calendar_hours: 24``,
``months: 6``; a range keeps its lower end in ``from`` ("3-25 hari kerja": ``{working_days: 25, from: 3}``;
the upper end is the limit, the lower one is published). Office hours count for ``hours`` and ``minutes``: a
3-hour limit taken at 14:00 on a Friday (closing 16:00) is due at 09:00 on Monday.

Pure: the calendar given is asked for its days and hours (engine/calendar/workcal.py); nothing is imported from it."""

from __future__ import annotations

import calendar as _months
import datetime
from dataclasses import dataclass

HOURS_PER_DAY = 8  # an office day, for comparing hours with days (reviews and the simulator's estimates)


@dataclass(frozen=True)
class Unit:
    key: str
    label: str  # Indonesian, after the number: "3 jam"
    days_per_unit: float  # working days one unit is worth, for comparisons and the at-risk share

    def due(self, calendar, at: datetime.datetime, amount, start_day: str) -> datetime.datetime:
        raise NotImplementedError

    def risk_days(self, amount) -> float:
        """The length the at-risk share is taken of, in working days."""
        return amount * self.days_per_unit

    def risk_moment(self, calendar, due: datetime.datetime, amount, share: float) -> datetime.datetime:
        """When a case due at ``due`` has used ``share`` of its limit: the opening of the working day that
        many working days before the due day (days count whole)."""
        days_left = int(self.risk_days(amount) * (1 - share))
        local = due.astimezone(calendar.tz).date()
        day = calendar.add_working_days(local, -days_left) if days_left else local
        hours = calendar.hours[day.weekday()]
        return datetime.datetime.combine(day, hours[0] if hours else datetime.time.min, tzinfo=calendar.tz)

    def shift_for_pause(self, calendar, due: datetime.datetime, paused_from: datetime.datetime,
                        resumed_at: datetime.datetime) -> tuple[datetime.datetime, str]:
        """The due date moved on by the time the file stood still, and that time in words (the event's)."""
        days = max(0, calendar.working_days_between(paused_from.astimezone(calendar.tz).date(),
                                                    resumed_at.astimezone(calendar.tz).date()))
        if not days:
            return due, "0 hari kerja"
        return calendar.due(due.astimezone(calendar.tz).date(), days), f"{days} hari kerja"


class WorkingDays(Unit):
    def due(self, calendar, at, amount, start_day):
        return calendar.due(at, int(amount), start_day)


class CalendarDays(Unit):
    def risk_days(self, amount) -> float:
        return amount  # as since the first version: the share of N calendar days counted in working days

    def due(self, calendar, at, amount, start_day):
        local = at.astimezone(calendar.tz).date() + datetime.timedelta(days=int(amount))
        return datetime.datetime.combine(local, calendar.closing_time(local), tzinfo=calendar.tz)


class Months(Unit):
    def due(self, calendar, at, amount, start_day):
        local = at.astimezone(calendar.tz).date()
        month = local.month - 1 + int(amount)
        year, month = local.year + month // 12, month % 12 + 1
        day = min(local.day, _months.monthrange(year, month)[1])
        end = datetime.date(year, month, day)
        return datetime.datetime.combine(end, calendar.closing_time(end), tzinfo=calendar.tz)


class OfficeTime(Unit):
    """Hours or minutes of office time: only the office's hours on its working days count."""

    minutes: float = 60

    def due(self, calendar, at, amount, start_day):
        return add_office_time(calendar, at, datetime.timedelta(minutes=float(amount) * self.minutes))

    def risk_moment(self, calendar, due, amount, share):
        return add_office_time(calendar, due, -datetime.timedelta(minutes=float(amount) * self.minutes * (1 - share)))

    def shift_for_pause(self, calendar, due, paused_from, resumed_at):
        away = office_time_between(calendar, paused_from, resumed_at)
        minutes = int(away.total_seconds() // 60)
        return add_office_time(calendar, due, away), f"{minutes} menit jam kerja"


class Hours(OfficeTime):
    minutes = 60


class Minutes(OfficeTime):
    minutes = 1


class ClockHours(Unit):
    """Hours round the clock ("1 x 24 jam" of a service that never closes)."""

    def due(self, calendar, at, amount, start_day):
        return at.astimezone(calendar.tz) + datetime.timedelta(hours=float(amount))

    def risk_moment(self, calendar, due, amount, share):
        return due - datetime.timedelta(hours=float(amount) * (1 - share))

    def shift_for_pause(self, calendar, due, paused_from, resumed_at):
        away = max(datetime.timedelta(0), resumed_at - paused_from)
        return due + away, f"{int(away.total_seconds() // 3600)} jam"


UNITS = {unit.key: unit for unit in (
    WorkingDays("working_days", "hari kerja", 1.0),
    CalendarDays("calendar_days", "hari kalender", 5 / 7),
    Months("months", "bulan", 21.0),
    Hours("hours", "jam kerja", 1 / HOURS_PER_DAY),
    Minutes("minutes", "menit", 1 / (HOURS_PER_DAY * 60)),
    ClockHours("calendar_hours", "jam", 1 / 24),
)}
UNIT_KEYS = tuple(UNITS)
RANGE_KEY = "from"


@dataclass(frozen=True)
class Duration:
    unit: Unit
    amount: float
    lower: float | None = None  # the lower end of a range, published only

    @classmethod
    def of(cls, mapping) -> "Duration | None":
        """The duration a mapping states (its one unit key), or None when it states none."""
        if not isinstance(mapping, dict):
            return None
        for key, unit in UNITS.items():
            if key in mapping and isinstance(mapping[key], (int, float)) and not isinstance(mapping[key], bool):
                lower = mapping.get(RANGE_KEY)
                return cls(unit, mapping[key], lower if isinstance(lower, (int, float)) else None)
        return None

    def due(self, calendar, at: datetime.datetime, start_day: str = "day_0") -> datetime.datetime:
        return self.unit.due(calendar, at, self.amount, start_day)

    def risk_moment(self, calendar, due: datetime.datetime, share: float) -> datetime.datetime:
        return self.unit.risk_moment(calendar, due, self.amount, share)

    def shift_for_pause(self, calendar, due, paused_from, resumed_at):
        return self.unit.shift_for_pause(calendar, due, paused_from, resumed_at)

    @property
    def working_days(self) -> float:
        """Working days it is worth (for comparisons, the at-risk share and estimates)."""
        return self.amount * self.unit.days_per_unit

    def text(self) -> str:
        amount = _number(self.amount)
        if self.lower is not None:
            return f"{_number(self.lower)}–{amount} {self.unit.label}"
        return f"{amount} {self.unit.label}"


def _number(value) -> str:
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)


def text_of(mapping) -> str | None:
    duration = Duration.of(mapping)
    return duration.text() if duration else None


# ------------------------------------------------------------------ office time

def _spans(calendar, day: datetime.date):
    hours = calendar.office_hours(day)
    if hours is None:
        return None
    return (datetime.datetime.combine(day, hours[0], tzinfo=calendar.tz),
            datetime.datetime.combine(day, hours[1], tzinfo=calendar.tz))


def add_office_time(calendar, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
    """``duration`` of office hours after ``start`` (forwards) or before it (a negative duration)."""
    if duration >= datetime.timedelta(0):
        return calendar.add_working_time(start, duration)
    moment, left = start.astimezone(calendar.tz), -duration
    day = moment.date()
    for _ in range(3660):
        spans = _spans(calendar, day)
        if spans is not None:
            opening, closing = spans
            end = min(moment, closing)
            if end > opening:
                if end - left >= opening:
                    return end - left
                left -= end - opening
        day -= datetime.timedelta(days=1)
        moment = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=calendar.tz)
    raise ValueError("waktu kerja tidak dapat dihitung: kalender tanpa hari kerja")


def office_time_between(calendar, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """Office hours between two moments (0 when ``end`` is not after ``start``)."""
    start, end = start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    total, day = datetime.timedelta(0), start.date()
    while day <= end.date():
        spans = _spans(calendar, day)
        if spans is not None:
            begin, finish = max(spans[0], start), min(spans[1], end)
            if finish > begin:
                total += finish - begin
        day += datetime.timedelta(days=1)
    return total
