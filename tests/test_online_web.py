"""The online channel's pages through the web application (TestClient): register, verify, sign in, apply
with uploads, be returned and correct, download the signed product from the account and by PIN; and what
is refused: another citizen's case, an officer's cookie, a guessed PIN, a flood of registrations."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.channel.uploads import FolderStore
from engine.store.models import Case, Notification, Task

from .conftest import web_app
from .test_online_channel import NIK, PASSWORD, pdf, png

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 9, tzinfo=WITA)
STANDARD = "balikpapan-cetak-ktp-el"


@pytest.fixture
def app(service, tmp_path):
    application = web_app(service, clock=lambda: AT)
    application.state.uploads = FolderStore(tmp_path / "unggahan")
    return application


def token_of(html: str, name: str = "token") -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def newest_secret(service, cause="code") -> list[str]:
    with service.store.read() as s:
        return s.scalar(select(Notification.secret).where(Notification.cause == cause)
                        .order_by(Notification.id.desc()).limit(1)).split("\n")


def register(client, service, nik=NIK, email="ani@contoh.test"):
    page = client.get("/akun/daftar")
    answer = client.post("/akun/daftar", data={"token": token_of(page.text), "nik": nik, "name": "Ani Lestari",
                                               "email": email, "phone": "081234500001", "password": PASSWORD})
    assert answer.status_code == 200 and "kode verifikasi" in answer.text
    code, link = newest_secret(service)
    answer = client.get(f"/akun/verifikasi?t={link}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/akun"
    return client


def csrf(client, path):
    return token_of(client.get(path).text, "csrf")


def apply(client, variant="penggantian"):
    form = client.get(f"/daring/{STANDARD}?jenis={variant}")
    assert form.status_code == 200 and "Unggah persyaratan" in form.text
    data = {"csrf": token_of(form.text, "csrf"), "variant": variant, "unit": "kec-balikpapan-kota",
            "untuk": "sendiri"}
    files = [("berkas.fotokopi_kk", ("kk.png", png(), "image/png"))]
    if variant == "penggantian":
        data["answers.alasan"] = "hilang"
        files.append(("berkas.suket_hilang", ("suket.pdf", pdf(), "application/pdf")))
    else:
        files = [("berkas.kk_terbaru", ("kk.png", png(), "image/png")),
                 ("berkas.ktp_lama", ("ktp.jpg", png(3), "image/png"))]
    return client.post(f"/daring/{STANDARD}", data=data, files=files, follow_redirects=False)


def test_register_apply_and_follow(app, service):
    with TestClient(app) as client:
        register(client, service)
        answer = apply(client)
        assert answer.status_code == 303, answer.text
        page = client.get(answer.headers["location"])
        assert "Permohonan terkirim" in page.text and "kk.png" in page.text
        home = client.get("/akun")
        assert "Cetak Kartu Tanda Penduduk" in home.text


def test_the_other_variant_too(app, service):
    with TestClient(app) as client:
        register(client, service)
        assert apply(client, "perubahan_data").status_code == 303


def test_a_fake_file_is_refused_in_words(app, service):
    with TestClient(app) as client:
        register(client, service)
        form = client.get(f"/daring/{STANDARD}?jenis=penggantian")
        answer = client.post(f"/daring/{STANDARD}", data={
            "csrf": token_of(form.text, "csrf"), "variant": "penggantian", "unit": "kec-balikpapan-kota",
            "answers.alasan": "hilang"}, files=[("berkas.fotokopi_kk", ("kk.png", b"MZ\x90 program", "image/png")),
                                               ("berkas.suket_hilang", ("s.pdf", pdf(), "application/pdf"))])
        assert answer.status_code == 400 and "bukan PDF, JPEG atau PNG" in answer.text
    with service.store.read() as s:
        assert s.scalars(select(Case)).all() == []


def test_another_citizens_case_and_the_officers_cookie(app, service):
    with TestClient(app) as ani:
        register(ani, service)
        location = apply(ani).headers["location"]
    with TestClient(app) as budi:
        register(budi, service, nik="6471051203880001", email="budi@contoh.test")
        assert budi.get(location).status_code == 404
    with TestClient(app) as nobody:
        answer = nobody.get(location, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/akun/masuk")


def test_registration_flood_from_one_address(app, service):
    with TestClient(app) as client:
        statuses = []
        for n in range(7):
            page = client.get("/akun/daftar")
            statuses.append(client.post("/akun/daftar", data={
                "token": token_of(page.text), "nik": f"647105120388{n + 1:04d}", "name": "Budi",
                "email": f"b{n}@contoh.test", "phone": "081234500001", "password": PASSWORD}).status_code)
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]


KALTIM = "kaltim-pemadanan-data"
OFFICE = "disdukcapil-kaltim"


def _open_task(service, case_id):
    with service.store.read() as s:
        return s.scalar(select(Task).where(Task.case_id == case_id, Task.status.in_(("open", "claimed"))))


def _case_of(service, number):
    with service.store.read() as s:
        return s.scalar(select(Case).where(Case.number == number))


def test_kaltim_online_return_correct_sign_notify_download_verify(app, service, tmp_path):
    """A Kaltim standard end to end on the online channel: the officer names the file to upload again on
    the task page, the citizen corrects it, the head signs, the e-mails arrive at a real SMTP server, and
    the signed PDF is downloaded from the account and by link with PIN, then verified."""
    from engine.access.passwords import hash_password
    from engine.notify import outbox
    from engine.notify.transports import SmtpTransport

    from .conftest import post_sign_in, signing_proof
    from .notify_support import SmtpServer

    with TestClient(app) as citizen:
        register(citizen, service)
        form = citizen.get(f"/daring/{KALTIM}")
        answer = citizen.post(f"/daring/{KALTIM}", data={"csrf": token_of(form.text, "csrf"), "untuk": "sendiri"},
                              files=[("berkas.surat_permohonan", ("surat.pdf", pdf(), "application/pdf")),
                                     ("berkas.data_dipadankan", ("data.png", png(), "image/png"))],
                              follow_redirects=False)
        assert answer.status_code == 303, answer.text
        number = answer.headers["location"].split("/")[-1].split("?")[0]
        case = _case_of(service, number)
        # The officers: the file's check, then the verifier returns it naming the attachment, on the page.
        service.complete(_open_task(service, case.id).id, f"{OFFICE}.petugas_layanan", at=AT)
        verifier = f"{OFFICE}.subkoor_piak"
        service.directory.set_password(verifier, hash_password("kata-sandi-uji-2026"))
        with TestClient(app) as officer:
            post_sign_in(officer, verifier, "kata-sandi-uji-2026")
            task_id = _open_task(service, case.id).id
            page = officer.get(f"/tugas/{task_id}")
            assert "Berkas unggahan pemohon" in page.text and "data.png" in page.text
            upload = re.search(rf'href="/kasus/{number}/berkas/(\d+)"', page.text).group(1)
            scan_file = officer.get(f"/kasus/{number}/berkas/{upload}")
            assert scan_file.headers["content-type"].startswith(("application/pdf", "image/png"))
            done = officer.post(f"/tugas/{task_id}", data={
                "csrf": token_of(page.text, "csrf"), "outcome": "lengkapi", "dikembalikan": "data_dipadankan",
                "reason": "Lampiran data tidak memuat kolom NIK"}, follow_redirects=False)
            assert done.status_code == 303, done.text
        # The citizen sees why and what, and corrects.
        page = citizen.get(f"/daring/permohonan/{number}")
        assert "Lampiran data tidak memuat kolom NIK" in page.text and "Unggah ulang: Lampiran data" in page.text
        fixed = citizen.post(f"/daring/permohonan/{number}/perbaiki", data={"csrf": token_of(page.text, "csrf")},
                             files=[("berkas.data_dipadankan", ("data-2.png", png(5), "image/png"))],
                             follow_redirects=False)
        assert fixed.status_code == 303, fixed.text
        assert "Perbaikan terkirim" in citizen.get(fixed.headers["location"]).text
        # The officers go on to the signature.
        for _ in range(8):
            task = _open_task(service, case.id)
            if task is None:
                break
            who = f"{OFFICE}.{task.role}"
            if task.role == "sistem":
                service.run_automated(task.id, at=AT)
            elif task.kind == "signature":
                service.complete(task.id, who, proof=signing_proof(service, who, AT), at=AT)
            elif task.step_id == "verifikasi":
                service.complete(task.id, who, outcome="lanjut", at=AT)
            elif task.step_id == "pemadanan":
                service.complete(task.id, who, data={"jumlah_data": 10, "jumlah_padan": 9,
                                                     "berkas_hasil": "hasil.xlsx"}, at=AT)
            else:
                service.complete(task.id, who, at=AT)
        with SmtpServer() as smtp:
            outbox.deliver(service.store, {"email": SmtpTransport(smtp.url)}, AT + timedelta(minutes=5))
            mails = smtp.inbox.bodies("ani@contoh.test")
        subjects = [m["Subject"] for m in smtp.inbox.to("ani@contoh.test")]
        assert "Permohonan perlu diperbaiki" in subjects and "Dokumen Anda sudah ditandatangani" in subjects
        signed_mail = next(b for b in mails if "/unduh/" in b)
        pin_mail = next(b for b in mails if "PIN untuk mengunduh" in b)
        link = re.search(r"/unduh/(\S+?) ", signed_mail).group(1)
        pin = re.search(r": (\d{6})\.", pin_mail).group(1)
        assert pin not in signed_mail  # the PIN travels apart from the link
        # From the account, and by the link with its PIN.
        page = citizen.get(f"/daring/permohonan/{number}")
        assert "Dokumen Anda" in page.text
        own = citizen.get(f"/daring/permohonan/{number}/dokumen/surat_hasil")
        assert own.headers["content-type"] == "application/pdf" and own.content.startswith(b"%PDF")
    with TestClient(app) as stranger:
        assert stranger.get(f"/unduh/{link}").status_code == 200
        wrong = "000000" if pin != "000000" else "111111"
        assert "PIN salah" in stranger.post(f"/unduh/{link}", data={"pin": wrong}).text
        got = stranger.post(f"/unduh/{link}", data={"pin": pin})
        assert got.headers["content-type"] == "application/pdf" and got.content == own.content
        code = re.search(r"/verifikasi/([A-Z0-9]+)", signed_mail)
        with service.store.read() as s:
            from engine.store.models import Document
            verify_code = s.scalar(select(Document.verify_code).where(Document.case_id == case.id,
                                                                      Document.signed_at.is_not(None)))
        page = stranger.get(f"/verifikasi/{verify_code}")
        assert "Asli dan berlaku" in page.text and code is None


def _link_for_a_new_case(app, service, token: str, created, expires):
    """A citizen's online case with a download link (token, PIN 123456) as a signature would leave it."""
    from engine.cases.notices import digest
    from engine.store.models import DownloadLink

    with TestClient(app) as client:
        register(client, service)
        number = apply(client).headers["location"].split("/")[-1].split("?")[0]
    case = _case_of(service, number)
    with service.store.write() as s:
        s.add(DownloadLink(token_hash=digest(token), case_id=case.id, product_id="ktp_el",
                           pin_hash=digest(f"{token}:123456"), failures=0, created_at=created,
                           expires_at=expires, downloads=0))
    return case


