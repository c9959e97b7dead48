"""An office's working-day calendar and the SLA arithmetic on it.

Convention (PermenPAN-RB time limits "N hari kerja sejak berkas lengkap"): the day the requirements
become complete is day 0 and day 1 is the next working day, whatever day of the week day 0 is; "N hari
kerja" is due at the close of the office day of working day N. A standard may choose ``start_day: day_1``:
the start day then counts as day 1 when it is itself a working day.

Implementation: working days are indexed once per calendar (a sorted list of working-day ordinals and a
prefix count over every date), so one deadline is two list look-ups and a vectorised batch is two numpy
fancy-indexing operations.
"""

from __future__ import annotations

import datetime
from array import array
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .national import CUTI_BERSAMA, LIBUR_NASIONAL, DayOff, decree_known, last_decree_year, library_version, \
    national_days

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_HOURS = "08:00-16:00"
DAY_0, DAY_1 = "day_0", "day_1"
# Years after the last decree whose due dates are computed on their national holidays alone, marked
# provisional (a 50-working-day case opened in December reaches the next year, whose SKB comes later).
PROVISIONAL_YEARS = 2


class UncoveredYear(LookupError):
    """A date in a year whose holiday decree is not known and that is too far ahead to count on its
    national holidays alone (see PROVISIONAL_YEARS): never guessed."""

    def __init__(self, year: int):
        super().__init__(
            f"kalender tahun {year} belum tersedia: SKB hari libur nasional dan cuti bersama {year} belum ada di "
            f"pustaka holidays {library_version()}. Tambahkan tanggalnya di calendar.decrees pada berkas kantor, "
            f"atau perbarui pustaka holidays.")
        self.year = year


def _parse_hours(span: str | None):
    if not span:
        return None
    start, end = span.split("-")
    return datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)


