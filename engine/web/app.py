"""The web application: officers' pages (login required), public pages, and the JSON API.

Every page reads and writes through the case service, so the web application obeys the same checks as the
command line: a bad submission is refused with the field named and changes nothing; an officer acts only on
cases of their own office and on steps of their roles, and a refusal is recorded.
"""

from __future__ import annotations

import asyncio
import logging
import os
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from engine.errors import CaseError, Conflict, Forbidden, NotFound
from engine.cases.service import CaseService, now

from engine.access.sessions import Sessions
from engine.access.signin import Limits, SignIn

from .guards import Guards
from .views import HERE, NotSignedIn, template_environment

from engine.store.db import DEFAULT_PUBLIC_URL  # noqa: E402


HTTP_MESSAGES = {400: "Isi permintaan tidak dapat dibaca.", 401: "Silakan masuk terlebih dahulu.",
                 403: "Akses ditolak.", 404: "Halaman tidak ditemukan.", 405: "Cara akses tidak diizinkan.",
                 413: "Permintaan terlalu besar.", 415: "Jenis isi permintaan tidak diterima.",
                 429: "Terlalu banyak permintaan; coba lagi nanti."}
VALIDATION_MESSAGES = {  # pydantic's error types
    "missing": "wajib diisi", "string_type": "harus berupa teks", "int_parsing": "harus berupa angka bulat",
    "int_type": "harus berupa angka bulat", "float_parsing": "harus berupa angka", "bool_parsing": "harus ya atau tidak",
    "bool_type": "harus ya atau tidak", "string_too_long": "terlalu panjang", "dict_type": "harus berupa objek",
    "list_type": "harus berupa daftar", "json_invalid": "JSON tidak sah", "model_attributes_type": "harus berupa objek",
    "int_from_float": "harus berupa angka bulat", "greater_than_equal": "terlalu kecil", "less_than_equal": "terlalu besar",
}


def create_app(service: CaseService, *, public_url: str | None = None, secure_cookies: bool | None = None,
               demo: bool = False, allowed_hosts: list[str] | None = None, limits: Limits | None = None,
               clock=None, sleep=None) -> FastAPI:
    """The application over one case service (its store and standards library).

    ``public_url``: the address citizens and officers use (``LAYANAN_PUBLIC_URL``), printed on receipts and
    QR codes; the Host header of a request is never used for that. Requests naming another host than it,
    ``allowed_hosts`` or the machine itself are refused. ``secure_cookies``: cookies only over HTTPS (by
    default when the public URL is https)."""
    public_url = (public_url or os.environ.get("LAYANAN_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"alamat publik tidak sah: {public_url!r} (mis. https://layanan.kantor.go.id)")
    app = FastAPI(title="layanan", version="1", description="API layanan: kasus, tugas dan standar pelayanan.",
                  docs_url=None, openapi_url="/api/openapi.json", redoc_url=None)
    app.state.service = service
    extra = {"clock": clock} if clock is not None else {}
    app.state.sessions = Sessions(service.store, **extra)
    app.state.signin = SignIn(service.store, app.state.sessions, limits or Limits(), **extra)
    app.state.sleep = sleep or asyncio.sleep  # the throttle's waits (tests pass one that records them)
    app.state.public_url = service.store.public_url = public_url
    app.state.secure_cookies = parts.scheme == "https" if secure_cookies is None else secure_cookies
    app.state.demo = demo  # a demo office also offers draft standards, marked as drafts
    service.accept_drafts = service.accept_drafts or bool(demo)
    app.state.now = clock or now  # the moment the citizens' pages act at (tests fix it)
    templates = Jinja2Templates(env=template_environment())
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    hosts = {parts.hostname, "127.0.0.1", "localhost", *(allowed_hosts or []),
             *filter(None, os.environ.get("LAYANAN_ALLOWED_HOSTS", "").split(","))}
    origins = {f"{parts.scheme}://{parts.netloc}".lower()}
    origins |= {f"{scheme}://{host}{f':{parts.port}' if parts.port else ''}" for scheme in ("http", "https")
                for host in ("127.0.0.1", "localhost")}
    app.add_middleware(Guards, origins=origins)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=sorted(hosts))

    @app.exception_handler(NotSignedIn)
    async def _to_login(request: Request, exc: NotSignedIn):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "belum masuk", "field": None}, status_code=401)
        return RedirectResponse(f"/masuk?lanjut={request.url.path}", status_code=303)

    from .citizen_auth import CitizenNotSignedIn

    @app.exception_handler(CitizenNotSignedIn)
    async def _citizen_to_login(request: Request, exc: CitizenNotSignedIn):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "belum masuk", "field": None}, status_code=401)
        return RedirectResponse(f"/akun/masuk?lanjut={request.url.path}", status_code=303)

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
        # Starlette's and FastAPI's own details are English: the user reads the status in Indonesian.
        message = HTTP_MESSAGES.get(exc.status_code, "Permintaan tidak dapat dilayani.")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "field": None}, status_code=exc.status_code)
        return templates.TemplateResponse(request, "error.html.j2", {"message": message, "field": None,
                                                                    "officer": None},
                                          status_code=exc.status_code)

    from sqlalchemy.exc import InterfaceError, OperationalError

    async def _store_away(request: Request, exc: Exception):
        # The database restarting or out of reach (a failover, a network cut): nothing was written by this
        # request (its transaction did not commit); the user is told to try again, the log gets one line.
        logging.getLogger("layanan.web").warning("case store unreachable: %s",
                                                 str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        message = "Basis data sedang tidak dapat dihubungi; tidak ada yang tersimpan. Coba lagi sebentar lagi."
        headers = {"Retry-After": "5"}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "field": None}, status_code=503, headers=headers)
        return templates.TemplateResponse(request, "error.html.j2", {"message": message, "field": None,
                                                                    "officer": None}, status_code=503,
                                          headers=headers)

    app.add_exception_handler(OperationalError, _store_away)
    app.add_exception_handler(InterfaceError, _store_away)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", [])[1:]) or None
        message = "isian tidak sah: " + VALIDATION_MESSAGES.get(first.get("type"), "nilainya tidak dapat diterima")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "field": field}, status_code=422)
        return templates.TemplateResponse(request, "error.html.j2", {"message": message, "field": field,
                                                                    "officer": None}, status_code=422)

    from . import (admin, api, api_docs, auditor, booking_pages, case_channel, case_list, case_pages, citizen_api, citizen_auth, citizen_pages,
                   complaints_public, floor_page, home, pages, public, queue_pages, simulation_page, stock_page, survey_pages, survey_public, verification)

    app.include_router(api_docs.router)
    app.include_router(public.router)
    app.include_router(complaints_public.router)
    app.include_router(survey_pages.router)  # /survei/kios before the applicant's /survei/{token}
    app.include_router(survey_public.router)
    app.include_router(verification.router)
    app.include_router(booking_pages.router)  # /akun/antrean before the account's /akun/{page}
    app.include_router(citizen_pages.router)  # /akun before the account's /akun/{page}
    app.include_router(citizen_auth.router)
    app.include_router(queue_pages.router)
    app.include_router(stock_page.router)
    app.include_router(simulation_page.router)
    app.include_router(floor_page.router)
    app.include_router(home.router)
    app.include_router(pages.router)
    app.include_router(case_pages.router)
    app.include_router(case_channel.router)
    app.include_router(case_list.router)
    app.include_router(admin.router)
    app.include_router(auditor.router)
    app.include_router(api.router)
    app.include_router(citizen_api.router)
    app.add_exception_handler(citizen_api._TooMany, citizen_api.too_many)
    return app
