"""The satisfaction survey in the case store (engine/survey/): one invitation per case answered once after the
case closed, anonymous responses, the kiosk, paper forms and imports, the results per service and period
under the office's convention, the follow-up plan, and the SKM report as HTML and PDF."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from engine.errors import Conflict, InvalidInput, NotFound
from engine.skm.answers import Answers, check
from engine.skm.index import ELEMENTS
from engine.skm.periods import parse
from engine.skm.questionnaire import questionnaire
from engine.skm.sheet import read
from engine.store.models import SurveyResponse
from engine.survey import followups, responses
from engine.survey.render import report_html, report_pdf
from engine.survey.results import results

from .histories import run_case

WITA = timezone(timedelta(hours=8))
OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"
DAY = date(2026, 12, 20)


def _answers(score: int = 4, **profile) -> Answers:
    return Answers({e: score for e in ELEMENTS}, {}, profile, "")


def test_an_invitation_is_answered_once_after_the_case_closed(service):
    case_id = run_case(service, STANDARD, None, None, "approve")  # closed (done)
    at = datetime(2026, 6, 20, 9, tzinfo=WITA)
    token = responses.invitation_for(service.store, case_id, at)
    assert responses.invitation_for(service.store, case_id, at) == token and len(token) >= 20
    responses.answer_invitation(service.store, token, _answers(3, sex="P"), DAY)
    with pytest.raises(Conflict, match="sudah diisi"):
        responses.answer_invitation(service.store, token, _answers(4), DAY)
    with pytest.raises(NotFound, match="tidak dikenal"):
        responses.answer_invitation(service.store, "palsu" + token[5:], _answers(4), DAY)
    with service.store.read() as s:
        (row,) = s.scalars(select(SurveyResponse)).all()
        assert row.u1 == 3 and row.channel == "daring" and row.sex == "P" and row.age is None
        assert row.standard_id == STANDARD and row.submitted_on == DAY and row.year == 2026 and row.quarter == 4
    # Anonymous: a response row names no case, no invitation, no moment finer than the day.
    columns = {c["name"] for c in inspect(service.store.engine).get_columns("survey_responses")}
    assert not columns & {"case_id", "token", "at", "submitted_at", "invitation_id"}


def test_an_open_case_cannot_be_surveyed_yet(service):
    standard = service.library.standard(STANDARD)
    case_id = service.open_case(STANDARD, {"nik": "6472015708900003", "name": "Budi"},
                                requirements=[r["id"] for r in standard.requirements(None, None, {})])
    token = responses.invitation_for(service.store, case_id, datetime(2026, 6, 20, tzinfo=WITA))
    with pytest.raises(InvalidInput, match="setelah layanan Anda selesai"):
        responses.answer_invitation(service.store, token, _answers(), DAY)


def test_a_form_missing_an_element_or_out_of_range_is_refused_by_field():
    q = questionnaire()
    form = {e: "4" for e in ELEMENTS}
    form.update({"U3": "", "U5": "7", "age": "200", "sex": "X", "suggestion": "a\x00b"})
    answers, errors = check(form, q)
    assert answers is None
    assert errors == {"U3": "pilih salah satu jawaban", "U5": "jawaban harus 1 sampai 4", "age": "umur 10 sampai 120 tahun",
                      "sex": "pilihan tidak dikenal",
                      "suggestion": "saran paling banyak 2000 karakter, tanpa karakter kendali"}
    good, none = check({**{e: "3" for e in ELEMENTS}, "age": "41", "education": "D4-S1"}, q)
    assert none == {} and good.scores["U9"] == 3 and good.profile == {"age": 41, "education": "D4-S1"}


def test_results_per_service_with_the_population_the_sample_and_the_plan(service):
    office = service.library.offices[OFFICE]
    for _ in range(3):
        run_case(service, STANDARD, None, None, "approve")  # served (closed as done) in December 2026
    for score in (4, 3):
        responses.record(service.store, OFFICE, STANDARD, None, "kios", _answers(score, sex="L"), DAY)
    paper = read(b"U1,U2,U3,U4,U5,U6,U7,U8,U9,saran\n2,2,2,2,2,2,2,2,2,Ruang tunggu panas\n")
    assert responses.import_responses(service.store, OFFICE, "kaltim-akses-data", None, paper, DAY,
                                      f"{OFFICE}.petugas_layanan") == 1
    responses.record(service.store, OFFICE, STANDARD, None, "kios", _answers(1), date(2027, 1, 4))  # next quarter
    period = parse("2026-Q4")
    followups.save(service.store, OFFICE, period, {"element": "U8", "action": "Pasang pendingin ruang tunggu",
                                                   "owner": "Sekretaris", "due_on": "2027-03-31"},
                   by=f"{OFFICE}.kepala_dinas", at=datetime(2026, 7, 2, tzinfo=WITA))
    found = results(service.store, office, period, titles={STANDARD: "Data agregat"})
    overall = found["overall"]
    assert overall.respondents == 3 and overall.totals["U1"] == 9 and overall.nrr["U1"] == 3.0
    assert overall.converted == 75.0 and overall.grade == "C"
    by_service = {g["standard"]: g for g in found["services"]}
    assert by_service[STANDARD]["result"].converted == 87.5 and by_service[STANDARD]["population"] == 3
    assert found["population"] == 3 and found["minimum"] == 3
    assert found["channels"] == {"kios": 2, "impor": 1} and found["suggestions"] == [("Ruang tunggu panas", 1)]
    assert found["profile"]["sex"] == {"L": 2}
    (item,) = found["plan"]
    with pytest.raises(Conflict):
        followups.save(service.store, OFFICE, period, {"element": "U8", "action": "x", "owner": "y", "version": 7},
                       by="a", at=datetime(2026, 7, 3, tzinfo=WITA), followup_id=item.id)
    with pytest.raises(InvalidInput):
        followups.save(service.store, OFFICE, period, {"element": "U10", "action": "x", "owner": "y"},
                       by="a", at=datetime(2026, 7, 3, tzinfo=WITA))
    html = report_html(found)
    assert "LAPORAN SURVEI KEPUASAN MASYARAKAT" in html and "Triwulan IV 2026" in html
    assert "75,00" in html and "Kurang baik" in html and "Pasang pendingin ruang tunggu" in html
    assert "Ruang tunggu panas" in html and "bobot 1/9" in html and "<svg" in html
    pdf = report_pdf(found)
    assert pdf.startswith(b"%PDF")
    empty = results(service.store, office, parse("2025"))
    assert empty["overall"] is None and "Belum ada jawaban survei" in report_html(empty)


def test_periods_are_quarters_semesters_and_years():
    assert parse("2026-q3").start == date(2026, 7, 1) and parse("2026-Q3").end == date(2026, 10, 1)
    assert parse("2026-S2").quarters == (3, 4) and parse("2026").end == date(2027, 1, 1)
    assert parse("2026-S1").name == "Semester I 2026" and parse("2026").name == "Tahun 2026"
    for bad in ("2026-Q5", "26", "kemarin", "", "1999"):
        with pytest.raises(ValueError, match="tidak dikenal"):
            parse(bad)


def test_import_and_report_on_the_command_line(service, database_url, tmp_path):
    from .conftest import run_cli

    env = {"LAYANAN_DATABASE_URL": database_url}
    sheet = tmp_path / "kertas.csv"
    sheet.write_text("U1,U2,U3,U4,U5,U6,U7,U8,U9,saran\n4,4,4,4,4,4,4,4,4,Bagus\n3,3,3,3,3,3,3,3,3,\n")
    done = run_cli("skm", "impor", str(sheet), "--office", OFFICE, "--standard", STANDARD, env=env)
    assert done.returncode == 0, done.stderr
    assert "2 jawaban tersimpan" in done.stdout
    wrong = run_cli("skm", "impor", str(sheet), "--office", "kantor-lain", env=env)
    assert wrong.returncode != 0 and "tidak dikenal" in wrong.stderr and "Traceback" not in wrong.stderr
    with service.store.read() as s:
        day = s.scalar(select(SurveyResponse.submitted_on))
    period = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    text = run_cli("skm", "laporan", "--office", OFFICE, "--periode", period, env=env)
    assert text.returncode == 0 and "2 responden" in text.stdout and "IKM konversi 87,50" in text.stdout
    as_json = json.loads(run_cli("skm", "laporan", "--office", OFFICE, "--periode", period, "--format", "json",
                                 env=env).stdout)
    assert as_json["overall"]["grade"] == "B" and as_json["services"][0]["standard"] == STANDARD
    pdf = tmp_path / "skm.pdf"
    assert run_cli("skm", "laporan", "--office", OFFICE, "--periode", period, "--format", "pdf", "--out", str(pdf),
                   env=env).returncode == 0 and pdf.read_bytes().startswith(b"%PDF")
    bad = run_cli("skm", "laporan", "--office", OFFICE, "--periode", "kemarin", env=env)
    assert bad.returncode != 0 and "periode 'kemarin' tidak dikenal" in bad.stderr


def test_results_per_service_point(service):
    """Balikpapan's kecamatan units: the applicants' links carry their case's unit, and the report compares
    the service points."""
    office = service.library.offices["disdukcapil-balikpapan"]
    for unit, score in (("kec-balikpapan-barat", 4), ("kec-balikpapan-kota", 2)):
        responses.record(service.store, office.id, "balikpapan-cetak-ktp-el", unit, "kios", _answers(score), DAY)
    found = results(service.store, office, parse("2026-Q4"))
    by_unit = {u["name"]: u["result"].converted for u in found["units"]}
    assert by_unit == {"Kantor Kecamatan Balikpapan Barat": 100.0, "Kantor Kecamatan Balikpapan Kota": 50.0}
    assert "Per tempat layanan" in report_html(found) and "Kantor Kecamatan Balikpapan Kota" in report_html(found)
