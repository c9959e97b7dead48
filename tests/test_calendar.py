"""The working-day calendar against the official 2024-2026 list (SKB 3 Menteri and Keppres, see
tests/data/hari-libur-2024-2026.sources.md), the day-0 convention, office overrides, time zones,
uncovered years and property-based round trips."""

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import DAY_1, UncoveredYear, WorkingCalendar, national_calendar, national_days
from engine.calendar.workcal import PROVISIONAL_YEARS

from .conftest import run_cli

REFERENCE = Path(__file__).parent / "data" / "hari-libur-2024-2026.csv"
OFFICIAL = {dt.date.fromisoformat(r["date"]): r for r in csv.DictReader(REFERENCE.open())}
CAL = national_calendar()
D = dt.date.fromisoformat


def test_every_official_date_is_known_with_its_kind():
    for year in (2024, 2025, 2026):
        ours = {d.date: d.kind for d in national_days(year)}
        official = {day: r["kind"] for day, r in OFFICIAL.items() if day.year == year}
        assert set(ours) == set(official), year
        for day, kind in official.items():
            assert kind in {d.kind for d in national_days(year) if d.date == day}, day


def test_every_official_weekday_is_a_non_working_day_and_others_work():
    day = D("2024-01-01")
    while day <= D("2026-12-31"):
        expected = day.weekday() < 5 and day not in OFFICIAL
        assert CAL.is_working_day(day) is expected, day
        day += dt.timedelta(days=1)


def test_names_are_indonesian():
    names = {d.name for d in national_days(2026)}
    assert "Cuti Bersama Hari Raya Idul Fitri" in names and "Hari Kemerdekaan Republik Indonesia" in names


@pytest.mark.parametrize("start,days,due", [
    ("2026-03-17", 3, "2026-03-27"),   # the example: Nyepi and Idul Fitri with cuti bersama
    ("2026-03-13", 1, "2026-03-16"),   # Friday + 1 = Monday
    ("2026-03-14", 1, "2026-03-16"),   # a Saturday start changes nothing: day 1 is the next working day
    ("2026-03-15", 1, "2026-03-16"),   # Sunday likewise
    ("2026-03-19", 1, "2026-03-25"),   # a holiday start (Nyepi): the next working day
    ("2025-08-15", 1, "2025-08-19"),   # 17 Aug (Sunday) and cuti bersama 18 Aug (SKB perubahan 933/2025)
    ("2024-04-05", 1, "2024-04-16"),   # Idul Fitri 2024: 8-12 and 15 April off
    ("2024-12-24", 2, "2024-12-30"),   # Natal and its cuti bersama
    ("2026-12-23", 1, "2026-12-28"),   # 24 Dec cuti bersama, 25 Natal
    ("2024-11-26", 1, "2024-11-28"),   # Pilkada 27 Nov 2024 (Keppres 33/2024)
    ("2025-12-31", 2, "2026-01-05"),   # across the year end
])
def test_deadlines(start, days, due):
    assert CAL.add_working_days(D(start), days) == D(due)


def test_start_day_counts_as_day_one_when_chosen():
    assert CAL.add_working_days(D("2026-03-16"), 1, DAY_1) == D("2026-03-16")
    assert CAL.add_working_days(D("2026-03-16"), 2, DAY_1) == D("2026-03-17")
    # On a non-working start the two conventions agree.
    assert CAL.add_working_days(D("2026-03-14"), 1, DAY_1) == CAL.add_working_days(D("2026-03-14"), 1)


def test_between_is_signed_and_next_working_day():
    assert CAL.working_days_between(D("2026-03-17"), D("2026-03-27")) == 3
    assert CAL.working_days_between(D("2026-03-27"), D("2026-03-17")) == -3
    assert CAL.working_days_between(D("2026-03-17"), D("2026-03-17")) == 0
    assert CAL.next_working_day(D("2026-03-17")) == D("2026-03-25")