def test_a_guessed_pin_locks_the_link(app, service):
    from engine.channel import downloads

    case = _link_for_a_new_case(app, service, "tautan-uji", AT, AT + timedelta(days=30))
    with TestClient(app) as guesser:
        answers = [guesser.post("/unduh/tautan-uji", data={"pin": f"{n:06d}"}) for n in range(downloads.PIN_TRIES + 1)]
    assert all("PIN salah" in a.text for a in answers[:downloads.PIN_TRIES])
    assert "dikunci" in answers[-1].text  # even the right PIN waits now
    with service.store.read() as s:
        from engine.store.models import Event
        refused = s.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "download_refused")).all()
    assert len(refused) == downloads.PIN_TRIES and refused[-1].data["locked"] is True


def test_abuse_is_refused_in_words_and_changes_nothing(app, service):
    """A 50 MB upload, too many files, an expired download link, a reused verification link."""
    from engine.channel.uploads import MAX_FILES

    with TestClient(app) as client:
        register(client, service)
        form = client.get(f"/daring/{STANDARD}?jenis=penggantian")
        data = {"csrf": token_of(form.text, "csrf"), "variant": "penggantian", "unit": "kec-balikpapan-kota",
                "answers.alasan": "hilang"}
        huge = client.post(f"/daring/{STANDARD}", data=data,
                           files=[("berkas.fotokopi_kk", ("kk.png", b"\x89PNG" + b"0" * 50_000_000, "image/png"))])
        assert huge.status_code == 413 and "terlalu besar" in huge.text
        many = client.post(f"/daring/{STANDARD}", data=data,
                           files=[("berkas.fotokopi_kk", (f"kk{n}.png", png(), "image/png"))
                                  for n in range(MAX_FILES + 1)])
        assert many.status_code == 400 and "terlalu banyak berkas" in many.text
        # The verification link was used at registration: a second use is refused.
        _code, link = newest_secret(service)
        again = client.get(f"/akun/verifikasi?t={link}")
        assert again.status_code == 400 and "sudah dipakai" in again.text
    with service.store.read() as s:
        assert s.scalars(select(Case)).all() == []
    with TestClient(app) as stranger:
        assert stranger.get("/unduh/tidak-dikenal").status_code == 404


