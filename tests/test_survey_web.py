"""The survey in the web application: the applicant's link from the receipt and the status page, answered once
after the case closed; the kiosk; paper forms and imports; the results page with the report and the
follow-up plan; the published results without the respondents' own words. In-process, at fixed moments."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.skm.index import ELEMENTS
from engine.store.models import Case, SurveyFollowUp, SurveyResponse

from .conftest import post_sign_in, web_app
from .histories import run_case

PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"
WITA = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 14, 10, tzinfo=WITA)


@pytest.fixture
def web(service, monkeypatch, tmp_path):
    from engine.web import survey_pages, survey_public
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    for module in ("engine.web.survey_public", "engine.web.survey_pages", "engine.web.case_pages",
                   "engine.web.public", "engine.cases.service"):
        monkeypatch.setattr(f"{module}.now", lambda: NOW, raising=False)
    monkeypatch.setattr(survey_public, "SUBMISSIONS", survey_public.Window(limit=20, seconds=3600))
    clock = [0.0]
    monkeypatch.setattr(survey_pages, "KIOSK", survey_pages.Window(limit=1, seconds=15, clock=lambda: clock[0]))
    hashed = hash_password(PASSWORD)
    for role in ("petugas_layanan", "operator", "kepala_dinas"):
        service.directory.set_password(f"{OFFICE}.{role}", hashed)
    return service, clock


def _client(service, role=None):
    client = TestClient(web_app(service))
    if role:
        assert post_sign_in(client, f"{OFFICE}.{role}", PASSWORD, follow_redirects=False).status_code == 303
    return client


def _csrf(text):
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)


def _full(score="4", **more):
    return {**{e: score for e in ELEMENTS}, **more}


def _count(service):
    with service.store.read() as s:
        return s.scalar(select(func.count()).select_from(SurveyResponse))


def _survey_path(text):
    return re.search(r"http://testserver(/survei/[A-Za-z0-9_-]{20,})", text).group(1)


def test_the_applicant_answers_once_from_the_receipt_after_the_case_closed(web):
    service, _ = web
    case_id = run_case(service, STANDARD, None, None, "approve")
    with service.store.read() as s:
        case = s.get(Case, case_id)
    officer = _client(service, "petugas_layanan")
    receipt = officer.get(f"/kasus/{case.number}/tanda-terima").text
    path = _survey_path(receipt)
    assert "Kode QR survei kepuasan" in receipt
    assert path in officer.get(f"/kasus/{case.number}").text  # shown at hand-over
    letter = officer.get(f"/kasus/{case.number}/dokumen/surat_jawaban").text
    assert path in letter and "Mohon nilai pelayanan kami" in letter  # and on the product (signed earlier)
    status = _client(service).get(f"/status?kode={case.receipt_code}").text
    assert f"http://testserver{path}" in status and "isi survei kepuasan" in status
    citizen = _client(service)
    form = citizen.get(path).text
    assert form.count('type="radio"') == 36 and "Bagaimana pendapat Saudara tentang kesesuaian persyaratan" in form
    assert "Pemanfaatan Data dan Informasi Kependudukan" in form
    assert case.applicant["name"] not in form and case.applicant["nik"] not in form
    missing = citizen.post(path, data={k: v for k, v in _full().items() if k != "U4"}, headers={"origin": "http://testserver"})
    assert missing.status_code == 400 and "pilih salah satu jawaban" in missing.text and _count(service) == 0
    assert 'value="4" checked' in missing.text  # what was chosen stays chosen
    done = citizen.post(path, data=_full("3", suggestion="<script>alert(1)</script> antrean lama", sex="P"),
                        headers={"origin": "http://testserver"})
    assert done.status_code == 200 and "Terima kasih" in done.text and _count(service) == 1
    again = citizen.post(path, data=_full("1"), headers={"origin": "http://testserver"})
    assert again.status_code == 409 and "sudah diisi" in again.text and _count(service) == 1
    assert "sudah diisi" in citizen.get(path).text
    forged = citizen.post(path[:-4] + "XXXX", data=_full(), headers={"origin": "http://testserver"})
    assert forged.status_code == 404 and _count(service) == 1
    head = _client(service, "kepala_dinas")
    report = head.get("/skm?periode=2026-Q4").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; antrean lama" in report and "<script>alert" not in report


def test_an_open_case_waits_and_a_flood_from_one_address_is_stopped(web):
    service, _ = web
    standard = service.library.standard(STANDARD)
    case_id = service.open_case(STANDARD, {"nik": "6472015708900003", "name": "Budi"},
                                requirements=[r["id"] for r in standard.requirements(None, None, {})])
    with service.store.read() as s:
        number = s.get(Case, case_id).number
    path = _survey_path(_client(service, "petugas_layanan").get(f"/kasus/{number}/tanda-terima").text)
    citizen = _client(service)
    assert "setelah layanan Anda selesai" in citizen.get(path).text
    refused = citizen.post(path, data=_full(), headers={"origin": "http://testserver"})
    assert refused.status_code == 400 and _count(service) == 0
    for _ in range(19):
        citizen.post("/survei/bukan-token-sama-sekali-xx", data=_full(), headers={"origin": "http://testserver"})
    flood = citizen.post(path, data=_full(), headers={"origin": "http://testserver"})
    assert flood.status_code == 429 and "Terlalu banyak" in flood.text
    assert citizen.post(path, data=_full(), headers={"origin": "https://penipu.example"}).status_code == 403


def test_kiosk_paper_and_import(web):
    service, clock = web
    front = _client(service, "petugas_layanan")
    page = front.get("/survei/kios").text
    csrf = _csrf(page)
    assert "Kios survei" in page and STANDARD in page
    ok = front.post("/survei/kios", data=_full("4", csrf=csrf, standard=STANDARD))
    assert ok.status_code == 200 and "Terima kasih" in ok.text and "Responden berikutnya" in ok.text
    too_fast = front.post("/survei/kios", data=_full("4", csrf=csrf, standard=STANDARD))
    assert too_fast.status_code == 400 and "terlalu cepat" in too_fast.text and _count(service) == 1
    clock[0] += 16
    assert front.post("/survei/kios", data=_full("3", csrf=csrf)).status_code == 200 and _count(service) == 2
    unknown = front.post("/skm/kertas", data=_full("2", csrf=csrf, standard="bukan-layanan", day="2026-12-10"))
    assert unknown.status_code == 400 and "layanan tidak dikenal" in unknown.text
    future = front.post("/skm/kertas", data=_full("2", csrf=csrf, day="2027-01-10"))
    assert future.status_code == 400 and "tanggal formulir tidak wajar" in future.text
    paper = front.post("/skm/kertas", data=_full("2", csrf=csrf, standard=STANDARD, day="2026-12-10"))
    assert paper.status_code == 200 and "Formulir tersimpan" in paper.text and _count(service) == 3
    bad = b"U1,U2,U3,U4,U5,U6,U7,U8,U9\n4,4,4,4,4,4,4,4,4\n4,4,4,4,9,4,4,4,4\n"
    refused = front.post("/skm/impor", data={"csrf": csrf, "standard": STANDARD},
                         files={"berkas": ("isian.csv", bad, "text/csv")})
    assert refused.status_code == 400 and "baris 3: U5 harus 1, 2, 3 atau 4" in refused.text and _count(service) == 3
    good = bad.replace(b",9,", b",3,")
    imported = front.post("/skm/impor", data={"csrf": csrf, "standard": STANDARD},
                          files={"berkas": ("isian.csv", good, "text/csv")})
    assert "2 jawaban tersimpan" in imported.text and _count(service) == 5
    with service.store.read() as s:
        channels = dict(s.execute(select(SurveyResponse.channel, func.count()).group_by(SurveyResponse.channel)).all())
        typed = s.scalar(select(SurveyResponse.entered_by).where(SurveyResponse.channel == "kertas"))
    assert channels == {"kios": 2, "kertas": 1, "impor": 2} and typed == f"{OFFICE}.petugas_layanan"


def test_results_the_report_and_the_follow_up_plan(web):
    service, _ = web
    front = _client(service, "petugas_layanan")
    csrf = _csrf(front.get("/survei/kios").text)
    front.post("/skm/kertas", data=_full("3", csrf=csrf, standard=STANDARD, day="2026-12-01"))
    page = front.get("/skm?periode=2026-Q4").text
    assert "LAPORAN SURVEI KEPUASAN MASYARAKAT" in page and "Triwulan IV 2026" in page and "75,00" in page
    assert "Isi rencana tindak lanjut" not in page  # the plan is the head's
    refused = front.post("/skm/rencana", data={"csrf": csrf, "periode": "2026-Q4", "element": "U3", "action": "x",
                                                "owner": "y"})
    assert refused.status_code == 403
    head = _client(service, "kepala_dinas")
    page = head.get("/skm?periode=2026-Q4").text
    assert "Isi rencana tindak lanjut Triwulan IV 2026" in page
    saved = head.post("/skm/rencana", data={"csrf": _csrf(page), "periode": "2026-Q4", "element": "U3",
                                            "action": "Tambah petugas loket pada jam sibuk", "owner": "Sekretaris",
                                            "due_on": "2027-03-31"}, follow_redirects=False)
    assert saved.status_code == 303
    page = head.get("/skm?periode=2026-Q4").text
    assert "Tambah petugas loket pada jam sibuk" in page and "Direncanakan" in page
    with service.store.read() as s:
        item = s.scalar(select(SurveyFollowUp))
    head.post("/skm/rencana", data={"csrf": _csrf(page), "periode": "2026-Q4", "id": str(item.id),
                                    "version": str(item.version), "element": "U3", "action": item.action,
                                    "owner": item.owner, "status": "selesai", "note": "Dua petugas ditambah"})
    assert "Dua petugas ditambah" in head.get("/skm?periode=2026-Q4").text
    pdf = head.get("/skm/laporan.pdf?periode=2026-Q4")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert head.get("/skm?periode=2026-Q9").status_code == 400


def test_published_results_leave_out_the_respondents_words_and_unfinished_periods(web):
    service, _ = web
    front = _client(service, "petugas_layanan")
    csrf = _csrf(front.get("/survei/kios").text)
    front.post("/skm/kertas", data=_full("4", csrf=csrf, day="2026-09-15", suggestion="Nomor HP saya 0812xxxx"))
    public = _client(service)
    page = public.get(f"/skm/hasil?kantor={OFFICE}").text  # NOW is in Q4: the last complete one is Q3
    assert "Triwulan III 2026" in page and "100,00" in page and "Sangat baik" in page
    assert "0812" not in page
    early = public.get(f"/skm/hasil?kantor={OFFICE}&periode=2026-Q4").text
    assert "belum diterbitkan" in early