def test_office_overrides():
    office = {
        "id": "mpp", "timezone": "Asia/Makassar",
        "calendar": {
            "observe_cuti_bersama": False,
            "closures": [{"date": "2026-03-26", "name": "HUT Kota"}],
            "extra_service_days": [{"date": "2026-03-21", "name": "Layanan Sabtu MPP", "hours": "08:00-12:00"}],
            "office_hours": {"default": "07:30-16:00", "friday": "07:30-11:30"},
        },
    }
    cal = WorkingCalendar.from_office(office)
    assert cal.is_working_day(D("2026-03-18"))          # cuti bersama not observed
    assert not cal.is_working_day(D("2026-03-19"))      # Nyepi still off
    assert cal.is_working_day(D("2026-03-21"))          # the extra Saturday service day
    assert not cal.is_working_day(D("2026-03-26"))      # the office's own closure
    assert cal.add_working_days(D("2026-03-20"), 1) == D("2026-03-21")
    assert cal.due(D("2026-03-20"), 1).time() == dt.time(12, 0)
    assert cal.due(D("2026-03-26"), 1).time() == dt.time(11, 30)  # Friday 27th closes early


def test_a_unit_calendar_overrides_its_office():
    office = {"id": "kota", "timezone": "Asia/Makassar",
              "calendar": {"closures": [{"date": "2026-07-10", "name": "HUT Kota"}]},
              "units": [{"id": "mpp", "name": "MPP", "calendar": {
                  "observe_cuti_bersama": False,
                  "office_hours": {"default": "08:00-16:00", "saturday": "08:00-12:00"}}}]}
    office_cal = WorkingCalendar.from_office(office)
    mpp = WorkingCalendar.from_office(office, unit="mpp")
    assert not office_cal.is_working_day(D("2026-03-18")) and mpp.is_working_day(D("2026-03-18"))
    assert not office_cal.is_working_day(D("2026-03-14")) and mpp.is_working_day(D("2026-03-14"))
    assert not mpp.is_working_day(D("2026-07-10"))  # the office's closure holds for the unit too


LAST = max(y for y in range(2024, 2040) if CAL.covered(y))  # the package's last SKB (2027 in holidays 0.109)


def test_decree_in_yaml_covers_a_year_the_library_does_not():
    far = LAST + PROVISIONAL_YEARS + 1
    with pytest.raises(UncoveredYear) as err:
        CAL.add_working_days(D(f"{far}-02-01"), 1)
    assert str(far) in str(err.value) and "calendar.decrees" in str(err.value)
    day = D(f"{far}-06-01")
    while day.weekday() != 1:  # a Tuesday in June (no national holiday falls on all of them)
        day += dt.timedelta(days=1)
    office = {"id": "x", "timezone": "Asia/Makassar", "calendar": {"decrees": [
        {"year": far, "source": f"SKB uji {far}", "days": [
            {"date": day.isoformat(), "name": "Cuti Bersama Uji", "type": "cuti_bersama"}]}]}}
    cal = WorkingCalendar.from_office(office)
    assert cal.covered(far) and not cal.is_provisional(day) and not cal.is_working_day(day)
    monday = day - dt.timedelta(days=1)
    assert cal.is_working_day(monday) and cal.add_working_days(monday, 1) > day


def test_the_year_after_the_last_decree_counts_on_its_national_holidays_and_is_marked_provisional():
    """A 50-working-day case opened on 20 December of the last decree's year is due in the next year (no
    refusal): its national holidays count, its cuti bersama are not known yet, the due date is provisional."""
    start = D(f"{LAST}-12-20")
    due = CAL.add_working_days(start, 50)
    assert due.year == LAST + 1 and CAL.is_provisional(due) and not CAL.is_provisional(start)
    next_new_year = D(f"{LAST + 1}-01-01")
    assert not CAL.is_working_day(next_new_year)  # Tahun Baru Masehi, a national holiday
    assert all(d.kind == "libur_nasional" and d.estimated for d in CAL.national(LAST + 1))


