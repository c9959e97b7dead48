"""SQL injection and path traversal, refused: every value from a request reaches SQL as a bound parameter
and no path from a request leaves its folder. Probed through the pages and the API, then the store is
checked unchanged and no file outside the upload folder written."""

import re

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from engine.store.models import Case, Event, Task, User

from .conftest import post_sign_in, web_app
from .test_web import _case, _open_task_of

PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"
SQL = ["' OR '1'='1", "1; DROP TABLE cases; --", "x' UNION SELECT password_hash FROM users --",
       "%' OR 1=1 --", "1 OR 1=1"]
TRAVERSAL = ["../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/pyproject.toml",
             "....//....//etc/passwd", "/etc/passwd", "..\\..\\engine\\store\\db.py"]


@pytest.fixture
def web(service, tmp_path, monkeypatch):
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    hashed = hash_password(PASSWORD)
    for name in (f"{OFFICE}.petugas_layanan", f"{OFFICE}.operator"):
        service.directory.set_password(name, hashed)
    return TestClient(web_app(service)), service


def _counts(service) -> dict:
    with service.store.read() as s:
        return {model.__name__: s.scalar(select(func.count()).select_from(model)) for model in (Case, Task, User)}


def _sign_in(client, role: str) -> str:
    assert post_sign_in(client, f"{OFFICE}.{role}", PASSWORD, follow_redirects=False).status_code == 303
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/kerja").text).group(1)


def test_sql_injection_finds_nothing_and_changes_nothing(web, library):
    client, service = web
    number, code, _ = _case(service, library)
    before = _counts(service)
    for probe in SQL:
        # Anonymous: the status page, the catalogue, sign-in.
        assert client.get("/status", params={"kode": probe}).status_code == 404
        listing = client.get("/standar", params={"q": probe})
        assert listing.status_code == 200 and "kaltim-data-agregat" not in listing.text
        refused = post_sign_in(client, probe, probe)
        assert refused.status_code in (401, 429) and "Traceback" not in refused.text
    _sign_in(client, "petugas_layanan")
    for probe in SQL:
        assert client.get(f"/kasus/{probe}").status_code == 404
        assert client.get(f"/api/v1/kasus/{probe}").status_code == 404
        assert client.get(f"/tugas/{probe}").status_code in (404, 422)
    assert client.get(f"/kasus/{number}").status_code == 200  # the real case is still there
    assert _counts(service) == before


def test_path_traversal_reaches_no_file(web, library, tmp_path):
    client, service = web
    number, _, _ = _case(service, library)
    _sign_in(client, "petugas_layanan")
    for probe in TRAVERSAL:
        for path in (f"/static/{probe}", f"/api/docs/aset/{probe}", f"/kasus/{number}/dokumen/{probe}",
                     f"/kasus/{number}/dokumen/{probe}?format=pdf", f"/standar/{probe}"):
            response = client.get(path)
            assert response.status_code in (400, 404), (path, response.status_code)
            assert "root:" not in response.text and "[project]" not in response.text
            assert "create_engine" not in response.text


def test_an_upload_named_outside_its_folder_is_stored_by_hash(web, library, tmp_path):
    client, service = web
    csrf = _sign_in(client, "operator")
    _case(service, library)
    task = _open_task_of(service, "operator")
    fields = {"csrf": csrf, "data.jenis_data": "agregat", "data.wilayah": "Samarinda", "data.periode": "2026"}
    escaped = tmp_path / "escaped.pdf"
    name = "../../../../" + str(escaped).lstrip("/")
    done = client.post(f"/tugas/{task.id}", data=fields, follow_redirects=False,
                       files={"data.lampiran_data": (name, b"%PDF-1.4 data", "application/pdf")})
    assert done.status_code == 303
    assert not escaped.exists()
    uploads = list((tmp_path / "data" / "uploads").iterdir())
    assert len(uploads) == 1 and re.fullmatch(r"[0-9a-f]{64}", uploads[0].name)
    with service.store.read() as s:
        assert s.get(Task, task.id).data["lampiran_data"].startswith("escaped.pdf (sha256:")
        assert not s.scalar(select(func.count()).where(Event.kind == "action_refused"))
