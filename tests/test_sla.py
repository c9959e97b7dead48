"""SLA monitoring with the clock under control: across a weekend, national holidays and cuti bersama (Nyepi
and Idul Fitri 2026), with a return to the applicant; marks and escalations are events, reached once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.sla.monitor import run_pass
from engine.store.models import Case, Event, Task

WITA = ZoneInfo("Asia/Makassar")
OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"  # 3 working days; at risk on the due day (75% of the time used)


def wita(*parts):
    return datetime(*parts, tzinfo=WITA)


@pytest.fixture
def case_id(service, library):
    reqs = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    # Complete at the counter on Monday 16 March 2026: day 1 is Tuesday 17th, then Nyepi, Idul Fitri and
    # their cuti bersama close the office from Wednesday 18th to Tuesday 24th: day 2 is the 25th, day 3 the 26th.
    return service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs, actor=f"{OFFICE}.petugas_layanan",
                             at=wita(2026, 3, 16, 10, 0))


def _sla_events(service, case_id):
    with service.store.read() as s:
        return [(e.kind, e.data.get("level"), e.data.get("to_role"), e.data.get("role"))
                for e in s.scalars(select(Event).where(Event.case_id == case_id, Event.kind.like("sla_%"))
                                   .order_by(Event.id))]


def test_marks_and_escalations_follow_the_working_day_calendar(service, case_id):
    with service.store.read() as s:
        case = s.get(Case, case_id)
        assert case.due_at == wita(2026, 3, 26, 16, 0)
        assert case.sla_next_at == wita(2026, 3, 26, 8, 0)  # the due day's opening: at risk from then

    # Through the holidays nothing happens, and a pass reads no case at all.
    assert run_pass(service.store, wita(2026, 3, 24, 12, 0)).checked == 0
    assert _sla_events(service, case_id) == []

    at_risk = run_pass(service.store, wita(2026, 3, 26, 9, 0))
    assert (at_risk.checked, at_risk.at_risk, at_risk.escalations) == (1, 1, 1)
    assert _sla_events(service, case_id) == [("sla_at_risk", None, None, "operator"),
                                             ("sla_escalated", 1, "subkoor_dafduk_capil", "operator")]
    assert run_pass(service.store, wita(2026, 3, 26, 15, 59)).checked == 0  # same state: nothing changes

    run_pass(service.store, wita(2026, 3, 26, 16, 1))  # past the due time
    assert _sla_events(service, case_id)[2:] == [("sla_breached", None, None, "operator"),
                                                 ("sla_escalated", 2, "kabid_fasilitasi", "operator")]
    run_pass(service.store, wita(2026, 3, 27, 16, 31))  # one more working day (Friday closes at 16.30)
    assert _sla_events(service, case_id)[4:] == [("sla_escalated", 3, "kepala_dinas", "operator")]
    with service.store.read() as s:
        case = s.get(Case, case_id)
        assert (case.sla_mark, case.sla_level, case.sla_next_at) == ("late", 3, None)
    assert run_pass(service.store, wita(2026, 4, 30, 12, 0)).checked == 0
    assert len(_sla_events(service, case_id)) == 5


def test_a_late_monitor_catches_up_in_order(service, case_id):
    summary = run_pass(service.store, wita(2026, 3, 30, 9, 0))  # the monitor did not run for days
    assert (summary.at_risk, summary.late, summary.escalations) == (1, 1, 3)
    assert [k for k, *_ in _sla_events(service, case_id)] == ["sla_at_risk", "sla_escalated", "sla_breached",
                                                               "sla_escalated", "sla_escalated"]


def test_the_clock_stops_while_the_applicant_holds_the_file(service, case_id):
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
    service.complete(task.id, f"{OFFICE}.operator", data={"jenis_data": "agregat", "wilayah": "Samarinda",
                                                          "periode": "2026"}, at=wita(2026, 3, 17, 9, 0))
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
    service.complete(task.id, f"{OFFICE}.subkoor_piak", outcome="lengkapi", reason="Wilayah belum jelas",
                     at=wita(2026, 3, 17, 10, 0))
    with service.store.read() as s:
        assert s.get(Case, case_id).sla_next_at is None
    # Long past the original due date, but the applicant holds the file: no mark.
    assert run_pass(service.store, wita(2026, 4, 2, 12, 0)).checked == 0
    assert _sla_events(service, case_id) == []
    # The applicant comes back on Monday 6 April. The file was away 8 working days (25, 26, 27, 30, 31 March,
    # 1, 2 and 6 April; 3 April is Good Friday), so the due date moves from 26 March by 8 working days.
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
    service.complete(task.id, f"{OFFICE}.petugas_layanan", requirements=["surat_permohonan"],
                     at=wita(2026, 4, 6, 9, 0))
    with service.store.read() as s:
        case = s.get(Case, case_id)
        due, next_at = case.due_at, case.sla_next_at
    assert due == wita(2026, 4, 8, 16, 0) and next_at == wita(2026, 4, 8, 8, 0)
    assert run_pass(service.store, wita(2026, 4, 6, 12, 0)).escalations == 0
    run_pass(service.store, due.replace(minute=1))
    assert [k for k, *_ in _sla_events(service, case_id)][:3] == ["sla_at_risk", "sla_escalated", "sla_breached"]


def test_closed_cases_are_never_marked(service, library, case_id):
    from engine.cases.simulate import Scenario, act_on_open_tasks

    at = wita(2026, 3, 17, 9, 0)
    for _ in range(8):
        act_on_open_tasks(service, case_id, Scenario("reject"), at=at)
    with service.store.read() as s:
        case = s.get(Case, case_id)
        assert case.status == "rejected" and case.sla_next_at is None
    assert run_pass(service.store, wita(2026, 4, 30, 12, 0)).checked == 0


def test_sla_check_command(service, case_id):
    from .conftest import run_cli

    env = {"LAYANAN_DATABASE_URL": service.store.url}
    done = run_cli("sla", "check", "--at", "2026-03-26T16:30+08:00", env=env)
    assert done.returncode == 0, done.stderr
    assert "1 kasus diperiksa: 1 berisiko, 1 terlambat, 2 eskalasi" in done.stdout
    again = run_cli("sla", "check", "--at", "2026-03-26T16:30+08:00", env=env)
    assert "0 kasus diperiksa" in again.stdout
    bad = run_cli("sla", "check", "--at", "2026-03-26T16:30", env=env)
    assert bad.returncode != 0 and "zona" in bad.stderr


def test_supervisors_see_the_cases_escalated_to_them(service, case_id):
    from engine.cases.queries import escalations

    run_pass(service.store, wita(2026, 3, 26, 9, 0))  # at risk: escalated to the operator's superior
    first = escalations(service.store, office=OFFICE, roles=["subkoor_dafduk_capil"])
    assert [(e["level"], e["role"], e["mark"]) for e in first] == [(1, "operator", "at_risk")]
    assert escalations(service.store, office=OFFICE, roles=["kabid_fasilitasi"]) == []
    run_pass(service.store, wita(2026, 3, 26, 16, 1))
    assert [e["level"] for e in escalations(service.store, office=OFFICE, roles=["kabid_fasilitasi"])] == [2]
    assert escalations(service.store, office="disdukcapil-balikpapan", roles=["kabid_fasilitasi"]) == []
