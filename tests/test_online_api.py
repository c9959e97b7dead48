"""The online channel's JSON API: what an office's website or app does, with a bearer token that is a
citizen's and nothing more."""

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.store.models import Notification

from .conftest import post_sign_in
from .test_online_channel import NIK, PASSWORD, pdf, png
from .test_online_web import STANDARD, app  # noqa: F401  (the fixture)


def _code(service) -> str:
    with service.store.read() as s:
        return s.scalar(select(Notification.secret).where(Notification.cause == "code")
                        .order_by(Notification.id.desc()).limit(1)).split("\n")[0]


def signed_in(client, service, nik=NIK, email="ani@contoh.test") -> dict:
    made = client.post("/api/v1/warga/daftar", json={"nik": nik, "name": "Ani Lestari", "email": email,
                                                     "phone": "081234500001", "password": PASSWORD})
    assert made.status_code == 201, made.text
    token = client.post("/api/v1/warga/verifikasi", json={"identifier": email, "code": _code(service)}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_apply_follow_and_history_through_the_api(app, service):  # noqa: F811
    with TestClient(app) as client:
        auth = signed_in(client, service)
        offers = client.get("/api/v1/warga/layanan").json()
        ktp = next(o for o in offers if o["standard"] == STANDARD)
        assert [v["id"] for v in ktp["variants"]] == ["penggantian", "perubahan_data"]
        made = client.post("/api/v1/warga/permohonan", headers=auth, data={
            "standard": STANDARD, "variant": "penggantian", "unit": "kec-balikpapan-kota",
            "answers": json.dumps({"alasan": "rusak"})},
            files=[("berkas.fotokopi_kk", ("kk.pdf", pdf(), "application/pdf")),
                   ("berkas.ktp_el_rusak", ("ktp.png", png(), "image/png"))])
        assert made.status_code == 201, made.text
        number = made.json()["number"]
        assert [c["number"] for c in client.get("/api/v1/warga/permohonan", headers=auth).json()] == [number]
        case = client.get(f"/api/v1/warga/permohonan/{number}", headers=auth).json()
        assert case["status"] == "open" and case["correction"] is None and case["documents"] == []
        # Bad input: a clear message, nothing written.
        bad = client.post("/api/v1/warga/permohonan", headers=auth, data={
            "standard": STANDARD, "variant": "penggantian", "unit": "kec-balikpapan-kota", "answers": "[1"},
            files=[("berkas.fotokopi_kk", ("kk.pdf", pdf(), "application/pdf"))])
        assert bad.status_code == 400 and bad.json() == {"error": "answers harus berupa objek JSON",
                                                         "field": "answers"}
        assert len(client.get("/api/v1/warga/permohonan", headers=auth).json()) == 1


def test_citizens_and_officers_are_kept_apart(app, service):  # noqa: F811
    from engine.access.passwords import hash_password

    with TestClient(app) as client:
        auth = signed_in(client, service)
        assert client.get("/api/v1/tugas", headers=auth).status_code == 401  # a citizen's token: no officer
    service.directory.set_password("disdukcapil-balikpapan.operator_siak", hash_password("kata-sandi-uji-2026"))
    with TestClient(app) as officer:
        post_sign_in(officer, "disdukcapil-balikpapan.operator_siak", "kata-sandi-uji-2026")
        assert officer.get("/api/v1/tugas").status_code == 200
        assert officer.get("/api/v1/warga/permohonan").status_code == 401  # an officer's cookie: no citizen
    with TestClient(app) as nobody:
        assert nobody.get("/api/v1/warga/permohonan", headers={"Authorization": "Bearer tebakan"}).status_code == 401


def test_the_api_is_in_the_openapi_document(app):  # noqa: F811
    with TestClient(app) as client:
        paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/v1/warga/daftar", "/api/v1/warga/masuk", "/api/v1/warga/permohonan",
            "/api/v1/warga/permohonan/{number}/perbaikan",
            "/api/v1/warga/permohonan/{number}/dokumen/{product_id}"} <= set(paths)
