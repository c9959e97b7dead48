"""The case engine on a real SQLite file, without Prefect: semantics, bad input, the SLA clock."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.cases.queries import case_view, worklist
from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Case, Event, Product, Task

WITA = ZoneInfo("Asia/Makassar")
KALTIM = "disdukcapil-kaltim"


def at(day, hour=9):
    return datetime(2026, 12, day, hour, tzinfo=WITA)


def all_requirements(library, standard_id, variant=None, channel=None, answers=None):
    return [r["id"] for r in library.standard(standard_id).requirements(variant, channel, answers or {})]


def open_tasks(service, case_id):
    with service.store.read() as s:
        return s.scalars(select(Task).where(Task.case_id == case_id, Task.status.in_(("open", "claimed")))
                         .order_by(Task.id)).all()


def counts(service):
    with service.store.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Case, Task, Event, Product))


def new_case(service, library, standard="kaltim-penduduk-rentan", when=None, **kw):
    return service.open_case(standard, dict(SAMPLE_APPLICANT), requirements=all_requirements(library, standard),
                             at=when or at(1), **kw)


def test_fresh_database_is_at_the_latest_migration(service):
    from engine.store.db import MIGRATIONS, current_revision, head_revision

    newest = max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("0*.py"))
    assert current_revision(service.store.engine) == head_revision(service.store.url) == newest


@pytest.mark.parametrize("change, field, message", [
    ({"standard_id": "kaltim-penduduk-rentn"}, "standard", "maksud Anda 'kaltim-penduduk-rentan'"),
    ({"applicant": {"nik": "12345", "name": "A"}}, "applicant.nik", "16 angka"),
    ({"applicant": {"nik": "6472013213900003", "name": "A"}}, "applicant.nik", "tanggal lahir"),
    ({"applicant": {"nik": "0072015708900003", "name": "A"}}, "applicant.nik", "kode provinsi"),
    ({"applicant": {"nik": "6472015708900003"}}, "applicant.name", "wajib"),
    ({"requirements": []}, "requirements", "persyaratan belum lengkap"),
    ({"requirements": ["surat_permohonan", "tidak_ada"]}, "requirements", "'tidak_ada' tidak berlaku"),
    ({"variant": "baru"}, "variant", "tidak dikenal"),
])
def test_bad_applications_are_refused_and_write_nothing(service, library, change, field, message):
    before = counts(service)
    args = {"standard_id": "kaltim-penduduk-rentan", "applicant": dict(SAMPLE_APPLICANT),
            "requirements": all_requirements(library, "kaltim-penduduk-rentan")} | change
    with pytest.raises((InvalidInput, NotFound)) as caught:
        service.open_case(args.pop("standard_id"), args.pop("applicant"), **args)
    assert caught.value.field == field and message in caught.value.message
    assert counts(service) == before


def test_variant_and_channel_choose_requirements_and_steps(service, library):
    reqs = all_requirements(library, "balikpapan-cetak-ktp-el", "penggantian", "daring", {"alasan": "hilang"})
    case_id = service.open_case("balikpapan-cetak-ktp-el", dict(SAMPLE_APPLICANT), variant="penggantian",
                                channel="daring", unit="kec-balikpapan-kota", answers={"alasan": "hilang"},
                                requirements=reqs, at=at(1))
    view = case_view(service.store, case_id)
    # The applicant's online submission is done; the verifier checks the uploaded file next.
    assert [(t["step"], t["status"]) for t in view["tasks"]] == [("pengajuan_daring", "done"),
                                                                 ("pemeriksaan_daring", "open")]
    assert view["clock_started_at"] is None  # the clock starts when the file is found complete
    with pytest.raises(InvalidInput, match="kanal 'pos'"):
        service.open_case("balikpapan-cetak-ktp-el", dict(SAMPLE_APPLICANT), variant="baru", channel="pos",
                          unit="kec-balikpapan-kota", requirements=["kk"])


def test_intake_starts_the_clock_on_the_working_day_calendar(service, library):
    case_id = new_case(service, library, when=at(23))
    intake = open_tasks(service, case_id)[0]
    service.complete(intake.id, f"{KALTIM}.petugas_layanan", at=at(23, 10))
    view = case_view(service.store, case_id)
    # 1 working day from Wed 23 Dec 2026: 24 (cuti bersama), 25 (Natal), weekend -> Mon 28 Dec, 16:00 WITA.
    assert view["due_at"].astimezone(WITA) == datetime(2026, 12, 28, 16, 0, tzinfo=WITA)


def test_counter_officer_can_check_requirements_when_registering(service, library):
    case_id = new_case(service, library, actor=f"{KALTIM}.petugas_layanan")
    view = case_view(service.store, case_id)
    assert view["tasks"][0]["status"] == "done" and view["tasks"][0]["by"] == f"{KALTIM}.petugas_layanan"
    assert view["clock_started_at"] is not None


def test_incomplete_file_is_recorded_without_starting_the_clock(service, library):
    case_id = service.open_case("kaltim-penduduk-rentan", dict(SAMPLE_APPLICANT), requirements=[],
                                allow_incomplete=True, at=at(1))
    view = case_view(service.store, case_id)
    assert view["status"] == "incomplete" and view["due_at"] is None
    intake = open_tasks(service, case_id)[0]
    with pytest.raises(InvalidInput, match="persyaratan belum lengkap"):
        service.complete(intake.id, f"{KALTIM}.petugas_layanan", at=at(2))
    service.complete(intake.id, f"{KALTIM}.petugas_layanan", at=at(3),
                     requirements=all_requirements(library, "kaltim-penduduk-rentan"))
    view = case_view(service.store, case_id)
    assert view["status"] == "open" and view["clock_started_at"].astimezone(WITA).day == 3


def test_wrong_role_other_office_and_bad_form_data_change_nothing(service, library):
    case_id = new_case(service, library, actor=f"{KALTIM}.petugas_layanan")
    task = open_tasks(service, case_id)[0]
    before = counts(service)
    with pytest.raises(Forbidden, match="memerlukan peran"):
        service.complete(task.id, f"{KALTIM}.kepala_dinas")
    with pytest.raises(Forbidden, match="bukan petugas"):
        service.complete(task.id, f"disdukcapil-bontang.{'operator'}")
    assert counts(service) == before
    assert open_tasks(service, case_id)[0].row_version == task.row_version


def test_form_fields_are_checked_by_type(service, library):
    case_id = new_case(service, library, "kaltim-akses-data", actor=f"{KALTIM}.petugas_layanan")
    task = open_tasks(service, case_id)[0]
    assert task.step_id == "telaah"
    actor = f"{KALTIM}.subkoor_piak"
    good = {"lembaga_pengguna": "RSUD", "bentuk_akses": ["nik_online"], "jumlah_pengguna": 3}
    for bad, field in (({**good, "jumlah_pengguna": "tiga"}, "data.jumlah_pengguna"),
                       ({**good, "jumlah_pengguna": 0}, "data.jumlah_pengguna"),
                       ({**good, "bentuk_akses": ["fax"]}, "data.bentuk_akses"),
                       ({k: v for k, v in good.items() if k != "lembaga_pengguna"}, "data.lembaga_pengguna"),
                       ({**good, "warna": "biru"}, "data.warna")):
        with pytest.raises(InvalidInput) as caught:
            service.complete(task.id, actor, data=bad)
        assert caught.value.field == field
    service.complete(task.id, actor, data=good)
    assert open_tasks(service, case_id)[0].step_id == "persetujuan_kabid"


def test_reject_needs_a_reason_and_closes_the_case(service, library):
    case_id = new_case(service, library, "kaltim-akses-data", actor=f"{KALTIM}.petugas_layanan")
    telaah = open_tasks(service, case_id)[0]
    service.complete(telaah.id, f"{KALTIM}.subkoor_piak",
                     data={"lembaga_pengguna": "RSUD", "bentuk_akses": ["nik_online"], "jumlah_pengguna": 1})
    approval = open_tasks(service, case_id)[0]
    with pytest.raises(InvalidInput, match="pilih hasil"):
        service.complete(approval.id, f"{KALTIM}.kabid_piak")
    with pytest.raises(InvalidInput) as caught:
        service.complete(approval.id, f"{KALTIM}.kabid_piak", outcome="tolak")
    assert caught.value.field == "reason"
    service.complete(approval.id, f"{KALTIM}.kabid_piak", outcome="tolak", reason="Lembaga tidak berwenang")
    view = case_view(service.store, case_id)
    assert view["status"] == "rejected" and view["close_reason"] == "Lembaga tidak berwenang"
    assert not open_tasks(service, case_id)


def test_return_goes_back_and_return_to_applicant_stops_the_clock(service, library):
    case_id = new_case(service, library, "kaltim-akses-data", when=at(1), actor=f"{KALTIM}.petugas_layanan")
    data = {"lembaga_pengguna": "RSUD", "bentuk_akses": ["nik_online"], "jumlah_pengguna": 1}
    service.complete(open_tasks(service, case_id)[0].id, f"{KALTIM}.subkoor_piak", data=data, at=at(1, 10))
    approval = open_tasks(service, case_id)[0]
    service.complete(approval.id, f"{KALTIM}.kabid_piak", outcome="perbaiki", reason="Lengkapi telaah",
                     at=at(1, 11))
    assert open_tasks(service, case_id)[0].step_id == "telaah"
    service.complete(open_tasks(service, case_id)[0].id, f"{KALTIM}.subkoor_piak", data=data, at=at(1, 12))
    due_before = case_view(service.store, case_id)["due_at"]
    service.complete(open_tasks(service, case_id)[0].id, f"{KALTIM}.kabid_piak", outcome="lengkapi",
                     reason="Surat permohonan belum ditandatangani", at=at(2, 9))
    view = case_view(service.store, case_id)
    assert view["status"] == "waiting_applicant" and view["sla"]["status"] == "paused"
    back = open_tasks(service, case_id)[0]
    assert back.step_id == "penerimaan"
    # The applicant brings the signed letter five working days later (Wed 2 -> Wed 9 Dec).
    service.complete(back.id, f"{KALTIM}.petugas_layanan", at=at(9, 9))
    view = case_view(service.store, case_id)
    assert view["status"] == "open"
    resumed = [e for e in view["events"] if e["kind"] == "clock_resumed"][0]
    assert resumed["data"]["paused_working_days"] == 5
    from engine.calendar import WorkingCalendar

    calendar = WorkingCalendar.from_office(library.offices[KALTIM].data)
    assert view["due_at"].date() == calendar.add_working_days(due_before.astimezone(WITA).date(), 5)


def test_products_are_numbered_per_office_and_year_and_signatures_hash_the_document(service, library):
    numbers = []
    for year_day in (at(30), datetime(2027, 1, 4, 9, tzinfo=WITA)):
        case_id = new_case(service, library, "kaltim-akses-data", when=year_day,
                           actor=f"{KALTIM}.petugas_layanan")
        for _ in range(10):
            tasks = open_tasks(service, case_id)
            if not tasks or tasks[0].role == "sistem":
                break
            from engine.cases.simulate import Scenario, act_on_open_tasks

            act_on_open_tasks(service, case_id, Scenario("approve"), at=year_day)
        auto = open_tasks(service, case_id)[0]
        assert auto.step_id == "penomoran"
        service.run_automated(auto.id, at=year_day)
        service.run_automated(auto.id, at=year_day)  # a replayed Prefect task numbers nothing twice
        numbers.append(case_view(service.store, case_id)["products"])
        signer = open_tasks(service, case_id)[0]
        assert signer.kind == "signature"
        from .conftest import signing_proof

        proof = signing_proof(service, f"{KALTIM}.kepala_dinas", year_day)
        service.complete(signer.id, f"{KALTIM}.kepala_dinas", proof=proof, at=year_day)
        docs = case_view(service.store, case_id)["documents"]
        signed = [d for d in docs if d["signed_by"]]
        assert [d["signed_by"] for d in signed] == [f"{KALTIM}.kepala_dinas"] and len(signed[0]["sha256"]) == 64
    first, second = ({p["product"]: p["number"] for p in n} for n in numbers)
    assert first["pks"] == "400.12/0001/DISDUKCAPIL-KALTIM/2026"
    assert first["juknis"] == "400.12/0002/DISDUKCAPIL-KALTIM/2026"
    assert second["pks"] == "400.12/0001/DISDUKCAPIL-KALTIM/2027"  # a new year starts a new series
    assert first["hak_akses"] is None  # numbered: false


def test_running_case_keeps_its_standard_version(service, library, tmp_path):
    import shutil

    from engine.standard.model import load_library

    from .conftest import STANDARDS

    case_id = new_case(service, library, actor=f"{KALTIM}.petugas_layanan")
    copy = tmp_path / "standards"
    shutil.copytree(STANDARDS, copy)
    (copy / "kaltim" / "01-penduduk-rentan.yaml").unlink()  # the YAML is deleted
    service.library = load_library(copy)
    from engine.cases.simulate import Scenario, act_on_open_tasks

    for _ in range(10):
        act_on_open_tasks(service, case_id, Scenario("approve"))
        auto = [t for t in open_tasks(service, case_id) if t.role == "sistem"]
        for task in auto:
            service.run_automated(task.id)
        if not open_tasks(service, case_id):
            break
    assert case_view(service.store, case_id)["status"] == "done"


def test_claim_conflicts_and_worklist(service, library):
    case_id = new_case(service, library, actor=f"{KALTIM}.petugas_layanan")
    task = open_tasks(service, case_id)[0]
    role_user = f"{KALTIM}.{task.role}"
    service.directory.add_user("kedua", "Petugas Kedua", KALTIM, [task.role])
    # The SLA status is read at a given moment (the case was opened on Tue 1 Dec 09:00 WITA, due Wed 2 Dec
    # 16:00 WITA): not the test's own clock, which would turn it late once that day has passed.
    rows = worklist(service.store, user=role_user, at=at(1, 10))
    assert [r["task"] for r in rows] == [task.id] and rows[0]["sla"] == {"status": "on_track", "days_left": 1}
    assert worklist(service.store, user=role_user, at=at(3))[0]["sla"] == {"status": "late", "days_left": -1}
    service.claim(task.id, role_user)
    with pytest.raises(Conflict, match="sudah diambil"):
        service.claim(task.id, "kedua")
    with pytest.raises(Conflict, match="sedang dikerjakan"):
        service.complete(task.id, "kedua")
    service.release(task.id, role_user)
    from engine.cases.simulate import sample_data

    with service.store.read() as s:
        case = s.get(Case, case_id)
        step = library.standard(case.standard_id).procedure.by_id[task.step_id]
        data = sample_data(step, case)
    service.complete(task.id, "kedua", data=data)
    with pytest.raises(Conflict, match="sudah diselesaikan oleh kedua"):
        service.complete(task.id, role_user, data=data)
    assert all(r["task"] != task.id for r in worklist(service.store, user=role_user))


def test_receipt_codes_use_the_readable_alphabet_evenly():
    """Codes read aloud at the counter: ten characters without 0/O and 1/I, each of the 32 equally likely."""
    from collections import Counter

    from engine.cases.numbering import RECEIPT_ALPHABET, receipt_code

    codes = [receipt_code() for _ in range(3200)]
    assert all(len(code) == 10 and set(code) <= set(RECEIPT_ALPHABET) for code in codes)
    counts = Counter("".join(codes))
    assert set(counts) == set(RECEIPT_ALPHABET)
    assert max(counts.values()) < 1.3 * 1000 and min(counts.values()) > 0.7 * 1000  # 32,000 draws, 1,000 each
    assert len(set(codes)) == len(codes)
