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
    from engine.web import citizen_auth

    citizen_auth.REGISTERED.seen.clear()
    with TestClient(app) as client:
        statuses = []
        for n in range(7):
            page = client.get("/akun/daftar")
            statuses.append(client.post("/akun/daftar", data={
                "token": token_of(page.text), "nik": f"647105120388{n + 1:04d}", "name": "Budi",
                "email": f"b{n}@contoh.test", "phone": "081234500001", "password": PASSWORD}).status_code)
    citizen_auth.REGISTERED.seen.clear()
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
