"""The web application's rules, in-process over HTTP (Starlette's TestClient): sign-in, sessions, CSRF,
office and role checks, bad submissions, uploads, the public pages and the JSON API."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Case, Event, Task, WebSession

from .conftest import post_sign_in, web_app

PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"


@pytest.fixture
def web(service, tmp_path, monkeypatch):
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    hashed = hash_password(PASSWORD)
    with service.store.read() as s:
        from engine.store.models import User

        names = s.scalars(select(User.username)).all()
    for name in names:
        service.directory.set_password(name, hashed)
    return TestClient(web_app(service)), service


def _login(client, role, office=OFFICE):
    response = post_sign_in(client, f"{office}.{role}", PASSWORD, follow_redirects=False)
    assert response.status_code == 303
    page = client.get("/kerja")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def _case(service, library, standard="kaltim-data-agregat"):
    reqs = [r["id"] for r in library.standard(standard).requirements(None, None, {})]
    case_id = service.open_case(standard, dict(SAMPLE_APPLICANT), requirements=reqs,
                                actor=f"{OFFICE}.petugas_layanan")
    with service.store.read() as s:
        case = s.get(Case, case_id)
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
        return case.number, case.receipt_code, task.id


def _open_task_of(service, role):
    with service.store.read() as s:
        return s.scalar(select(Task).where(Task.status == "open", Task.role == role))


def test_every_officer_page_needs_a_sign_in(web):
    client, _ = web
    for path in ("/kerja", "/kasus/baru", "/kasus/X", "/tugas/1", "/kasus/X/tanda-terima"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/masuk"), path
    assert client.get("/api/v1/tugas").status_code == 401


def test_wrong_password_and_unknown_user_are_refused_alike(web):
    client, _ = web
    for username in (f"{OFFICE}.operator", "tidak.ada"):
        response = post_sign_in(client, username, "salah-salah-salah")
        assert response.status_code == 401 and "Nama pengguna atau kata sandi salah" in response.text


def test_session_cookie_flags_and_logout_ends_the_session(web):
    client, service = web
    response = post_sign_in(client, f"{OFFICE}.operator", PASSWORD, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/kerja").text).group(1)
    assert client.post("/keluar", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/kerja", follow_redirects=False).status_code == 303
    with service.store.read() as s:
        assert s.scalar(select(func.count()).select_from(WebSession)) == 0


def test_posts_without_the_csrf_token_change_nothing(web, library):
    client, service = web
    _login(client, "operator")
    _case(service, library)
    task = _open_task_of(service, "operator")
    response = client.post(f"/tugas/{task.id}/ambil", data={})
    assert response.status_code == 403 and "muat ulang" in response.text
    with service.store.read() as s:
        assert s.get(Task, task.id).status == "open"
        refusal = s.scalar(select(Event).where(Event.kind == "action_refused"))
    assert refusal is not None and "CSRF" in refusal.data["message"]
    api = client.post(f"/api/v1/tugas/{task.id}/ambil")
    assert api.status_code == 403 and api.json()["field"] == "X-CSRF-Token"


def test_a_bad_form_submission_names_the_field_and_changes_nothing(web, library):
    client, service = web
    csrf = _login(client, "operator")
    _case(service, library)
    task = _open_task_of(service, "operator")
    with service.store.read() as s:
        events = s.scalar(select(func.count()).select_from(Event))
    response = client.post(f"/tugas/{task.id}", data={"csrf": csrf, "data.jenis_data": "bukan-pilihan",
                                                       "data.wilayah": "Samarinda", "data.periode": "2026"})
    assert response.status_code == 400
    assert "data.jenis_data" in response.text and "pilihan tidak dikenal" in response.text
    with service.store.read() as s:
        assert s.get(Task, task.id).status == "open"
        assert s.scalar(select(func.count()).select_from(Event)) == events


def test_wrong_role_is_refused_and_recorded(web, library):
    client, service = web
    csrf = _login(client, "operator")
    _case(service, library)
    task = _open_task_of(service, "operator")
    service.complete(task.id, f"{OFFICE}.operator", data={"jenis_data": "agregat", "wilayah": "Samarinda",
                                                          "periode": "2026"})
    with service.store.read() as s:
        verify = s.scalar(select(Task).where(Task.status == "open", Task.role == "subkoor_piak"))
    response = client.post(f"/tugas/{verify.id}", data={"csrf": csrf, "outcome": "setuju"})
    assert response.status_code == 403 and "memerlukan peran" in response.text
    with service.store.read() as s:
        assert s.get(Task, verify.id).status == "open"
        refusal = s.scalar(select(Event).where(Event.kind == "action_refused"))
    assert refusal.actor == f"{OFFICE}.operator" and refusal.task_id == verify.id


def test_another_offices_case_does_not_exist_for_an_officer(web, library):
    client, service = web
    number, _, _ = _case(service, library)
    _login(client, "operator_siak", office="disdukcapil-balikpapan")
    assert client.get(f"/kasus/{number}").status_code == 404
    assert client.get(f"/kasus/{number}/tanda-terima").status_code == 404


def test_upload_type_and_size_are_checked(web, library):
    client, service = web
    csrf = _login(client, "operator")
    _case(service, library)
    task = _open_task_of(service, "operator")
    fields = {"csrf": csrf, "data.jenis_data": "agregat", "data.wilayah": "Samarinda", "data.periode": "2026"}
    renamed = client.post(f"/tugas/{task.id}", data=fields,
                          files={"data.lampiran_data": ("data.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert renamed.status_code == 400 and "bukan PDF" in renamed.text
    wrong = client.post(f"/tugas/{task.id}", data=fields,
                        files={"data.lampiran_data": ("data.exe", b"MZ", "application/octet-stream")})
    assert wrong.status_code == 400 and "jenis berkas tidak diterima" in wrong.text
    big = client.post(f"/tugas/{task.id}", data=fields,
                      files={"data.lampiran_data": ("data.csv", b"a,b\n" * (2 * 2**20), "text/csv")})
    assert big.status_code == 400 and "terlalu besar" in big.text
    ok = client.post(f"/tugas/{task.id}", data=fields,
                     files={"data.lampiran_data": ("data.pdf", b"%PDF-1.4 data", "application/pdf")},
                     follow_redirects=False)
    assert ok.status_code == 303
    with service.store.read() as s:
        assert s.get(Task, task.id).data["lampiran_data"].startswith("data.pdf (sha256:")


def test_intake_incomplete_then_receipt(web, library):
    client, service = web
    csrf = _login(client, "petugas_layanan")
    form = {"csrf": csrf, "applicant.nik": SAMPLE_APPLICANT["nik"], "applicant.name": "Siti"}
    refused = client.post("/kasus/baru/kaltim-data-agregat", data=form)
    assert refused.status_code == 400 and "persyaratan belum lengkap" in refused.text
    recorded = client.post("/kasus/baru/kaltim-data-agregat", data={**form, "incomplete": "1"},
                           follow_redirects=False)
    assert recorded.status_code == 303 and recorded.headers["location"].endswith("/tanda-terima")
    receipt = client.get(recorded.headers["location"])
    assert "belum berjalan" in receipt.text and "BELUM" in receipt.text
    # The status link and its QR code carry the configured public address and the receipt code.
    with service.store.read() as s:
        code = s.scalar(select(Case.receipt_code).order_by(Case.id.desc()))
    assert f"http://testserver/status?kode={code}" in receipt.text
    assert "<svg" in receipt.text and "Kode QR cek status permohonan" in receipt.text
    assert "127.0.0.1" not in receipt.text


def test_public_pages_show_no_personal_data(web, library):
    client, service = web
    _, code, _ = _case(service, library)
    page = client.get(f"/status?kode={code}")
    assert page.status_code == 200
    assert SAMPLE_APPLICANT["name"] not in page.text and SAMPLE_APPLICANT["nik"] not in page.text
    assert "Penerimaan surat permohonan" in page.text
    assert client.get("/status?kode=TIDAKADA").status_code == 404
    listing = client.get("/standar?q=data agregat")
    assert "kaltim-data-agregat" in listing.text
    detail = client.get("/standar/kaltim-data-agregat")
    assert "Persyaratan" in detail.text and "Surat Permohonan" in detail.text


def test_json_api_with_openapi(web, library):
    client, service = web
    schema = client.get("/api/openapi.json").json()
    assert {"/api/v1/masuk", "/api/v1/tugas", "/api/v1/kasus", "/api/v1/tugas/{task_id}/selesai"} <= set(schema["paths"])
    signed = client.post("/api/v1/masuk", json={"username": f"{OFFICE}.petugas_layanan", "password": PASSWORD})
    assert signed.status_code == 200
    headers = {"X-CSRF-Token": signed.json()["csrf_token"]}
    reqs = [r["id"] for r in library.standard("kaltim-data-agregat").requirements(None, None, {})]
    bad = client.post("/api/v1/kasus", headers=headers, json={"standard": "kaltim-data-agregat",
                                                               "applicant": {"nik": "123", "name": "A"}})
    assert bad.status_code == 400 and bad.json()["field"] == "applicant.nik"
    made = client.post("/api/v1/kasus", headers=headers, json={
        "standard": "kaltim-data-agregat", "applicant": SAMPLE_APPLICANT, "requirements": reqs})
    assert made.status_code == 201 and made.json()["due_at"]
    view = client.get(f"/api/v1/kasus/{made.json()['number']}").json()
    assert view["status"] == "open" and view["tasks"][-1]["step"] == "pengolahan"
    # the front office does not hold the operator's role
    task_id = view["tasks"][-1]["task"]
    refused = client.post(f"/api/v1/tugas/{task_id}/selesai", headers=headers, json={"data": {}})
    assert refused.status_code == 403


def test_admin_page_manages_users_of_its_own_office_only(web):
    client, service = web
    csrf = _login(client, "operator")
    assert client.get("/admin/pengguna").status_code == 403  # not an admin
    service.directory.set_admin(f"{OFFICE}.kepala_dinas")
    client.cookies.clear()
    csrf = _login(client, "kepala_dinas")
    page = client.get("/admin/pengguna")
    assert page.status_code == 200 and f"{OFFICE}.operator" in page.text
    assert "disdukcapil-balikpapan" not in page.text
    short = client.post("/admin/pengguna", data={"csrf": csrf, "username": "loket3", "roles": ["petugas_layanan"],
                                                 "password": "pendek", "active": "1"})
    assert short.status_code == 400 and "minimal 10" in short.text
    bad_role = client.post("/admin/pengguna", data={"csrf": csrf, "username": "loket3", "roles": ["operator_siak"],
                                                    "password": "", "active": "1"})
    assert bad_role.status_code == 400 and "roles" in bad_role.text
    saved = client.post("/admin/pengguna", data={"csrf": csrf, "username": "loket3", "full_name": "Loket Tiga",
                                                  "roles": ["petugas_layanan"], "password": "sandi-loket-tiga",
                                                  "active": "1"}, follow_redirects=False)
    assert saved.status_code == 303
    client.cookies.clear()
    assert post_sign_in(client, "loket3", "sandi-loket-tiga", follow_redirects=False).status_code == 303
    # an admin cannot take over another office's user by reusing the name
    client.cookies.clear()
    csrf = _login(client, "kepala_dinas")
    taken = client.post("/admin/pengguna", data={"csrf": csrf, "username": "disdukcapil-balikpapan.operator_siak",
                                                 "roles": ["petugas_layanan"], "password": "", "active": "1"})
    assert taken.status_code == 403
    assert "kantor lain" in taken.text


def test_bundle_intake_in_a_demo_office(service, library, tmp_path, monkeypatch):
    """The Seven-in-One bundle (a draft, so offered only in the demo) opens one case with its parts."""
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    bundle = next(iter(library.bundles.values()))
    first = library.standard(bundle.data["parts"][0]["standard"])
    role = next(s["role"] for s in first.data["steps"] if s["kind"] == "intake")
    username = f"{bundle.office.id}.{role}"
    service.directory.set_password(username, hash_password(PASSWORD))
    for demo in (False, True):
        client = TestClient(web_app(service, demo=demo))
        post_sign_in(client, username, PASSWORD)
        listing = client.get("/kasus/baru").text
        assert (f"/kasus/baru/{bundle.id}" in listing) is demo
    form = client.get(f"/kasus/baru/{bundle.id}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    ticked = re.findall(r'name="requirements" value="([^"]+)"', form.text)
    assert any(t.startswith(bundle.data["parts"][0]["id"] + "/") for t in ticked)
    unit = re.search(r'<select name="unit"[^>]*><option value="([^"]+)"', form.text).group(1)
    made = client.post(f"/kasus/baru/{bundle.id}", data={"csrf": csrf, "applicant.nik": SAMPLE_APPLICANT["nik"],
                                                        "applicant.name": "Siti", "requirements": ticked,
                                                        "unit": unit},
                       follow_redirects=False)
    assert made.status_code == 303, re.findall(r"Belum dapat dicatat[^<]*", made.text)
    number = made.headers["location"].split("/kasus/")[1].split("/")[0]
    with service.store.read() as s:
        parent = s.scalar(select(Case).where(Case.number == number))
        parts = s.scalars(select(Case).where(Case.parent_id == parent.id)).all()
    assert parent.standard_id == bundle.id and parts
    page = client.get(f"/kasus/{number}")
    assert page.status_code == 200 and bundle.title in page.text


def test_worklist_filters_by_standard_in_the_query(web, library):
    client, service = web
    _login(client, "petugas_layanan")
    for standard in ("kaltim-data-agregat", "kaltim-akses-data"):
        reqs = [r["id"] for r in library.standard(standard).requirements(None, None, {})]
        service.open_case(standard, dict(SAMPLE_APPLICANT), requirements=reqs, allow_incomplete=True)
    everything = client.get("/kerja").text
    assert "kaltim-data-agregat" in everything and "Pemanfaatan Akses Data" in everything
    only = client.get("/kerja?standar=kaltim-akses-data").text
    rows = re.findall(r'<td data-label="Kasus">.*?<small>([^<]+)</small>', only, re.S)
    assert rows and all("Akses Data" in r for r in rows)


def test_auditor_pages_are_read_only(web, library):
    client, service = web
    number, _, _ = _case(service, library)
    service.directory.add_user("inspektorat", "Inspektur", OFFICE, [])
    service.directory.set_auditor("inspektorat")
    from engine.web.auth import hash_password

    service.directory.set_password("inspektorat", hash_password(PASSWORD))
    post_sign_in(client, "inspektorat", PASSWORD)
    page = client.get("/audit?dari=2000-01-01&sampai=2100-01-01")
    assert page.status_code == 200 and "<svg" in page.text and "rantai utuh" in page.text
    assert "kaltim-data-agregat" in page.text
    assert client.get(f"/kasus/{number}").status_code == 200
    bad = client.get("/audit?dari=kemarin")
    assert bad.status_code == 400 and "dari" in bad.text
    task = _open_task_of(service, "operator")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    refused = client.post(f"/tugas/{task.id}", data={"csrf": csrf, "data.jenis_data": "agregat"})
    assert refused.status_code == 403
    client.cookies.clear()
    _login(client, "operator")
    assert client.get("/audit").status_code == 403


def test_worklist_shows_escalations_to_the_supervisor(web, library):
    from datetime import timedelta

    from engine.cases.service import now
    from engine.sla.monitor import run_pass

    client, service = web
    number, _, _ = _case(service, library)
    run_pass(service.store, now() + timedelta(days=30))  # long past due: escalated to the top
    _login(client, "kepala_dinas")
    page = client.get("/kerja").text
    assert "Perlu perhatian Anda" in page and number in page and "Terlambat" in page


def test_the_case_store_away_is_a_503_in_words_and_one_log_line(web, monkeypatch, caplog):
    """A database restarting (issue 24's failure tests restart PostgreSQL under load): the officer reads that
    nothing was saved and to try again; the API says the same in JSON; no traceback in the page or the log."""
    from sqlalchemy.exc import OperationalError

    client, service = web
    post_sign_in(client, f"{OFFICE}.operator", PASSWORD)

    def away(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection to server failed: the database system "
                                                         "is starting up"))

    import engine.web.api as api
    import engine.web.pages as pages

    monkeypatch.setattr(api, "worklist", away)
    monkeypatch.setattr(pages, "worklist", away)
    answer = client.get("/api/v1/tugas")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert "tidak ada yang tersimpan" in answer.json()["error"]
    page = client.get("/kerja")
    assert page.status_code == 503 and "Basis data sedang tidak dapat dihubungi" in page.text
    assert "Traceback" not in page.text and "OperationalError" not in page.text
    assert "Traceback" not in caplog.text
