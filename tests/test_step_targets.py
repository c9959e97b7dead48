"""A step's own target (``target`` in the standard) gives its task a due time, in working days or in
office hours; an overdue step shows in the worklist and counts in the report, apart from the case's own
time limit."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.calendar.workcal import WorkingCalendar
from engine.cases.queries import worklist
from engine.cases.simulate import SAMPLE_APPLICANT, sample_data
from engine.reports.report import build
from engine.store.models import Case, Task

WITA = ZoneInfo("Asia/Makassar")
OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"  # penerimaan {hours: 1}, pengolahan {working_days: 2}, verifikasi {hours: 3}


def test_office_hours_are_counted_across_closing_time_weekends_and_holidays():
    calendar = WorkingCalendar("Asia/Makassar")
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=WITA)
    assert calendar.add_working_time(friday, timedelta(hours=3)) == datetime(2026, 12, 7, 10, 0, tzinfo=WITA)
    before_opening = datetime(2026, 12, 7, 6, 30, tzinfo=WITA)
    assert calendar.add_working_time(before_opening, timedelta(hours=1)) == datetime(2026, 12, 7, 9, 0, tzinfo=WITA)
    after_closing = datetime(2026, 12, 7, 19, 0, tzinfo=WITA)
    assert calendar.add_working_time(after_closing, timedelta(minutes=30)) == datetime(2026, 12, 8, 8, 30,
                                                                                       tzinfo=WITA)
    # Christmas (25 Dec) and its cuti bersama (24 Dec) and the weekend are not office time.
    christmas_eve = datetime(2026, 12, 23, 15, 0, tzinfo=WITA)
    assert calendar.add_working_time(christmas_eve, timedelta(hours=2)) == datetime(2026, 12, 28, 9, 0, tzinfo=WITA)
    exact = datetime(2026, 12, 7, 8, 0, tzinfo=WITA)
    assert calendar.add_working_time(exact, timedelta(hours=8)) == datetime(2026, 12, 7, 16, 0, tzinfo=WITA)


def _task(service, case_id, step):
    with service.store.read() as s:
        return s.scalar(select(Task).where(Task.case_id == case_id, Task.step_id == step))


def test_each_task_gets_its_steps_due_time_and_is_late_after_it(service, library):
    standard = library.standard(STANDARD)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=WITA)
    requirements = [r["id"] for r in standard.requirements(None, None, {})]
    case_id = service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=requirements,
                                actor=f"{OFFICE}.petugas_layanan", at=monday)
    intake = _task(service, case_id, "penerimaan")
    assert intake.step_due_at == datetime(2026, 12, 7, 10, 0, tzinfo=WITA)  # one office hour
    processing = _task(service, case_id, "pengolahan")
    assert processing.step_due_at == datetime(2026, 12, 9, 16, 0, tzinfo=WITA)  # two working days, closing

    def row(at):
        return next(r for r in worklist(service.store, office=OFFICE, roles=["operator"], at=at)
                    if r["task"] == processing.id)

    assert not row(datetime(2026, 12, 9, 15, 0, tzinfo=WITA))["step_late"]
    late = row(datetime(2026, 12, 10, 9, 0, tzinfo=WITA))
    assert late["step_late"] and late["sla"]["status"] != "late"  # the step is late; the case is not (yet)

    thursday = datetime(2026, 12, 10, 9, 0, tzinfo=WITA)
    with service.store.read() as s:
        data = sample_data(standard.procedure.by_id["pengolahan"], s.get(Case, case_id))
    service.complete(processing.id, f"{OFFICE}.operator", data=data, at=thursday)
    verification = _task(service, case_id, "verifikasi")
    assert verification.step_due_at == datetime(2026, 12, 10, 12, 0, tzinfo=WITA)  # three office hours
    report = build(service.store, OFFICE, date(2026, 12, 1), date(2026, 12, 31),
                   at=datetime(2026, 12, 10, 9, 30, tzinfo=WITA))
    group = next(g for g in report["groups"] if g["standard"] == STANDARD)
    assert [{k: t[k] for k in ("step", "role", "tasks")} for t in group["steps_over_target"]] == [
        {"step": "pengolahan", "role": "operator", "tasks": 1}]
    assert group["steps_over_target"][0]["step_name"] == "Pengolahan data agregat/tematik"
