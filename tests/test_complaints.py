"""Complaints as cases of a complaint standard (kaltim-pengaduan-masyarakat; issue 21): filed on the public
form or at the counter for each channel, triaged into each tier with the due date on the Indonesian
calendar (cuti bersama included), postponed, re-routed, archived, replied, rated, reopened and closed; the
confidential identity seen only by the handler, every look recorded, found by nobody's name. At fixed
moments, in process; the audit chain verifies after all of it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.audit.verify import verify
from engine.cases.finding import Search, find
from engine.errors import Conflict, InvalidInput
from engine.store.models import Case, Event, Task

from .conftest import post_sign_in, web_app

PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-pengaduan-masyarakat"
HANDLER = f"{OFFICE}.pengelola_pengaduan"
WITA = timezone(timedelta(hours=8))
FILED = datetime(2026, 12, 21, 9, tzinfo=WITA)  # a Monday; 24 December is cuti bersama, 25 Christmas
ORIGIN = {"origin": "http://testserver"}


def _due(service, case_id):
    with service.store.read() as s:
        case = s.get(Case, case_id)
        return case.due_at.astimezone(WITA).date().isoformat() if case.due_at else None


def _open_task(service, case_id):
    with service.store.read() as s:
        return s.scalar(select(Task).where(Task.case_id == case_id, Task.status.in_(("open", "claimed"))))


def _file(service, channel="web", applicant=None, **answers):
    """A complaint filed online, or recorded by the handler from another channel."""
    counter = {} if channel == "web" else {"actor": HANDLER, "requirements": []}
    return service.open_case(STANDARD, applicant if applicant is not None else {}, channel=channel,
                             answers={"isi": "Antrean tidak tertib", **answers}, at=FILED, **counter)


def _triage(service, case_id, outcome="proses", at=FILED + timedelta(hours=2), **data):
    task = _open_task(service, case_id)
    return service.complete(task.id, HANDLER, outcome=outcome, data=data, reason=data.pop("reason", None), at=at)


@pytest.mark.parametrize("tier, due", [("ringan", "2026-12-23"), ("normatif", "2026-12-30"),
                                       ("tanpa_pemeriksaan", "2027-01-14"), ("pengawasan", "2027-04-01")])
def test_each_tier_sets_the_due_date_on_the_working_day_calendar(service, tier, due):
    case_id = _file(service)
    assert _due(service, case_id) == "2026-12-30"  # normative until triaged (5 working days, 24-25 Dec off)
    _triage(service, case_id, tingkat=tier, alasan_tingkat="Sesuai uraian pengaduan")
    assert _due(service, case_id) == due
    with service.store.read() as s:
        event = s.scalar(select(Event).where(Event.case_id == case_id, Event.kind == "tier_set"))
        assert s.get(Case, case_id).tier == tier and event.data["reason"] == "Sesuai uraian pengaduan"
        assert event.data["due_before"].startswith("2026-12-30")
    assert verify(service.store).ok


def test_triage_needs_a_tier_and_its_reason_and_changes_nothing_without(service):
    case_id = _file(service)
    with pytest.raises(InvalidInput, match="pilih tingkat"):
        _triage(service, case_id, alasan_tingkat="x")
    with pytest.raises(InvalidInput, match="alasan pemilihan tingkat"):
        _triage(service, case_id, tingkat="ringan")
    assert _due(service, case_id) == "2026-12-30" and _open_task(service, case_id).step_id == "telaah"


def test_postpone_re_route_and_archive(service):
    postponed = _file(service)
    _triage(service, postponed, "tunda", reason="Menunggu salinan KK dari pengadu")
    with service.store.read() as s:
        case = s.get(Case, postponed)
        assert case.clock_paused_at is not None and case.status == "waiting_applicant"
    _triage(service, postponed, at=datetime(2026, 12, 28, 9, tzinfo=WITA), tingkat="ringan", alasan_tingkat="ok")
    # Postponed Monday 21 to Monday 28 December: 3 working days stood still (22, 23 and 28; 24-27 are
    # cuti bersama, Christmas and a weekend), so the light tier's 23 December moves to 30 December.
    assert _due(service, postponed) == "2026-12-30"
    with pytest.raises(InvalidInput, match="instansi tujuan"):
        _triage(service, _file(service), "alihkan", reason="Bukan kewenangan provinsi")
    rerouted = _file(service)
    _triage(service, rerouted, "alihkan", reason="Kewenangan Disdukcapil Kota Samarinda",
            dialihkan_ke="Disdukcapil Kota Samarinda")
    archived = _file(service)
    _triage(service, archived, "arsip", reason="Isi pengaduan tidak jelas dan tanpa kontak")
    with service.store.read() as s:
        assert s.get(Case, rerouted).status == "rejected" and s.get(Case, archived).status == "rejected"
        moved = s.scalar(select(Event).where(Event.case_id == rerouted, Event.kind == "complaint_rerouted"))
        assert moved.data["to"] == "Disdukcapil Kota Samarinda"
    assert verify(service.store).ok


def _through(service, case_id):
    """Triaged, disposed, followed up, replied and handed over: closed with the reply."""
    _triage(service, case_id, tingkat="ringan", alasan_tingkat="Keluhan layanan")
    steps = {"disposisi": ({"bidang": "fasilitasi"}, HANDLER),
             "tindak_lanjut": ({"tindakan": "Teguran", "hasil": "Antrean diatur"}, f"{OFFICE}.subkoor_dafduk_capil"),
             "jawaban": ({"jawaban": "Terima kasih; antrean kini memakai nomor."}, HANDLER), "penyampaian": ({}, HANDLER)}
    at = FILED + timedelta(hours=3)
    while (task := _open_task(service, case_id)) is not None:
        data, who = steps[task.step_id]
        at += timedelta(hours=1)
        service.complete(task.id, who, data=data, at=at)
    return at


def test_replied_rated_once_reopened_within_the_period_and_closed_again(service):
    case_id = _file(service, applicant={"name": "Siti Aminah", "phone": "081234567890"}, rahasia=True)
    closed_at = _through(service, case_id)
    with service.store.read() as s:
        case = s.get(Case, case_id)
        code = case.receipt_code
    assert case.status == "done"
    from engine.cases.status_view import public_status

    shown = public_status(service.store, code, closed_at)
    assert shown["replies"][0]["text"] == "Terima kasih; antrean kini memakai nomor." and shown["tier"] == "Ringan"
    assert shown["can_rate"] and shown["reopen_until"].isoformat() == "2027-01-08"  # 10 working days
    assert "Siti" not in str(shown) and "0812" not in str(shown)
    assert service.rate(code, "2", "Belum puas", at=closed_at) == 2
    with pytest.raises(Conflict, match="sudah diberikan"):
        service.rate(code, "4", at=closed_at)
    with pytest.raises(InvalidInput, match="tulis mengapa"):
        service.reopen(code, "  ", at=closed_at)
    assert service.reopen(code, "Antrean masih kacau", at=datetime(2026, 12, 29, 9, tzinfo=WITA)) == "tindak_lanjut"
    assert _open_task(service, case_id).step_id == "tindak_lanjut"
    with service.store.read() as s:
        case = s.get(Case, case_id)
        assert case.status == "open" and case.closed_at is None
        assert case.due_at.astimezone(WITA).date().isoformat() == "2026-12-31"  # 2 working days from 29 Dec
    _through_again = [("tindak_lanjut", {"tindakan": "Petugas antrean ditambah", "hasil": "Tertib"},
                       f"{OFFICE}.subkoor_dafduk_capil"),
                      ("jawaban", {"jawaban": "Petugas antrean sudah ditambah."}, HANDLER), ("penyampaian", {}, HANDLER)]
    at = datetime(2026, 12, 29, 10, tzinfo=WITA)
    for step, data, who in _through_again:
        task = _open_task(service, case_id)
        assert task.step_id == step
        at += timedelta(hours=1)
        service.complete(task.id, who, data=data, at=at)
    assert public_status(service.store, code, at)["replies"][-1]["text"] == "Petugas antrean sudah ditambah."
    with pytest.raises(Conflict, match="sudah lewat"):
        service.reopen(code, "Lagi", at=datetime(2027, 2, 1, 9, tzinfo=WITA))
    assert verify(service.store).ok


def test_the_confidential_identity_is_seen_only_by_the_handler_and_every_look_is_recorded(service, monkeypatch,
                                                                                            tmp_path):
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    hidden = _file(service, applicant={"name": "Rahmat Rahasia", "nik": "6472015708900003", "phone": "0812999"},
                   rahasia=True)
    _file(service, applicant={"name": "Budi Terbuka", "phone": "0813111"})  # not confidential: listed by name
    with service.store.read() as s:
        number = s.get(Case, hidden).number
    for role in ("pengelola_pengaduan", "operator"):
        service.directory.set_password(f"{OFFICE}.{role}", hash_password(PASSWORD))
    operator, handler = TestClient(web_app(service)), TestClient(web_app(service))
    post_sign_in(operator, f"{OFFICE}.operator", PASSWORD)
    post_sign_in(handler, f"{OFFICE}.pengelola_pengaduan", PASSWORD)
    page = operator.get(f"/kasus/{number}").text
    assert "Rahmat" not in page and "6472015708900003" not in page and "(dirahasiakan)" in page
    found = operator.get("/cari", params={"q": "rahmat"}).text
    assert "Tidak ada kasus yang cocok" in found  # a confidential complainant is not found by name
    listed = operator.get("/cari", params={"standard": STANDARD}).text
    assert "Rahmat" not in listed and "Budi Terbuka" in listed
    export = operator.get("/cari/ekspor.csv", params={"standard": STANDARD}).text
    assert "Rahmat" not in export and "6472015708900003" not in export
    with service.store.read() as s:
        assert not s.scalars(select(Event).where(Event.kind == "identity_viewed")).all()
    seen = handler.get(f"/kasus/{number}").text
    assert "Rahmat Rahasia" in seen
    task = _open_task(service, hidden)
    assert "Rahmat Rahasia" in handler.get(f"/tugas/{task.id}").text
    with service.store.read() as s:
        looks = s.scalars(select(Event).where(Event.kind == "identity_viewed").order_by(Event.id)).all()
    assert [(e.actor, e.data["where"]) for e in looks] == [
        (HANDLER, "halaman kasus"), (HANDLER, f"halaman tugas {task.id}")]
    assert find(service.store, Search(text="budi"), offices=[OFFICE], at=FILED)["total"] == 1
    assert verify(service.store).ok


def test_the_public_form_files_a_complaint_and_the_status_page_carries_it(service):
    client = TestClient(web_app(service))
    form = client.get("/pengaduan").text
    assert "Kantor yang diadukan" in form and "Rahasiakan identitas saya" in form
    empty = client.post("/pengaduan", data={"office": OFFICE, "isi": ""}, headers=ORIGIN)
    assert empty.status_code == 400 and "wajib diisi" in empty.text.lower()
    long = client.post("/pengaduan", data={"office": OFFICE, "isi": "x" * 6000}, headers=ORIGIN)
    assert long.status_code == 400 and "5000" in long.text.replace(".", "")
    bad_nik = client.post("/pengaduan", data={"office": OFFICE, "isi": "Pelayanan lambat", "nik": "123"},
                          headers=ORIGIN)
    assert bad_nik.status_code == 400 and "NIK" in bad_nik.text
    with service.store.read() as s:
        assert s.scalar(select(Case.id).where(Case.standard_id == STANDARD)) is None  # nothing written
    done = client.post("/pengaduan", data={"office": OFFICE, "isi": "<script>alert(1)</script> petugas kasar",
                                           "rahasia": "1", "name": "Ani"}, headers=ORIGIN)
    assert done.status_code == 200 and "Pengaduan Anda kami terima" in done.text
    assert "tidak dapat mengabari Anda" in done.text  # no contact left: no notification, and it says so
    code = re.search(r'class="code">([A-Z0-9-]+)<', done.text).group(1)
    status = client.get(f"/status?kode={code}").text
    assert "Penelaahan dan penetapan tingkat pengaduan" in status and "Ani" not in status
    with service.store.read() as s:
        case = s.scalar(select(Case).where(Case.receipt_code == code))
        assert case.channel == "web" and case.answers["rahasia"] is True and case.applicant == {"name": "Ani"}
    for n in range(9):
        client.post("/pengaduan", data={"office": OFFICE, "isi": f"Pengaduan {n}"}, headers=ORIGIN)
    flood = client.post("/pengaduan", data={"office": OFFICE, "isi": "satu lagi"}, headers=ORIGIN)
    assert flood.status_code == 429


@pytest.mark.parametrize("channel", ["langsung", "kotak_saran", "telepon", "whatsapp", "email", "media_sosial",
                                     "lapor"])
def test_an_officer_records_a_complaint_from_every_channel(service, channel):
    answers = {"nomor_lapor": "LAPOR-2026-123456"} if channel == "lapor" else {}
    case_id = service.open_case(STANDARD, {"name": "Warga"}, channel=channel, answers={"isi": "Keluhan", **answers},
                                requirements=[], actor=HANDLER, at=FILED)
    assert _open_task(service, case_id).step_id == "telaah"
    if channel == "lapor":
        with pytest.raises(InvalidInput, match="wajib diisi"):
            service.open_case(STANDARD, {}, channel="lapor", answers={"isi": "Tanpa nomor"}, requirements=[],
                              actor=HANDLER, at=FILED)


def test_a_pre_breach_warning_reaches_the_handler_and_the_supervisor(service):
    """At 75 % of the tier's limit (the standard's at_risk_share) the complaint is at risk, escalated along
    the handler's supervision line; the normative 5 working days from 21 December run to 30 December."""
    from engine.sla.monitor import run_pass

    case_id = _file(service)
    run_pass(service.store, at=datetime(2026, 12, 22, 9, tzinfo=WITA))
    with service.store.read() as s:
        assert not s.scalars(select(Event).where(Event.case_id == case_id, Event.kind == "sla_at_risk")).all()
    run_pass(service.store, at=datetime(2026, 12, 29, 9, tzinfo=WITA))  # the last working day but one
    with service.store.read() as s:
        risk = s.scalar(select(Event).where(Event.case_id == case_id, Event.kind == "sla_at_risk"))
        escalated = s.scalar(select(Event).where(Event.case_id == case_id, Event.kind == "sla_escalated"))
    assert risk is not None and escalated.data["role"] == "pengelola_pengaduan"
    assert escalated.data["to_role"] == "subkoor_dafduk_capil"


