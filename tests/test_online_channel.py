"""The online channel below the web: accounts and codes, applying with scans, return for correction, the
correction, and what is refused (each refusal changes nothing)."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select

from engine.channel import accounts, applying
from engine.channel.uploads import FolderStore, MAX_BYTES, purge, scan
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.store.models import Case, CaseRequirement, CitizenAccount, Event, Notification, Upload

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 9, tzinfo=WITA)
STANDARD = "balikpapan-cetak-ktp-el"
NIK = "6471054107950002"
PASSWORD = "kopi-hujan-sepeda-78"


def png(seed: int = 1) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (seed * 40 % 255, 90, 120)).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 200)).save(out, "PDF")
    return out.getvalue()


def latest_code(service, purpose="verify") -> tuple[str, str]:
    """The code and link token of the newest code message (read from the outbox, as the mailbox would)."""
    with service.store.read() as s:
        secret = s.scalar(select(Notification.secret).where(Notification.cause == "code")
                          .order_by(Notification.id.desc()).limit(1))
    code, token = secret.split("\n")
    return code, token


def citizen(service, nik=NIK, email="ani@contoh.test"):
    accounts.register(service.store, {"nik": nik, "name": "Ani Lestari", "email": email, "phone": "081234500001"},
                      PASSWORD, AT)
    code, _ = latest_code(service)
    return accounts.use_code(service.store, "verify", AT, identifier=email, code=code)


@pytest.fixture
def files(tmp_path):
    return FolderStore(tmp_path / "unggahan")


def counts(service):
    with service.store.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Case, Upload, Event, Notification))


def apply_penggantian(service, files, who, **extra):
    scans = [scan("fotokopi_kk", "kk.png", png()), scan("suket_hilang", "suket.pdf", pdf())]
    return applying.apply(service, files, who, STANDARD, variant="penggantian", unit="kec-balikpapan-kota",
                          answers={"alasan": "hilang"}, scans=scans, at=AT, **extra)


def test_register_verify_and_sign_in(service):
    accounts.register(service.store, {"nik": NIK, "name": "Ani Lestari", "email": "Ani@Contoh.test",
                                      "phone": "081234500001"}, PASSWORD, AT)
    with pytest.raises(Forbidden, match="belum diverifikasi"):
        accounts.sign_in(service.store, "ani@contoh.test", PASSWORD)
    code, _ = latest_code(service)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(InvalidInput, match="kode salah"):
        accounts.use_code(service.store, "verify", AT, identifier=NIK, code=wrong)
    who = accounts.use_code(service.store, "verify", AT, identifier=NIK, code=code)
    assert who.verified and who.email == "ani@contoh.test"
    with pytest.raises(InvalidInput, match="sudah dipakai"):  # a code works once
        accounts.use_code(service.store, "verify", AT, identifier=NIK, code=code)
    assert accounts.sign_in(service.store, NIK, PASSWORD).id == who.id
    with pytest.raises(Forbidden, match="salah"):
        accounts.sign_in(service.store, NIK, "bukan-sandinya-123")


@pytest.mark.parametrize("data, field, message", [
    ({"nik": "12345"}, "nik", "16 angka"),
    ({"nik": "6471054107950002", "email": "bukan surel"}, "email", "surel"),
    ({"phone": "abc"}, "phone", ""),
])
def test_bad_registrations_change_nothing(service, data, field, message):
    good = {"nik": NIK, "name": "Ani Lestari", "email": "ani@contoh.test", "phone": "081234500001"}
    with pytest.raises(InvalidInput) as caught:
        accounts.register(service.store, {**good, **data}, PASSWORD, AT)
    assert caught.value.field == field and message in caught.value.message
    with service.store.read() as s:
        assert s.scalar(select(func.count()).select_from(CitizenAccount)) == 0


def test_one_account_per_nik_and_weak_passwords_refused(service):
    citizen(service)
    with pytest.raises(Conflict, match="NIK ini sudah memiliki akun"):
        accounts.register(service.store, {"nik": NIK, "name": "X", "email": "lain@contoh.test",
                                          "phone": "081234500002"}, PASSWORD, AT)
    with pytest.raises(InvalidInput, match="kata sandi"):
        accounts.register(service.store, {"nik": "6471054107950010", "name": "Budi", "email": "budi@contoh.test",
                                          "phone": "081234500003"}, "password", AT)


def test_expired_code_and_too_many_tries(service):
    accounts.register(service.store, {"nik": NIK, "name": "Ani", "email": "ani@contoh.test",
                                      "phone": "081234500001"}, PASSWORD, AT)
    code, token = latest_code(service)
    with pytest.raises(InvalidInput, match="kedaluwarsa"):
        accounts.use_code(service.store, "verify", AT + timedelta(hours=1), token=token)
    accounts.request_code(service.store, NIK, "verify", AT + timedelta(hours=1))
    code, _ = latest_code(service)
    for _ in range(accounts.CODE_TRIES):
        with pytest.raises(InvalidInput):
            accounts.use_code(service.store, "verify", AT + timedelta(hours=1), identifier=NIK, code="x")
    with pytest.raises(InvalidInput):  # the right code no longer works after five wrong ones
        accounts.use_code(service.store, "verify", AT + timedelta(hours=1), identifier=NIK, code=code)


def test_password_reset_by_link_ends_sessions(service):
    from engine.channel import sessions

    who = citizen(service)
    token, _csrf = sessions.create(service.store, who.id, AT)
    accounts.request_code(service.store, "ani@contoh.test", "reset", AT)
    _code, link = latest_code(service)
    accounts.use_code(service.store, "reset", AT, token=link, new_password="mangga-biru-kereta-19")
    assert sessions.lookup(service.store, token, AT) is None
    assert accounts.sign_in(service.store, NIK, "mangga-biru-kereta-19").id == who.id


def test_apply_online_opens_the_case_with_its_scans(service, files):
    who = citizen(service)
    case_id = apply_penggantian(service, files, who)
    with service.store.read() as s:
        case = s.get(Case, case_id)
        uploads = s.scalars(select(Upload).where(Upload.case_id == case_id)).all()
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))]
    assert case.channel == "daring" and case.clock_started_at is None  # the clock waits for the officers' check
    assert sorted((u.requirement_id, u.media_type) for u in uploads) == [
        ("fotokopi_kk", "image/png"), ("suket_hilang", "application/pdf")]
    assert all(files.get(u.storage_key) for u in uploads)
    assert "filed_online" in kinds
    assert [h["number"] for h in applying.history(service, who)] == [case.number]


def test_family_member_recorded_as_such(service, files):
    who = citizen(service)
    case_id = apply_penggantian(service, files, who, member={"nik": "6471054107150004", "name": "Rudi Lestari",
                                                              "relation": "anak"})
    with service.store.read() as s:
        case = s.get(Case, case_id)
    assert case.applicant["nik"] == "6471054107150004" and case.applicant["email"] == "ani@contoh.test"
    assert applying.history(service, who)[0]["for"] == "Rudi Lestari"


@pytest.mark.parametrize("scans, message", [
    ([("fotokopi_kk", "kk.png", b"MZ\x90\x00 not an image")], "bukan PDF, JPEG atau PNG"),
    ([("fotokopi_kk", "kk.pdf", b"%PDF-1.7 but nothing else")], "PDF rusak"),
    ([("fotokopi_kk", "kk.png", None)], "unggah persyaratan: Surat Keterangan hilang"),
    ([("tidak_ada", "x.png", None)], "tidak berlaku"),
])
def test_bad_scans_are_refused_and_change_nothing(service, files, scans, message):
    who = citizen(service)
    before = counts(service)
    with pytest.raises(InvalidInput, match=message):
        made = [scan(r, n, c if c is not None else png()) for r, n, c in scans]
        applying.apply(service, files, who, STANDARD, variant="penggantian", unit="kec-balikpapan-kota",
                       answers={"alasan": "hilang"}, scans=made, at=AT)
    assert counts(service) == before


def test_a_file_over_the_limit_is_refused():
    with pytest.raises(InvalidInput, match="lebih dari 10 MB"):
        scan("kk", "kk.png", b"\x89PNG" + b"0" * MAX_BYTES)


def test_variant_not_offered_online_is_refused(service, files):
    who = citizen(service)
    with pytest.raises(InvalidInput, match="dapat diajukan daring"):
        applying.apply(service, files, who, STANDARD, variant="baru", unit="kec-balikpapan-kota",
                       scans=[scan("kk", "kk.png", png())], at=AT)


def _return(service, case_id, returned=("fotokopi_kk",)):
    from engine.store.models import Task

    def task():
        with service.store.read() as s:
            return s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).one()
    verifier, operator = "disdukcapil-balikpapan.verifikator_siak", "disdukcapil-balikpapan.operator_siak"
    service.complete(task().id, verifier, at=AT + timedelta(minutes=5))
    service.complete(task().id, operator, data={}, at=AT + timedelta(minutes=10))
    service.complete(task().id, verifier, outcome="perbaiki_permohonan", reason="Foto KK buram",
                     returned=list(returned), at=AT + timedelta(minutes=15))


def test_return_for_correction_and_correct(service, files):
    who = citizen(service)
    case_id = apply_penggantian(service, files, who)
    _return(service, case_id)
    with service.store.read() as s:
        case = s.get(Case, case_id)
        number = case.number
        assert case.status == "waiting_applicant" and case.clock_paused_at is not None
        returned = s.scalars(select(CaseRequirement.requirement_id).where(
            CaseRequirement.case_id == case_id, CaseRequirement.received.is_(False))).all()
        body = s.scalar(select(Notification.body).where(Notification.cause == "returned"))
    assert returned == ["fotokopi_kk"]
    assert "Foto KK buram" in body and "Unggah ulang: Fotocopy Kartu Keluarga" in body
    wanted = applying.correction(service, applying.owned_case(service, who, number))
    assert wanted["reason"] == "Foto KK buram" and wanted["returned"] == ["fotokopi_kk"]
    with pytest.raises(InvalidInput, match="unggah ulang: Fotocopy Kartu Keluarga"):
        applying.correct(service, files, who, number, scans=[scan("suket_hilang", "s.pdf", pdf())],
                         at=AT + timedelta(hours=1))
    applying.correct(service, files, who, number, scans=[scan("fotokopi_kk", "kk2.png", png(2))],
                     at=AT + timedelta(hours=1))
    from engine.store.models import Task
    with service.store.read() as s:
        case = s.get(Case, case_id)
        current = s.scalars(select(Upload).where(Upload.case_id == case_id, Upload.replaced_at.is_(None))).all()
        check = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).one()
    # The corrected file goes back to the officers' check; the clock runs again once they find it complete.
    assert check.step_id == "pemeriksaan_daring" and case.clock_paused_at is not None
    service.complete(check.id, "disdukcapil-balikpapan.verifikator_siak", at=AT + timedelta(hours=2))
    with service.store.read() as s:
        case = s.get(Case, case_id)
    assert case.status == "open" and case.clock_paused_at is None
    assert sorted(u.filename for u in current) == ["kk2.png", "suket.pdf"]
    with pytest.raises(Conflict, match="tidak sedang menunggu perbaikan"):  # resubmitting again
        applying.correct(service, files, who, number, scans=[scan("fotokopi_kk", "kk3.png", png(3))], at=AT)


def test_another_citizens_case_is_not_found(service, files):
    ani = citizen(service)
    case_id = apply_penggantian(service, files, ani)
    budi = citizen(service, nik="6471051203880001", email="budi@contoh.test")
    with service.store.read() as s:
        number = s.get(Case, case_id).number
    with pytest.raises(NotFound):
        applying.owned_case(service, budi, number)
    with pytest.raises(NotFound):
        applying.correct(service, files, budi, number, scans=[scan("fotokopi_kk", "kk.png", png())], at=AT)


def test_purge_keeps_rows_and_removes_expired_files(service, files):
    who = citizen(service)
    case_id = apply_penggantian(service, files, who)
    stray = files.put(png(9))
    import os
    os.utime(files.path(stray), (0, 0))
    with service.store.write() as s:
        s.get(Case, case_id).closed_at = AT
    result = purge(service.store, files, AT + timedelta(days=400), days=365)
    assert result == {"expired": 2, "files_removed": 3}
    with service.store.read() as s:
        assert all(u.deleted_at is not None for u in s.scalars(select(Upload)))


def test_hand_over_by_courier_needs_its_receipt_number(service, files):
    """The hand-over records counter or courier; by courier, the receipt number too (a condition on another
    field of the same form)."""
    from engine.store.models import Task

    who = citizen(service)
    case_id = apply_penggantian(service, files, who)
    operator = "disdukcapil-balikpapan.operator_siak"
    for _ in range(6):
        with service.store.read() as s:
            task = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).first()
        if task.step_id == "penyerahan":
            break
        if task.role == "sistem":
            service.run_automated(task.id, at=AT)
        elif task.step_id == "verifikasi":
            service.complete(task.id, f"disdukcapil-balikpapan.{task.role}", outcome="setuju", at=AT)
        elif task.step_id == "pencetakan":
            service.complete(task.id, operator, data={"nomor_seri_blangko": "KTP-000123", "blangko_rusak": 0}, at=AT)
        else:
            service.complete(task.id, f"disdukcapil-balikpapan.{task.role}", data={}, at=AT)
    with pytest.raises(InvalidInput, match="Nomor resi") as caught:
        service.complete(task.id, operator, data={"cara_pengambilan": "kirim"}, at=AT)
    assert caught.value.field == "data.nomor_resi"
    service.complete(task.id, operator, data={"cara_pengambilan": "kirim", "nomor_resi": "JNE-0012345678"}, at=AT)
    with service.store.read() as s:
        done = s.get(Task, task.id)
        case = s.get(Case, case_id)
    assert done.data == {"cara_pengambilan": "kirim", "nomor_resi": "JNE-0012345678"} and case.status == "done"
