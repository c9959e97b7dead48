"""The online channel's JSON API for an office's own website or a mobile app (/api/v1/warga/..., in the
OpenAPI at /api/docs): registration, codes, sign-in, the services offered, applying with uploads, the
history, the case with what to correct, the correction, and the signed product.

A citizen signs in here for a bearer token (``Authorization: Bearer ...``): a citizens' session, kept apart
from the officers' (engine/channel/sessions.py), so a citizen's token opens nothing of the officers' API and
an officer's cookie nothing here. A bearer token is never sent by a browser on its own, so these calls
need no CSRF token. Files come as multipart/form-data, each named ``berkas.<requirement id>``."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from engine.cases.status_view import public_status
from engine.channel import accounts, applying, downloads, sessions
from engine.channel.accounts import Citizen
from engine.channel.uploads import MAX_FILES
from engine.errors import InvalidInput

from .auth import client_address
from .citizen_auth import CitizenNotSignedIn, allowed, moment
from .citizen_pages import _scans, account_download, files_of

router = APIRouter(prefix="/api/v1/warga", tags=["layanan daring (warga)"])


class Registration(BaseModel):
    nik: str = Field(max_length=16)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    phone: str = Field(max_length=20)
    password: str = Field(max_length=200)


class CodeRequest(BaseModel):
    identifier: str = Field(max_length=254, description="NIK atau surel akun")
    purpose: str = Field(description="verify | signin | reset")


class CodeUse(BaseModel):
    identifier: str = Field(max_length=254)
    code: str = Field(max_length=12)
    purpose: str = Field("verify", description="verify | signin | reset")
    new_password: str | None = Field(None, max_length=200, description="untuk reset")


class Credentials(BaseModel):
    identifier: str = Field(max_length=254, description="NIK atau surel")
    password: str = Field(max_length=200)


class Token(BaseModel):
    token: str = Field(description="kirim sebagai Authorization: Bearer TOKEN")
    name: str
    verified: bool


def _limited(name: str, request: Request, message: str) -> None:
    if not allowed(request, name):
        raise _TooMany(message)


class _TooMany(Exception):
    def __init__(self, message: str):
        self.message = message


def bearer(request: Request, authorization: str | None = Header(None)) -> tuple[Citizen, str]:
    """The citizen of the bearer token; 401 otherwise."""
    token = (authorization or "")[7:] if (authorization or "").lower().startswith("bearer ") else None
    found = sessions.lookup(request.app.state.service.store, token, moment(request))
    who = accounts.account(request.app.state.service.store, found[0]) if found else None
    if who is None:
        raise CitizenNotSignedIn()  # 401 on the API
    return who, token


def _token(request: Request, who: Citizen) -> Token:
    token, _csrf = sessions.create(request.app.state.service.store, who.id, moment(request))
    return Token(token=token, name=who.name, verified=who.verified)


def too_many(request: Request, exc: _TooMany):
    return JSONResponse({"error": exc.message, "field": None}, status_code=429)


@router.post("/daftar", status_code=201)
async def register(request: Request, body: Registration) -> dict:
    _limited("registered", request, "terlalu banyak pendaftaran dari alamat ini; coba lagi nanti")
    who = await run_in_threadpool(accounts.register, request.app.state.service.store,
                                  body.model_dump(exclude={"password"}), body.password, moment(request),
                                  client_address(request))
    return {"email": who.email, "verified": who.verified, "next": "kode verifikasi dikirim ke surel"}


@router.post("/kode", status_code=202)
async def request_code(request: Request, body: CodeRequest) -> dict:
    _limited("codes", request, "terlalu banyak permintaan kode dari alamat ini; coba lagi nanti")
    await run_in_threadpool(accounts.request_code, request.app.state.service.store, body.identifier, body.purpose,
                            moment(request))
    return {"sent": "bila akun itu ada, kode dikirim ke surelnya"}


@router.post("/verifikasi", response_model=Token)
async def use_code(request: Request, body: CodeUse) -> Token:
    _limited("sign_ins", request, "terlalu banyak percobaan dari alamat ini; coba lagi nanti")
    who = await run_in_threadpool(accounts.use_code, request.app.state.service.store, body.purpose,
                                  moment(request), identifier=body.identifier, code=body.code,
                                  new_password=body.new_password)
    return _token(request, who)


@router.post("/masuk", response_model=Token)
async def sign_in(request: Request, body: Credentials) -> Token:
    _limited("sign_ins", request, "terlalu banyak percobaan masuk dari alamat ini; coba lagi nanti")
    who = await run_in_threadpool(accounts.sign_in, request.app.state.service.store, body.identifier,
                                  body.password)
    return _token(request, who)


@router.post("/keluar", status_code=204)
def sign_out(request: Request, me=Depends(bearer)) -> None:
    sessions.end(request.app.state.service.store, me[1])


@router.get("/layanan")
def offered(request: Request) -> list[dict]:
    """The services that may be applied for online, with their variants, form fields and requirements."""
    found = []
    for offer in applying.offers(request.app.state.service.library):
        s = offer.standard
        variants = offer.variants or [None]
        found.append({"standard": s.id, "title": s.title, "office": s.office.name, "channel": offer.channel,
                      "fields": (s.data.get("application") or {}).get("fields") or [],
                      "units": [u.get("id") for u in s.office.data.get("units") or []
                                if not s.data.get("units") or u.get("id") in s.data["units"]],
                      "variants": [{"id": v["id"] if v else None, "name": v["name"] if v else s.title,
                                    "requirements": [{k: r[k] for k in ("id", "name", "when", "optional") if k in r}
                                                     for r in s.requirements(v["id"] if v else None, offer.channel)]}
                                   for v in variants]})
    return found


def _json_field(value, name: str) -> dict:
    if value in (None, ""):
        return {}
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} harus berupa objek JSON", name) from None
    if not isinstance(parsed, dict):
        raise InvalidInput(f"{name} harus berupa objek JSON", name)
    return parsed


@router.post("/permohonan", status_code=201,
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["standard"], "properties": {
                     "standard": {"type": "string"}, "variant": {"type": "string"}, "unit": {"type": "string"},
                     "answers": {"type": "string", "description": "objek JSON isian permohonan"},
                     "member": {"type": "string", "description": "objek JSON {nik, name, relation} bila untuk "
                                                                "anggota keluarga"},
                     "berkas.ID_PERSYARATAN": {"type": "string", "format": "binary"}}}}}}})
async def apply(request: Request, me=Depends(bearer)) -> dict:
    form = await request.form(max_files=MAX_FILES + 1, max_fields=300)
    _limited("applied", request, "terlalu banyak permohonan dari alamat ini; coba lagi nanti")
    text = {k: v for k, v in form.items() if isinstance(v, str)}
    scans = await _scans(form)
    service = request.app.state.service
    case_id = await run_in_threadpool(
        applying.apply, service, files_of(request), me[0], text.get("standard", ""), variant=text.get("variant")
        or None, unit=text.get("unit") or None, answers=_json_field(text.get("answers"), "answers"),
        scans=scans, member=_json_field(text.get("member"), "member") or None, at=moment(request))
    return _summary(request, me[0], case_id)


def _summary(request: Request, who: Citizen, case_id: int) -> dict:
    from engine.store.models import Case

    with request.app.state.service.store.read() as s:
        case = s.get(Case, case_id)
        return {"number": case.number, "receipt_code": case.receipt_code, "status": case.status,
                "due_at": case.due_at.isoformat() if case.due_at else None}


@router.get("/permohonan")
def history(request: Request, me=Depends(bearer)) -> list[dict]:
    return [{**c, "received_at": _iso(c["received_at"]), "closed_at": _iso(c["closed_at"])}
            for c in applying.history(request.app.state.service, me[0])]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@router.get("/permohonan/{number}")
def case(request: Request, number: str, me=Depends(bearer)) -> dict:
    service = request.app.state.service
    found = applying.owned_case(service, me[0], number)
    status = public_status(service.store, found.receipt_code, moment(request)) or {}
    wanted = applying.correction(service, found)
    return {"number": found.number, "receipt_code": found.receipt_code, "title": status.get("title"),
            "status": found.status, "status_label": status.get("status"), "received_at": _iso(found.received_at),
            "due_at": _iso(found.due_at), "closed_at": _iso(found.closed_at),
            "steps": [{"name": s["name"], "done": s["done"], "at": _iso(s["at"]), "outcome": s.get("outcome")}
                      for s in status.get("steps", [])],
            "correction": {"reason": wanted["reason"], "returned": wanted["returned"],
                           "deadline": wanted["deadline"].isoformat() if wanted["deadline"] else None}
            if wanted else None,
            "documents": [{"product": d["product_id"], "signed_at": _iso(d["signed_at"]),
                           "url": f"/api/v1/warga/permohonan/{found.number}/dokumen/{d['product_id']}"}
                          for d in downloads.signed_documents(service.store, found.id)]}


@router.post("/permohonan/{number}/perbaikan")
async def correct(request: Request, number: str, me=Depends(bearer)) -> dict:
    form = await request.form(max_files=MAX_FILES + 1, max_fields=300)
    _limited("applied", request, "terlalu banyak pengiriman dari alamat ini; coba lagi nanti")
    scans = await _scans(form)
    service = request.app.state.service
    await run_in_threadpool(applying.correct, service, files_of(request), me[0], number, scans=scans,
                            at=moment(request))
    return _summary(request, me[0], applying.owned_case(service, me[0], number).id)


@router.get("/permohonan/{number}/dokumen/{product_id}", response_class=JSONResponse,
            responses={200: {"content": {"application/pdf": {}}, "description": "PDF bertanda tangan"}})
def document(request: Request, number: str, product_id: str, me=Depends(bearer)):
    return account_download(request, me[0], number, product_id)