def test_the_complaints_report_and_the_public_summary(service, monkeypatch):
    from datetime import date

    from engine.reports.complaints import build

    web_one = _file(service)
    kept = service.open_case("kaltim-data-agregat", {"nik": "6472015708900003", "name": "Budi"},
                             requirements=["surat_permohonan"], at=FILED)
    with service.store.read() as s:
        about = s.get(Case, kept).receipt_code
    answered = _file(service, channel="telepon", kode_layanan=about.lower())
    _through(service, answered)
    rerouted = _file(service, channel="email")
    _triage(service, rerouted, "alihkan", reason="Bukan kewenangan", dialihkan_ke="Disdukcapil Kota Bontang")
    with service.store.read() as s:
        code = s.get(Case, answered).receipt_code
    service.rate(code, "4", at=FILED + timedelta(days=1))
    report = build(service.store, service.library, OFFICE, date(2026, 12, 1), date(2026, 12, 31),
                   at=datetime(2027, 1, 5, 9, tzinfo=WITA))
    assert report["received"] == 3 and dict(report["by_channel"]) == {"web": 1, "telepon": 1, "email": 1}
    assert dict(report["by_tier"]) == {"(belum ditelaah)": 2, "Ringan": 1}
    assert dict(report["by_service"])["Pemanfaatan Data dan Informasi Kependudukan berupa Data Agregat atau Data "
                                      "Tematik Kependudukan"] == 1
    assert report["answered"] == 1 and report["on_time_pct"] == 100.0 and report["rerouted"] == 1
    assert report["open"] == 1 and report["late"] == 1 and report["rating_avg"] == 4.0
    monkeypatch.setattr("engine.web.complaints_public.now", lambda: datetime(2027, 1, 5, 9, tzinfo=WITA))
    client = TestClient(web_app(service))
    page = client.get(f"/pengaduan/ringkasan?kantor={OFFICE}&periode=2026-Q4").text
    assert "Diterima <strong>3</strong> pengaduan" in page and "Disdukcapil Kota Bontang" not in page
    assert "belum diterbitkan" in client.get(f"/pengaduan/ringkasan?kantor={OFFICE}&periode=2027-Q1").text
    assert web_one