def test_crossing_past_the_provisional_years_is_an_error_not_a_guess():
    with pytest.raises(UncoveredYear):
        CAL.add_working_days(D(f"{LAST + PROVISIONAL_YEARS}-12-20"), 30)


def test_time_zones_are_real():
    wita = WorkingCalendar(timezone="Asia/Makassar")
    due = wita.due(D("2026-03-17"), 3)
    assert due.tzinfo is not None and due.utcoffset() == dt.timedelta(hours=8)
    assert due.isoformat() == "2026-03-27T16:00:00+08:00"
    # 16:30 UTC on Monday is 00:30 Tuesday in WITA but 23:30 Monday in WIB: day 0 differs.
    late = dt.datetime(2026, 3, 16, 16, 30, tzinfo=dt.timezone.utc)
    assert wita.due(late, 1).date() == D("2026-03-25")
    assert WorkingCalendar(timezone="Asia/Jakarta").due(late, 1).date() == D("2026-03-17")
    with pytest.raises(ValueError):
        wita.due(dt.datetime(2026, 3, 16, 9, 0), 1)


def test_vectorised_matches_scalar():
    starts = np.arange(np.datetime64("2024-01-01"), np.datetime64("2026-11-30"))
    for n in (1, 3, 10):
        due = CAL.add_working_days_many(starts, n)
        expected = [CAL.add_working_days(s.astype(dt.date), n) for s in starts]
        assert [d.astype(dt.date) for d in due] == expected
    varying = CAL.add_working_days_many(starts[:5], np.array([0, 1, 2, 3, 4]))
    assert varying[0] == starts[0]
    between = CAL.working_days_between_many(starts[:-30], starts[30:])
    assert list(between[:3]) == [CAL.working_days_between(a.astype(dt.date), b.astype(dt.date))
                                 for a, b in zip(starts[:3], starts[30:33])]


@settings(max_examples=300, deadline=None)
@given(start=st.dates(D("2024-01-01"), D("2026-10-31")), n=st.integers(1, 40))
def test_adding_then_counting_back_gives_n(start, n):
    due = CAL.add_working_days(start, n)
    assert CAL.is_working_day(due)
    assert CAL.working_days_between(start, due) == n
    assert CAL.working_days_between(start, due - dt.timedelta(days=1)) == n - 1
    assert CAL.add_working_days(start, -n) < start or n == 0


def test_cli_deadline_and_calendar():
    proc = run_cli("deadline", "2026-03-17", "3")
    assert proc.returncode == 0 and proc.stdout.splitlines()[0] == "2026-03-27"
    explained = run_cli("deadline", "2026-03-17", "3", "--explain", "--office", "disdukcapil-kaltim")
    assert "2026-03-19  Kamis   dilewati: Hari Suci Nyepi (libur nasional)" in explained.stdout
    assert "WITA" in explained.stdout
    uncovered = run_cli("deadline", f"{LAST + PROVISIONAL_YEARS + 1}-01-05", "3")
    assert uncovered.returncode == 2 and "belum tersedia" in uncovered.stderr and "Traceback" not in uncovered.stderr
    provisional = run_cli("deadline", f"{LAST}-12-20", "50")
    assert provisional.returncode == 0 and f"Sementara: SKB cuti bersama {LAST + 1} belum ada" in provisional.stdout
    bad = run_cli("deadline", "2026-02-30", "3")
    assert bad.returncode == 2 and "tidak sah" in bad.stderr
    cal = run_cli("calendar", "2025", "--format", "json")
    listed = {row["date"] for row in __import__("json").loads(cal.stdout)}
    assert {d.isoformat() for d in OFFICIAL if d.year == 2025} == listed


def test_counting_on_a_fresh_calendar_builds_its_index_first():
    fresh = WorkingCalendar()
    assert fresh.working_days_between(dt.date(2026, 12, 23), dt.date(2026, 12, 28)) == 1
