"""The simulation's numbers from the case store (engine/capacity/simulation.py runs them): a standard's
path of steps for a variant and channel, each officers' step's measured handling times (claimed to
completed), the arrivals per working day over the period observed, the officers per role from the office's
Jumlah Pelaksana (``count``) or a what-if, the office's hours and the standard's time limit.

Without history a step takes its ``target`` when the standard gives one in minutes or hours (the office's
own expectation); a target in working days is a wait outside the office (another agency), not an officer's
work; a step with neither takes its kind's typical minutes. The notes say which numbers were measured,
given, taken from the standard or assumed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from engine.calendar.workcal import WorkingCalendar
from engine.capacity.simulation import Model, StepModel
from engine.errors import InvalidInput, NotFound
from engine.standard import wording
from engine.standard.durations import Duration
from engine.standard.flow import evaluate
from engine.standard.kinds import kind_of
from engine.store.models import Case, Task

TARGET_AS_WORK = 60  # a step's target up to an hour reads as the work; a longer one is a time limit, not effort
MAX_HANDLING_MINUTES = 8 * 60  # a claim held past a working day measures the officer's absence, not the work


def path(standard, variant=None, channel=None) -> list[dict]:
    """The steps a case of this variant and channel goes through when every step approves, in order."""
    by_id, order = standard.procedure.by_id, standard.procedure.order
    steps, current, seen = [], order[0] if order else None, set()
    while current and current != "end" and current not in seen:
        seen.add(current)
        step = by_id[current]
        if evaluate(step.get("when"), variant, channel, None) is not False:
            steps.append(step)
        following = (step.get("outcomes") or {})
        approving = next((o.get("next") for o in following.values() if o.get("action", "approve") == "approve"
                          and o.get("next")), None)
        current = approving or step.get("next") or standard.procedure.default_next(current)
    return steps


def measured(store, standard_id: str, since: datetime) -> dict[str, list[float]]:
    """Handling times (minutes) of each step, claimed to completed, of cases received since ``since``."""
    found: dict[str, list[float]] = {}
    with store.read() as s:
        rows = s.execute(select(Task.step_id, Task.claimed_at, Task.completed_at).join(Case, Case.id == Task.case_id)
                         .where(Case.standard_id == standard_id, Case.received_at >= since, Task.status == "done",
                                Task.claimed_at.is_not(None))).all()
    for step_id, claimed, completed in rows:
        minutes = (completed - claimed).total_seconds() / 60
        if 0 <= minutes <= MAX_HANDLING_MINUTES:
            found.setdefault(step_id, []).append(minutes)
    return found


def arrivals_per_day(store, standard_id: str, calendar: WorkingCalendar, since: date, until: date) -> float | None:
    with store.read() as s:
        count = s.scalar(select(func.count()).select_from(Case).where(
            Case.standard_id == standard_id, Case.parent_id.is_(None),
            Case.received_at >= datetime.combine(since, time.min, tzinfo=calendar.tz),
            Case.received_at < datetime.combine(until + timedelta(days=1), time.min, tzinfo=calendar.tz)))
    days = calendar.working_days_between(since - timedelta(days=1), until)
    return count / days if count and days > 0 else None


def _minutes(target: dict | None) -> float | None:
    if not target:
        return None
    if "minutes" in target:
        return float(target["minutes"])
    if "hours" in target:
        return float(target["hours"]) * 60
    return None


def day_minutes(calendar: WorkingCalendar, around: date) -> float:
    day = calendar.next_working_day(around - timedelta(days=1))
    opening, closing = calendar.office_hours(day)
    return (datetime.combine(day, closing) - datetime.combine(day, opening)).total_seconds() / 60


def model_for(store, library, standard_id: str, *, until: date, variant=None, channel=None, officers=None,
              arrivals=None, handling=None, days: int = 250, observe_days: int = 90) -> tuple[Model, list[str]]:
    """The model of a standard at its office, and notes on where each number came from."""
    try:
        standard = library.standard(standard_id)
    except Exception:
        raise NotFound(f"standar '{standard_id}' tidak dikenal", "standard") from None
    office = standard.office
    if variant is None and channel is None and standard.combinations():
        variant, channel = standard.combinations()[0]  # the standard's first variant and channel
    calendar = WorkingCalendar.from_office(office.data)
    since = until - timedelta(days=observe_days)
    notes = []
    times = measured(store, standard.id, datetime.combine(since, time.min, tzinfo=calendar.tz)) if store else {}
    limit = standard.time_limit(variant)
    minutes_per_day = day_minutes(calendar, until)
    steps = []
    for step in path(standard, variant, channel):
        kind = kind_of(step)
        if not kind.by_officer:
            continue
        target = step.get("target") or {}
        given = (handling or {}).get(step["id"])
        if given is not None:
            steps.append(StepModel(step["id"], step["role"], (float(given),)))
            notes.append(f"{step['id']}: {given:g} menit (diberikan)")
        elif len(times.get(step["id"], [])) >= 5:
            steps.append(StepModel(step["id"], step["role"], tuple(times[step["id"]])))
            notes.append(f"{step['id']}: {len(times[step['id']])} waktu terukur")
        elif _minutes(target) is not None and _minutes(target) <= TARGET_AS_WORK:
            steps.append(StepModel(step["id"], step["role"], (_minutes(target),)))
            notes.append(f"{step['id']}: target standar {_minutes(target):g} menit (belum cukup riwayat)")
        elif "working_days" in target:
            steps.append(StepModel(step["id"], step["role"], (15.0,)))
            steps.append(StepModel(step["id"] + ".tunggu", None, (), delay=target["working_days"] * minutes_per_day))
            notes.append(f"{step['id']}: menunggu {target['working_days']} hari kerja di luar kantor, 15 menit kerja petugas")
        else:
            steps.append(StepModel(step["id"], step["role"], (kind.typical_minutes,)))
            notes.append(f"{step['id']}: perkiraan {kind.typical_minutes:g} menit untuk langkah {kind.label} "
                         f"(belum ada riwayat; ukur, atau berikan --handling {step['id']}=MENIT)")
    per_day = arrivals if arrivals is not None else (arrivals_per_day(store, standard.id, calendar, since, until)
                                                     if store else None)
    if per_day is None:
        raise InvalidInput(f"belum ada riwayat permohonan {standard.id} dalam {observe_days} hari terakhir: "
                           f"berikan --arrivals (permohonan per hari kerja)", "arrivals")
    notes.append(f"kedatangan: {per_day:.2f} per hari kerja".replace(".", ",") + (" (diberikan)" if arrivals is not None else
                                                               f" (riwayat {observe_days} hari)"))
    staff = {role: int((office.roles.get(role) or {}).get("count") or 1) for role in {s.role for s in steps if s.role}}
    for role, count in (officers or {}).items():
        if role not in office.roles:
            raise InvalidInput(f"peran '{role}' tidak ada di {office.name}", "officers")
        if count < 1:
            raise InvalidInput(f"peran '{role}' harus memiliki minimal 1 petugas", "officers")
        staff[role] = count
    duration = Duration.of(limit)
    limit_days, limit_minutes = None, None
    if duration is not None and duration.unit.key in ("hours", "minutes"):
        limit_minutes = duration.working_days * minutes_per_day  # office time, as the simulation counts it
    elif duration is not None:
        limit_days = duration.working_days  # calendar days, months and hours round the clock: their worth
    return Model(tuple(steps), staff, per_day, limit_days, minutes_per_day, days,
                 limit_minutes=limit_minutes, limit_text=wording.time_limit_short(limit)), notes