def test_an_expired_download_link_says_where_the_product_is(app, service):
    _link_for_a_new_case(app, service, "tautan-lama", AT - timedelta(days=60), AT - timedelta(days=30))
    with TestClient(app) as stranger:
        page = stranger.get("/unduh/tautan-lama")
        assert page.status_code == 403 and "kedaluwarsa" in page.text and "akun layanan daring" in page.text
        assert "kedaluwarsa" in stranger.post("/unduh/tautan-lama", data={"pin": "123456"}).text


def test_the_public_status_page_says_what_to_fix_why_and_what_next(app, service):
    from .test_online_channel import _return

    with TestClient(app) as client:
        register(client, service)
        number = apply(client).headers["location"].split("/")[-1].split("?")[0]
    case = _case_of(service, number)
    with TestClient(app) as anyone:
        page = anyone.get(f"/status?kode={case.receipt_code}").text
        assert "Sedang diproses: <strong>Verifikasi berkas permohonan daring</strong>" in page
        assert f"/pengaduan?kode={case.receipt_code}" in page
        _return(service, case.id)
        page = anyone.get(f"/status?kode={case.receipt_code}").text
        assert "Yang perlu Anda lakukan" in page and "Foto KK buram" in page
        assert "Lengkapi: Fotocopy Kartu Keluarga" in page and f"/daring/permohonan/{number}" in page