def test_running_due_dates_are_recomputed_from_their_rules(service, database_url):
    """A due date that no longer matches its rules (as when a new cuti bersama decree moves the calendar) is
    found and corrected, with an event in the case's history that the audit accepts."""
    from sqlalchemy import update

    from engine.sla.recompute import recompute

    from .conftest import run_cli

    cases = [_file(service) for _ in range(3)]
    _triage(service, cases[1], tingkat="pengawasan", alasan_tingkat="Perlu pemeriksaan")
    assert recompute(service.store, write=False).changed == []
    with service.store.write() as s:
        s.execute(update(Case).where(Case.id == cases[2]).values(due_at=datetime(2027, 1, 20, 16, tzinfo=WITA)))
    checked = run_cli("sla", "recompute", "--check", env={"LAYANAN_DATABASE_URL": database_url})
    assert checked.returncode == 0 and "1 batas waktu berbeda" in checked.stdout and "-> 2026-12-30 16.00" in checked.stdout
    summary = recompute(service.store, at=datetime(2026, 12, 22, tzinfo=WITA))
    assert [c[0] for c in summary.changed] == [cases[2]] and _due(service, cases[2]) == "2026-12-30"
    assert _due(service, cases[1]) == "2027-04-01"
    with service.store.read() as s:
        event = s.scalar(select(Event).where(Event.kind == "due_recomputed"))
        assert event.case_id == cases[2] and event.data["due_at"].startswith("2026-12-30")
        assert s.scalar(select(Task.due_at).where(Task.case_id == cases[2], Task.status == "open")) is not None
    assert verify(service.store).ok
