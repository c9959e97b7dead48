"""The web application: officers' pages (login required), public pages, and the JSON API.

Every page reads and writes through the case service, so the web application obeys the same checks as the
command line: a bad submission is refused with the field named and changes nothing; an officer acts only on
cases of their own office and on steps of their roles, and a refusal is recorded.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.cases.errors import CaseError, Conflict, Forbidden, NotFound
from engine.cases.service import CaseService
from engine.spec import wording

from .auth import Sessions

HERE = Path(__file__).resolve().parent
COOKIE = "layanan_sesi"


class NotSignedIn(Exception):
    pass


def create_app(service: CaseService, *, secure_cookies: bool = False, demo: bool = False) -> FastAPI:
    """The application over one case service (its store and standards library)."""
    app = FastAPI(title="layanan", version="1", description="API layanan: kasus, tugas dan standar pelayanan.",
                  docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None)
    app.state.service = service
    app.state.sessions = Sessions(service.store)
    app.state.secure_cookies = secure_cookies
    app.state.demo = demo  # a demo office also offers draft standards, marked as drafts
    templates = Jinja2Templates(env=template_environment())
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        # Nothing is fetched from elsewhere; pages may not be framed (clickjacking on officers' actions).
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                    "frame-ancestors 'none'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(NotSignedIn)
    async def _to_login(request: Request, exc: NotSignedIn):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "belum masuk", "field": None}, status_code=401)
        return RedirectResponse(f"/masuk?lanjut={request.url.path}", status_code=303)

    @app.exception_handler(CaseError)
    async def _case_error(request: Request, exc: CaseError):
        status = 403 if isinstance(exc, Forbidden) else 404 if isinstance(exc, NotFound) \
            else 409 if isinstance(exc, Conflict) else 400
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc.message), "field": exc.field}, status_code=status)
        return templates.TemplateResponse(request, "error.html.j2", {"message": exc.message, "field": exc.field,
                                                                    "officer": None}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc.detail), "field": None}, status_code=exc.status_code)
        message = {404: "Halaman tidak ditemukan.", 405: "Cara akses tidak diizinkan."}.get(
            exc.status_code, str(exc.detail))
        return templates.TemplateResponse(request, "error.html.j2", {"message": message, "field": None,
                                                                    "officer": None},
                                          status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", [])[1:]) or None
        message = "isian tidak sah: " + str(first.get("msg", ""))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "field": field}, status_code=422)
        return templates.TemplateResponse(request, "error.html.j2", {"message": message, "field": field,
                                                                    "officer": None}, status_code=422)

    from . import admin, api, auditor, pages, public

    app.include_router(public.router)
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(auditor.router)
    app.include_router(api.router)
    return app


def template_environment():
    """The pages' templates, every value escaped (engine.markup), with layanan's filters and labels."""
    from jinja2 import FileSystemLoader

    from engine.markup import environment

    env = environment(FileSystemLoader(str(HERE / "templates")))
    env.filters["tanggal"] = lambda v: wording.long_date(v) if v else "-"
    env.filters["waktu"] = _local_time
    env.filters["rupiah"] = wording.rupiah
    env.globals.update(wording=wording, CHANNEL_LABELS=wording.CHANNEL_LABELS,
                       STATUS_LABELS=wording.CASE_STATUS_LABELS, SLA_LABELS=SLA_LABELS,
                       OUTCOME_LABELS=wording.OUTCOME_LABELS, STEP_KIND_LABELS=wording.STEP_KIND_LABELS,
                       EVENT_LABELS=wording.EVENT_LABELS)
    return env


SLA_LABELS = {"on_track": "Sesuai jadwal", "at_risk": "Hampir lewat", "late": "Terlambat",
              "paused": "Jam berhenti", "not_started": "Belum dimulai", "met": "Tepat waktu",
              "missed": "Terlambat"}


def _local_time(value, tz: str = "Asia/Makassar") -> str:
    if not value:
        return "-"
    from zoneinfo import ZoneInfo

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(ZoneInfo(tz))
    zone = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(tz, tz)
    return f"{wording.long_date(local.date())} {local:%H.%M} {zone}"


def pdf_response(html: str, filename: str) -> Response:
    """Printable HTML to PDF (engine.pdf: WeasyPrint, reaching only the pages' own /static/ assets)."""
    from engine.pdf import html_to_pdf

    pdf = html_to_pdf(html, assets=HERE / "static")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'})
