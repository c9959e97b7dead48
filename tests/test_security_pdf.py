"""The PDF renderer reaches nothing but layanan's own assets: no server file, no URL, no data: trick, no
path out of the asset folder (engine/pdf.py)."""

import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine.pdf import ASSET_BASE, html_to_pdf

from .conftest import post_sign_in, web_app

STATIC = Path(__file__).resolve().parents[1] / "engine" / "web" / "static"


@pytest.fixture
def listener():
    """A local HTTP server that counts the requests it gets (an 'internal address')."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body{color:red}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def _attachments(pdf: bytes) -> list:
    """Files embedded in the PDF: in its EmbeddedFiles name tree and as file-attachment annotations."""
    reader = PdfReader(io.BytesIO(pdf))
    found = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                found.append(annotation.get_object().get("/Desc"))
    return found


def _content(pdf: bytes) -> bytes:
    """Every stream of the PDF, decompressed (where an embedded file's bytes would be)."""
    reader = PdfReader(io.BytesIO(pdf))
    parts = [pdf]
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            item = reader.get_object(number)
        except Exception:  # noqa: BLE001  (free entries of the cross-reference table)
            continue
        if hasattr(item, "get_data"):
            parts.append(item.get_data())
    return b"".join(parts)


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_file_urls_are_refused(tmp_path):
    secret = tmp_path / "rahasia.txt"
    secret.write_text("root:x:0:0:rahasia")
    database = tmp_path / "layanan.db"
    database.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    html = (f'<p>Nama <a rel="attachment" href="file://{secret}">lampiran</a>'
            f'<a rel="attachment" href="file://{database}">db</a>'
            f'<link rel="attachment" href="file:///etc/passwd">'
            f'<img src="file:///usr/share/pixmaps/debian-logo.png">'
            f'<link rel="stylesheet" href="file://{secret}"></p>'
            f'<style>@import url("file:///etc/passwd");</style>')
    pdf = html_to_pdf(html, assets=STATIC)
    assert _attachments(pdf) == []
    assert _images(pdf) == 0
    assert b"rahasia" not in _content(pdf) and b"SQLite format" not in _content(pdf)


def test_http_urls_are_never_requested(listener):
    base, hits = listener
    html = (f'<link rel="stylesheet" href="{base}/gaya.css"><img src="{base}/gambar.png">'
            f'<a rel="attachment" href="{base}/rahasia">x</a><style>@import url("{base}/impor.css");</style>'
            f'<p style="background: url({base}/latar.png)">Nama</p>')
    pdf = html_to_pdf(html, assets=STATIC)
    assert hits == []
    assert _attachments(pdf) == []


def test_data_urls_and_nested_tricks_are_refused(tmp_path, listener):
    base, hits = listener
    secret = tmp_path / "rahasia.txt"
    secret.write_text("isi-rahasia")
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><image href="file://{secret}"/><image href="{base}/x"/></svg>'
    encoded = base64.b64encode(svg.encode()).decode()
    html = (f'<img src="data:image/svg+xml;base64,{encoded}">'
            f'<a rel="attachment" href="data:text/plain;base64,{base64.b64encode(b"lampiran-data").decode()}">x</a>'
            f'<link rel="stylesheet" href="data:text/css,@import url(file://{secret});">')
    pdf = html_to_pdf(html, assets=STATIC)
    assert _attachments(pdf) == [] and _images(pdf) == 0
    assert hits == [] and b"isi-rahasia" not in _content(pdf) and b"lampiran-data" not in _content(pdf)


def test_the_checks_above_see_what_weasyprints_default_fetcher_embeds(tmp_path):
    """The same checks find the file that WeasyPrint's own fetcher embeds (so they can fail)."""
    from weasyprint import HTML

    secret = tmp_path / "rahasia.txt"
    secret.write_text("root:x:0:0:rahasia")
    pdf = HTML(string=f'<a rel="attachment" href="file://{secret}">x</a>').write_pdf()
    assert _attachments(pdf) != [] and b"rahasia" in _content(pdf)


def test_only_files_inside_the_asset_folder_are_served(tmp_path):
    from engine.pdf import RefusedResource, _fetcher

    refused = []
    fetch = _fetcher(STATIC, refused)
    assert b"body" in fetch.fetch(ASSET_BASE + "static/print.css").read()
    for url in (ASSET_BASE + "static/../app.py", ASSET_BASE + "static/%2e%2e/app.py",
                ASSET_BASE + "static/../../store/db.py", ASSET_BASE + "rahasia", "https://layanan.invalid.evil/",
                "file://" + str(STATIC / "print.css")):
        with pytest.raises(RefusedResource):
            fetch.fetch(url)
    assert len(refused) == 6


def test_the_receipt_pdf_of_a_hostile_applicant_embeds_nothing(service, library, tmp_path, monkeypatch):
    import re

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from engine.cases.simulate import SAMPLE_APPLICANT
    from engine.store.models import Case, User
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    office = "disdukcapil-kaltim"
    with service.store.read() as s:
        names = s.scalars(select(User.username)).all()
    hashed = hash_password("kata-sandi-uji-2026")
    for name in names:
        service.directory.set_password(name, hashed)
    database = service.store.url.removeprefix("sqlite:///")
    hostile = f'<a rel="attachment" href="file:///etc/passwd">x</a><a rel="attachment" href="file://{database}">y</a>'
    standard = "kaltim-data-agregat"
    requirements = [r["id"] for r in library.standard(standard).requirements(None, None, {})]
    case_id = service.open_case(standard, dict(SAMPLE_APPLICANT, name="Nama" + hostile, address=hostile),
                                requirements=requirements, actor=f"{office}.petugas_layanan")
    with service.store.read() as s:
        number = s.get(Case, case_id).number
    client = TestClient(web_app(service))
    post_sign_in(client, f"{office}.petugas_layanan", "kata-sandi-uji-2026")
    response = client.get(f"/kasus/{number}/tanda-terima?format=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert _attachments(response.content) == []
    assert b"SQLite format" not in _content(response.content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "rel=" in text or "attachment" in text  # the markup is printed as text
    assert not re.search(r"root:.:0:0", text)