class WorkingCalendar:
    """Working days of one office: Monday-Friday minus national days (and cuti bersama when observed),
    minus the office's closures, plus its extra service days; office hours in its own time zone."""

    def __init__(self, timezone: str = "Asia/Jakarta", observe_cuti_bersama: bool = True,
                 closures=(), extra_service_days=(), decrees=(), office_hours: dict | None = None,
                 name: str = "nasional"):
        self.name = name
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.observe_cuti_bersama = observe_cuti_bersama
        self.closures = {c.date: c for c in closures}
        self.extra_days = {e.date: e for e in extra_service_days}
        self.decrees = {d["year"]: d for d in decrees}
        hours = dict(office_hours or {})
        default = hours.pop("default", DEFAULT_HOURS)
        self.hours = []
        for index, day in enumerate(WEEKDAYS):
            span = hours.get(day, default if index < 5 else None)
            self.hours.append(_parse_hours(span))
        self._extra_hours = {e.date: _parse_hours(e.hours) for e in extra_service_days if getattr(e, "hours", None)}
        self._years: tuple[int, int] | None = None

    # ------------------------------------------------------------------ construction from YAML

    @classmethod
    def from_office(cls, office: dict, unit: str | None = None) -> "WorkingCalendar":
        """The calendar of an office, or of one of its units: a unit's own settings override the office's,
        and its closures and extra service days add to the office's."""
        cal = dict(office.get("calendar") or {})
        own = next((u.get("calendar") or {} for u in office.get("units") or [] if u["id"] == unit), {})
        for key, value in own.items():
            if key in ("closures", "extra_service_days", "decrees"):
                cal[key] = list(cal.get(key) or []) + list(value)
            else:
                cal[key] = value
        closures = [DayOff(datetime.date.fromisoformat(c["date"]), c["name"], "closure", source=office["id"])
                    for c in cal.get("closures") or []]
        extra = [_ExtraDay(datetime.date.fromisoformat(e["date"]), e["name"], e.get("hours"))
                 for e in cal.get("extra_service_days") or []]
        return cls(timezone=office.get("timezone", "Asia/Jakarta"),
                   observe_cuti_bersama=cal.get("observe_cuti_bersama", True),
                   closures=closures, extra_service_days=extra, decrees=cal.get("decrees") or [],
                   office_hours=cal.get("office_hours"), name=unit or office["id"])

    # ------------------------------------------------------------------ which days are off, and why

    def covered(self, year: int) -> bool:
        return year in self.decrees or decree_known(year)

    def provisional(self, year: int) -> bool:
        """A year without its decree yet, near enough to count on its national holidays alone (the
        package computes them; cuti bersama are unknown until the SKB): due dates there are provisional."""
        last = max([last_decree_year(), *self.decrees])
        return not self.covered(year) and last < year <= last + PROVISIONAL_YEARS

    def is_provisional(self, moment) -> bool:
        """Whether a date (or an aware moment, in the office's zone) lies in a provisional year."""
        day = moment.astimezone(self.tz).date() if isinstance(moment, datetime.datetime) else moment
        return self.provisional(day.year)

    def usable(self, year: int) -> bool:
        return self.covered(year) or self.provisional(year)

    def national(self, year: int) -> list[DayOff]:
        if self.provisional(year):
            return [DayOff(d.date, d.name, d.kind, True, f"sementara: SKB {year} belum ada")
                    for d in national_days(year) if d.kind == LIBUR_NASIONAL]
        if not self.covered(year):
            raise UncoveredYear(year)
        decree = self.decrees.get(year)
        days = [] if decree and decree.get("replace") else list(national_days(year))
        if decree:
            days += [DayOff(datetime.date.fromisoformat(d["date"]), d["name"], d["type"], source=decree["source"])
                     for d in decree["days"]]
        return days

    def days_off(self, year: int) -> dict[datetime.date, list[DayOff]]:
        """Every reason each date of the year is not a working day (weekends included)."""
        reasons: dict = {}
        for day in self.national(year):
            if day.kind == CUTI_BERSAMA and not self.observe_cuti_bersama:
                continue
            reasons.setdefault(day.date, []).append(day)
        for day in self.closures.values():
            if day.date.year == year:
                reasons.setdefault(day.date, []).append(day)
        current = datetime.date(year, 1, 1)
        while current.year == year:
            if self.hours[current.weekday()] is None:
                reasons.setdefault(current, []).insert(0, DayOff(current, _WEEKDAY_ID[current.weekday()], "weekend"))
            current += datetime.timedelta(days=1)
        for date in self.extra_days:
            if date.year == year:
                reasons.pop(date, None)
        return reasons

    def non_working_days(self, year: int) -> list[tuple[datetime.date, list[DayOff]]]:
        """Weekday holidays and closures of a year, in order (the `layanan calendar` listing)."""
        off = self.days_off(year)
        return [(d, [r for r in off[d] if r.kind != "weekend"] or off[d]) for d in sorted(off)
                if any(r.kind != "weekend" for r in off[d])]

    # ------------------------------------------------------------------ the index

    def _ensure(self, year: int) -> None:
        if not self.usable(year):
            raise UncoveredYear(year)
        if self._years and self._years[0] <= year <= self._years[1]:
            return
        first, last = year, year
        while self.usable(first - 1) and first > 1990:
            first -= 1
        while self.usable(last + 1) and last < 2100:
            last += 1
        self._build(first, last)

    def _build(self, first: int, last: int) -> None:
        base = datetime.date(first, 1, 1).toordinal()
        end = datetime.date(last, 12, 31).toordinal()
        off = {}
        for year in range(first, last + 1):
            off.update(self.days_off(year))
        working = array("i")
        prefix = array("i", [0])
        count = 0
        for offset in range(end - base + 1):
            if datetime.date.fromordinal(base + offset) not in off:
                working.append(offset)
                count += 1
            prefix.append(count)
        self._years = (first, last)
        self._base = base
        self._end = end
        self._working = working
        self._prefix = prefix  # prefix[i] = working days strictly before offset i
        self._np = None

    def _offset(self, day: datetime.date) -> int:
        offset = day.toordinal() - self._base if self._years else -1
        if not self._years or offset < 0 or day.toordinal() > self._end:
            self._ensure(day.year)
            offset = day.toordinal() - self._base
        return offset

    def _count_through(self, day: datetime.date) -> int:
        """Working days from the start of the index up to and including ``day``."""
        offset = self._offset(day)  # first: it builds the index that _prefix belongs to
        return self._prefix[offset + 1]

    # ------------------------------------------------------------------ arithmetic

    def is_working_day(self, day: datetime.date) -> bool:
        offset = self._offset(day)
        return self._prefix[offset + 1] != self._prefix[offset]

    def add_working_days(self, start: datetime.date, days: int, start_day: str = DAY_0) -> datetime.date:
        """The date of working day ``days`` counted from ``start`` (see the module's convention)."""
        if days == 0:
            return start
        offset = self._offset(start)
        counted = self._prefix[offset + 1] if start_day == DAY_0 else self._prefix[offset]
        index = counted + days - 1
        if index < 0 or index >= len(self._working):
            year = self._years[1] + 1 if index >= 0 else self._years[0] - 1
            raise UncoveredYear(year)
        return datetime.date.fromordinal(self._base + self._working[index])

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.
        With start = day 0 and end = today this is the SLA time used; against the due date, what is left."""
        return self._count_through(end) - self._count_through(start)

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def due(self, start, days: int, start_day: str = DAY_0) -> datetime.datetime:
        """Timezone-aware deadline: the close of the office day of working day ``days``.
        ``start`` is an aware datetime (converted to the office's zone) or a date in the office's zone."""
        if isinstance(start, datetime.datetime):
            if start.tzinfo is None:
                raise ValueError("waktu mulai harus memuat zona waktu (timezone-aware)")
            start = start.astimezone(self.tz).date()
        day = self.add_working_days(start, days, start_day)
        return datetime.datetime.combine(day, self.closing_time(day), tzinfo=self.tz)

    def office_hours(self, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
        """(opening, closing) of a working day; None on a day off."""
        if not self.is_working_day(day):
            return None
        return self._extra_hours.get(day) or self.hours[day.weekday()] or _parse_hours(DEFAULT_HOURS)

    def add_working_time(self, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment ``duration`` of office hours after ``start`` (aware), counting only the office's
        hours on its working days: 3 hours from 15.00 with a 16.00 closing end at 10.00 of the next
        working day (opening 08.00). A start outside office hours counts from the next opening."""
        if start.tzinfo is None:
            raise ValueError("waktu mulai harus memuat zona waktu (timezone-aware)")
        if duration <= datetime.timedelta(0):
            return start
        moment, left = start.astimezone(self.tz), duration
        day = moment.date()
        for _ in range(3660):  # ten years of days: a bound, never reached by a valid target
            hours = self.office_hours(day)
            if hours is not None:
                opening = datetime.datetime.combine(day, hours[0], tzinfo=self.tz)
                closing = datetime.datetime.combine(day, hours[1], tzinfo=self.tz)
                begin = max(moment, opening)
                if begin < closing:
                    if begin + left <= closing:
                        return begin + left
                    left -= closing - begin
            day += datetime.timedelta(days=1)
            moment = datetime.datetime.combine(day, datetime.time.min, tzinfo=self.tz)
        raise ValueError("waktu kerja tidak dapat dihitung: kalender tanpa hari kerja")

    def closing_time(self, day: datetime.date) -> datetime.time:
        hours = self._extra_hours.get(day) or self.hours[day.weekday()] or _parse_hours(DEFAULT_HOURS)
        return hours[1]

    def explain(self, start: datetime.date, days: int, start_day: str = DAY_0) -> list[tuple]:
        """(date, working-day number or None, reasons) from the day after ``start`` to the due date."""
        due = self.add_working_days(start, days, start_day)
        rows, number = [], 0
        if start_day == DAY_1 and self.is_working_day(start):
            number = 1
            rows.append((start, 1, []))
        current = start + datetime.timedelta(days=1)
        while current <= due:
            if self.is_working_day(current):
                number += 1
                reasons = [self.extra_days[current]] if current in self.extra_days else []
                rows.append((current, number, reasons))
            else:
                self._ensure(current.year)
                rows.append((current, None, self.days_off(current.year).get(current, [])))
            current += datetime.timedelta(days=1)
        return rows

    # ------------------------------------------------------------------ many dates at once

    def add_working_days_many(self, starts, days, start_day: str = DAY_0):
        """Vectorised add_working_days: ``starts`` an array of datetime64[D] (or dates), ``days`` an int or
        an array; returns datetime64[D]. For reports over a year of cases."""
        import numpy as np

        starts = np.asarray(starts, dtype="datetime64[D]")
        if starts.size == 0:
            return starts
        self._ensure(int(str(starts.min())[:4]))
        self._ensure(int(str(starts.max())[:4]))
        prefix, working, epoch_base = self._numpy()
        offsets = starts.astype("int64") - epoch_base
        if offsets.min() < 0 or offsets.max() + 1 >= len(prefix):
            raise UncoveredYear(int(str(starts.max())[:4]))
        counted = prefix[offsets + 1] if start_day == DAY_0 else prefix[offsets]
        days = np.asarray(days)
        index = counted + days - 1
        if index.max() >= len(working) or index.min() < 0:
            raise UncoveredYear(self._years[1] + 1)
        result = (working[index] + epoch_base).astype("datetime64[D]")
        return np.where(days == 0, starts, result)

    def working_days_between_many(self, starts, ends):
        import numpy as np

        starts = np.asarray(starts, dtype="datetime64[D]")
        ends = np.asarray(ends, dtype="datetime64[D]")
        for edge in (starts.min(), starts.max(), ends.min(), ends.max()):
            self._ensure(int(str(edge)[:4]))
        prefix, _, epoch_base = self._numpy()
        return prefix[ends.astype("int64") - epoch_base + 1] - prefix[starts.astype("int64") - epoch_base + 1]

    def _numpy(self):
        import numpy as np

        if self._np is None:
            epoch_base = self._base - datetime.date(1970, 1, 1).toordinal()
            self._np = (np.frombuffer(self._prefix, dtype=np.int32).astype(np.int64),
                        np.frombuffer(self._working, dtype=np.int32).astype(np.int64), epoch_base)
        return self._np


@dataclass(frozen=True)
class _ExtraDay:
    date: datetime.date
    name: str
    hours: str | None = None
    kind: str = "extra_service_day"


_WEEKDAY_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def national_calendar() -> WorkingCalendar:
    """The calendar with no office adjustments (Monday-Friday, national holidays and cuti bersama)."""
    return WorkingCalendar()
