"""The public verification of signed products (no sign-in): the QR code on a signed document opens
``/verifikasi/<code>``, which says which document of which office the code names, who signed it and when;
a PDF uploaded there is checked: its electronic signature (pyHanko, against the office's certificate) and
whether it is, byte for byte, the file the office issued. No applicant's data is shown: the code is all
the visitor knows. The sealed PDF of a signed document is served to officers from here too."""

from __future__ import annotations

import asyncio
import hashlib

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from engine.cases.sealing import sealed_pdf, signed_by_code
from engine.signing import check_pdf, load_seal
from engine.store.db import data_dir

from .views import HERE

router = APIRouter(include_in_schema=False)
MAX_PDF = 10 * 1024 * 1024


def seal_of(app):
    """The office's seal (the configured certificate, or the demo one made on first use)."""
    if getattr(app.state, "seal", None) is None:
        app.state.seal = load_seal(data_dir() / "tte")
    return app.state.seal


def sealed_response(request: Request, document_id: int, filename: str) -> Response:
    pdf = sealed_pdf(request.app.state.service.store, document_id, seal_of(request.app), assets=HERE / "static")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'})


def _page(request: Request, code: str, *, verdict=None, status_code: int = 200):
    found = signed_by_code(request.app.state.service.store, code) if code else None
    context = {"officer": None, "code": code, "found": found, "verdict": verdict,
               **({"tz": found.timezone} if found else {}),
               "demo": seal_of(request.app).demo}
    return request.app.state.templates.TemplateResponse(request, "verification.html.j2", context,
                                                        status_code=status_code if found or not code else 404)


@router.get("/verifikasi", response_class=HTMLResponse)
def verification_form(request: Request, kode: str = ""):
    return _page(request, kode.strip().upper())


@router.get("/verifikasi/{code}", response_class=HTMLResponse)
def verification(request: Request, code: str):
    return _page(request, code.strip().upper())


@router.post("/verifikasi/{code}", response_class=HTMLResponse)
async def verify_upload(request: Request, code: str):
    code = code.strip().upper()
    form = await request.form()
    upload = form.get("berkas")
    data = await upload.read(MAX_PDF + 1) if hasattr(upload, "read") else b""
    found = signed_by_code(request.app.state.service.store, code)
    if not data:
        return _page(request, code, verdict={"problem": "Pilih berkas PDF yang akan diperiksa."}, status_code=400)
    if len(data) > MAX_PDF:
        return _page(request, code, verdict={"problem": "Berkas lebih dari 10 MB; bukan dokumen dari layanan ini."},
                     status_code=400)
    result = await asyncio.to_thread(check_pdf, data, seal_of(request.app))
    same = found is not None and found.pdf_sha256 == hashlib.sha256(data).hexdigest()
    return _page(request, code, verdict={"result": result, "same": same})


# ------------------------------------------------------------------ the signing page's part


async def proof_for_signing(request: Request, who, kind, step: dict, outcome, form):
    """The TTE proof when this submission signs (a signature step approved), else None. A wrong or
    missing passphrase is refused here (engine.access.tte: throttled, logged), before the step is tried."""
    from engine.access import tte
    from engine.cases.core.decide import action_of
    from engine.errors import CaseError

    if not kind.asks_passphrase:
        return None
    try:
        if action_of(kind, step, outcome) != "approve":
            return None
    except CaseError:
        return None  # the step itself says what is wrong with the outcome
    passphrase = str(form.get("passphrase") or "")
    if not passphrase:
        return None  # the step refuses: first for a wrong role, else for the missing passphrase; no attempt counted
    return await asyncio.to_thread(tte.verify, request.app.state.service.store, who.username, passphrase)


def draft_of(request: Request, case_id: int, product_id: str | None) -> dict | None:
    """The latest document of the product being signed, as text for the signing page, with its SHA-256."""
    from html.parser import HTMLParser

    from sqlalchemy import select

    from engine.store.models import Document

    if not product_id:
        return None
    from engine.cases.service import now
    from engine.cases.signature import preview

    store = request.app.state.service.store
    with store.read() as s:
        doc = s.execute(select(Document.content, Document.sha256).where(
            Document.case_id == case_id, Document.product_id == product_id, Document.signed_at.is_not(None))
            .order_by(Document.id.desc()).limit(1)).first()
    signed = doc is not None
    content = doc.content if signed else preview(store, case_id, product_id, now())
    digest = doc.sha256 if signed else hashlib.sha256(content.encode()).hexdigest()

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("style", "script", "svg", "title")
            if tag in ("p", "div", "tr", "br", "h1", "h2", "li"):
                self.parts.append("\n")

        def handle_endtag(self, tag):
            self.skip -= tag in ("style", "script", "svg", "title")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(" ".join(data.split()) + " " if data.strip() else "")

    parser = Text()
    parser.feed(content)
    text = "\n".join(line.strip() for line in "".join(parser.parts).splitlines() if line.strip())
    return {"product": product_id, "text": text, "sha256": digest, "signed": signed}
