"""The auditors' report on a controlled history: one case on time, one late (with the step that held it),
one returned and then done, one rejected, one still open and late."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.reports import render
from engine.reports.report import build
from engine.sla.monitor import run_pass
from engine.store.models import Task

from .conftest import run_cli

WITA = ZoneInfo("Asia/Makassar")
OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"
FORM = {"jenis_data": "agregat", "wilayah": "Samarinda", "periode": "2026"}


def wita(*parts):
    return datetime(*parts, tzinfo=WITA)


def _step(service, case_id, at, outcome=None, reason=None, data=None, requirements=None):
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open", Task.role != "sistem"))
        system = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open", Task.role == "sistem"))
    if system is not None:
        service.run_automated(system.id, at=at)
        return
    from engine.standard.kinds import KINDS

    from .conftest import signing_proof

    who = f"{OFFICE}.{task.role}"
    proof = signing_proof(service, who, at) if KINDS[task.kind].asks_passphrase else None
    service.complete(task.id, who, outcome=outcome, reason=reason, data=data, requirements=requirements,
                     proof=proof, at=at)


@pytest.fixture
def history(service, library):
    reqs = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]

    def open_case(at):
        return service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs,
                                 actor=f"{OFFICE}.petugas_layanan", at=at)

    def through(case_id, days):  # form, approve, numbering, signature, hand-over on the given days
        _step(service, case_id, days[0], data=FORM)
        _step(service, case_id, days[1], outcome="setuju")
        _step(service, case_id, days[1])
        _step(service, case_id, days[2])
        _step(service, case_id, days[2])

    on_time = open_case(wita(2026, 6, 1, 9))  # Monday; due Thursday 4 June 16.00
    through(on_time, [wita(2026, 6, 2, 9), wita(2026, 6, 3, 9), wita(2026, 6, 3, 11)])

    late = open_case(wita(2026, 6, 1, 9))
    _step(service, late, wita(2026, 6, 2, 9), data=FORM)  # the verifier sits on it past the due date
    run_pass(service.store, wita(2026, 6, 5, 9))
    through_rest = [wita(2026, 6, 8, 9), wita(2026, 6, 8, 10), wita(2026, 6, 8, 11)]
    _step(service, late, through_rest[0], outcome="setuju")
    _step(service, late, through_rest[0])
    _step(service, late, through_rest[1])
    _step(service, late, through_rest[2])

    returned = open_case(wita(2026, 6, 1, 9))
    _step(service, returned, wita(2026, 6, 1, 10), data=FORM)
    _step(service, returned, wita(2026, 6, 1, 11), outcome="perbaiki", reason="Periode salah")
    through(returned, [wita(2026, 6, 2, 9), wita(2026, 6, 2, 10), wita(2026, 6, 2, 11)])

    rejected = open_case(wita(2026, 6, 1, 9))
    _step(service, rejected, wita(2026, 6, 1, 10), data=FORM)
    _step(service, rejected, wita(2026, 6, 1, 11), outcome="tolak", reason="Bukan kewenangan provinsi")

    open_case(wita(2026, 6, 8, 9))  # still open: due Thursday 11 June, late by the 12th
    run_pass(service.store, wita(2026, 6, 12, 9))
    return service


def test_report_figures(history):
    report = build(history.store, OFFICE, date(2026, 6, 1), date(2026, 6, 30))
    (g,) = report["groups"]
    assert (g["received"], g["completed"], g["on_time"], g["rejected"]) == (5, 3, 2, 1)
    assert g["on_time_pct"] == pytest.approx(66.7)
    # working days from clock start to closing: 2 (1 -> 3 June), 1 (1 -> 2 June), 5 (1 -> 8 June)
    assert g["median_working_days"] == 2 and g["p90_working_days"] == pytest.approx(4.4)
    assert (g["open_late"], g["breaches"]) == (1, 2)
    assert {(b["step"], b["role"]) for b in g["breach_steps"]} == {("verifikasi", "subkoor_piak"),
                                                                    ("pengolahan", "operator")}
    assert g["returns"] == [{"reason": "Periode salah", "count": 1}]
    assert g["rejections"] == [{"reason": "Bukan kewenangan provinsi", "count": 1}]
    assert g["products_issued"] == 3
    empty = build(history.store, OFFICE, date(2026, 7, 1), date(2026, 7, 31))
    assert empty["totals"]["received"] == 0


def test_report_formats(history, tmp_path):
    report = build(history.store, OFFICE, date(2026, 6, 1), date(2026, 6, 30))
    text = render.as_text(report)
    assert "kaltim-data-agregat" in text and "Periode salah" in text and "verifikasi (subkoor_piak)" in text
    assert render.as_csv(report).splitlines()[0].startswith("standard,variant,channel,received")
    assert json.loads(render.as_json(report))["totals"]["completed"] == 3
    html = render.as_html(report)
    assert "<svg" in html and "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'http-equiv="Content-Security-Policy"', "")
    assert "default-src 'none'" in html  # the standalone file fetches nothing and runs no script
    env = {"LAYANAN_DATABASE_URL": history.store.url}
    done = run_cli("report", "--office", OFFICE, "--from", "2026-06-01", "--to", "2026-06-30", "--format", "json",
                   env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["received"] == 5
    bad = run_cli("report", "--office", "tidak-ada", "--from", "2026-06-01", "--to", "2026-06-30", env=env)
    assert bad.returncode != 0 and "tidak dikenal" in bad.stderr
