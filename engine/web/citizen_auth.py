"""The applicant's account pages (/akun/...): registration, the e-mail's verification by code or link,
sign-in by password or by a code, the password reset, sign-out. A citizen's session cookie is its own
(``layanan_warga``), apart from the officers' one: neither opens the other's pages.

Every form posts to this application only (engine/web/guards.py), carries a token the page set (before a
session: the sign-in form's cookie; after: the session's CSRF token), and is rate-limited per address:
registrations, sign-ins and code requests. A refusal says what to do, in Indonesian, and changes nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from engine.channel import accounts, sessions
from engine.channel.accounts import Citizen
from engine.errors import CaseError

from .auth import client_address, login_token_ok, new_login_token, set_login_cookie
from .rate import Window

router = APIRouter(include_in_schema=False)
COOKIE = "layanan_warga"
# Per address, per application (kept with it: two applications in one process, as in the tests, count apart).
LIMITS = {"registered": (5, 3600),  # accounts made
          "sign_ins": (20, 900),  # sign-in and code attempts
          "codes": (10, 3600),  # codes requested
          "applied": (30, 3600),  # applications and corrections
          "pins": (30, 3600)}  # download PIN tries (each link also locks itself)


def limits_of(app) -> dict[str, Window]:
    found = getattr(app.state, "citizen_limits", None)
    if found is None:
        found = app.state.citizen_limits = {name: Window(limit=n, seconds=s) for name, (n, s) in LIMITS.items()}
    return found


def allowed(request: Request, name: str) -> bool:
    return limits_of(request.app)[name].allow(client_address(request))


@dataclass(frozen=True)
class SignedInCitizen:
    citizen: Citizen
    csrf: str


class CitizenNotSignedIn(Exception):
    pass


def moment(request: Request):
    return request.app.state.now()


def current(request: Request) -> SignedInCitizen | None:
    found = sessions.lookup(request.app.state.service.store, request.cookies.get(COOKIE), moment(request))
    if found is None:
        return None
    who = accounts.account(request.app.state.service.store, found[0])
    return SignedInCitizen(who, found[1]) if who else None


def citizen(request: Request) -> SignedInCitizen:
    """The signed-in applicant (a FastAPI dependency); otherwise to the sign-in page."""
    who = current(request)
    if who is None:
        raise CitizenNotSignedIn()
    return who


def form_ok(who: SignedInCitizen, submitted) -> bool:
    return bool(submitted) and secrets.compare_digest(who.csrf, str(submitted))


def page(request: Request, template: str, status_code: int = 200, **context) -> Response:
    token = request.cookies.get("layanan_masuk") or new_login_token()
    context.setdefault("values", {})
    response = request.app.state.templates.TemplateResponse(
        request, template, {"officer": None, "login_token": token, **context}, status_code=status_code)
    set_login_cookie(response, request, token)
    return response


def _signed_in(request: Request, who: Citizen, to: str = "/akun") -> Response:
    token, _csrf = sessions.create(request.app.state.service.store, who.id, moment(request))
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=request.app.state.secure_cookies,
                        max_age=sessions.SESSION_DAYS * 86400, path="/")
    return response


async def _form(request: Request) -> dict:
    return {k: v[:2000] for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/akun/keluar")
async def sign_out(request: Request):
    sessions.end(request.app.state.service.store, request.cookies.get(COOKIE))
    response = RedirectResponse("/akun/masuk", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/akun/daftar", response_class=HTMLResponse)
def register_form(request: Request):
    return page(request, "citizen_register.html.j2")


@router.post("/akun/daftar", response_class=HTMLResponse)
async def register(request: Request):
    form = await _form(request)
    values = {k: form.get(k, "") for k in ("nik", "name", "email", "phone")}
    if not login_token_ok(request, form.get("token")):
        return page(request, "citizen_register.html.j2", 400, values=values,
                    error="Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi.")
    if not allowed(request, "registered"):
        return page(request, "citizen_register.html.j2", 429, values=values,
                    error="Terlalu banyak pendaftaran dari alamat ini; coba lagi satu jam lagi.")
    try:
        await run_in_threadpool(accounts.register, request.app.state.service.store, values,
                                form.get("password", ""), moment(request), client_address(request))
    except CaseError as exc:
        return page(request, "citizen_register.html.j2", 400, values=values, error=exc.message,
                    error_field=exc.field)
    return page(request, "citizen_code.html.j2", purpose="verify", values={"identifier": values["email"]},
                notice="Akun dibuat. Kami mengirim kode verifikasi ke surel Anda: masukkan di sini, atau buka "
                       "tautan pada surel itu.")


CODE_PAGES = {"verifikasi": "verify", "masuk-kode": "signin", "atur-ulang": "reset"}


@router.get("/akun/{page_name}", response_class=HTMLResponse)
async def code_form(request: Request, page_name: str, t: str = ""):
    purpose = CODE_PAGES.get(page_name)
    if purpose is None:
        if page_name == "masuk":
            return page(request, "citizen_signin.html.j2", lanjut=_local(request.query_params.get("lanjut")))
        if page_name == "lupa":
            return page(request, "citizen_code.html.j2", purpose="reset", ask=True)
        from starlette.exceptions import HTTPException
        raise HTTPException(404)
    if t and purpose != "reset":  # a link from the e-mail: the code is in it
        try:
            who = await run_in_threadpool(accounts.use_code, request.app.state.service.store, purpose,
                                          moment(request), token=t)
        except CaseError as exc:
            return page(request, "citizen_code.html.j2", 400, purpose=purpose, error=exc.message)
        return _signed_in(request, who)
    return page(request, "citizen_code.html.j2", purpose=purpose, token=t[:100],
                ask=purpose == "signin" and not t)


@router.post("/akun/kode", response_class=HTMLResponse)
async def request_code(request: Request):
    """Send a code (sign-in, reset, or verification again); the answer never says whether an account exists."""
    form = await _form(request)
    purpose = form.get("purpose", "")
    if purpose not in accounts.PURPOSES or not login_token_ok(request, form.get("token")):
        return page(request, "citizen_code.html.j2", 400, purpose="signin", ask=True,
                    error="Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi.")
    identifier = form.get("identifier", "").strip()
    if not allowed(request, "codes"):
        return page(request, "citizen_code.html.j2", 429, purpose=purpose, ask=True,
                    error="Terlalu banyak permintaan kode dari alamat ini; coba lagi nanti.")
    await run_in_threadpool(accounts.request_code, request.app.state.service.store, identifier, purpose,
                            moment(request))
    return page(request, "citizen_code.html.j2", purpose=purpose, values={"identifier": identifier},
                notice="Bila NIK atau surel itu terdaftar, kode sudah kami kirim ke surelnya. Periksa juga folder spam.")


@router.post("/akun/{page_name}", response_class=HTMLResponse)
async def use_code(request: Request, page_name: str):
    purpose = CODE_PAGES.get(page_name)
    form = await _form(request)
    if page_name == "masuk":
        return await _password_sign_in(request, form)
    if purpose is None or not login_token_ok(request, form.get("token")):
        return page(request, "citizen_code.html.j2", 400, purpose=purpose or "signin",
                    error="Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi.")
    values = {"identifier": form.get("identifier", "")}
    if not allowed(request, "sign_ins"):
        return page(request, "citizen_code.html.j2", 429, purpose=purpose, values=values,
                    error="Terlalu banyak percobaan dari alamat ini; coba lagi 15 menit lagi.")
    try:
        who = await run_in_threadpool(
            accounts.use_code, request.app.state.service.store, purpose, moment(request),
            identifier=form.get("identifier"), code=form.get("code"), token=form.get("t") or None,
            new_password=form.get("password") if purpose == "reset" else None)
    except CaseError as exc:
        return page(request, "citizen_code.html.j2", 400, purpose=purpose, values=values, token=form.get("t", ""),
                    error=exc.message, error_field=exc.field)
    return _signed_in(request, who)


async def _password_sign_in(request: Request, form: dict) -> Response:
    values = {"identifier": form.get("identifier", "")}
    if not login_token_ok(request, form.get("token")):
        return page(request, "citizen_signin.html.j2", 400, values=values,
                    error="Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi.")
    if not allowed(request, "sign_ins"):
        return page(request, "citizen_signin.html.j2", 429, values=values,
                    error="Terlalu banyak percobaan masuk dari alamat ini; coba lagi 15 menit lagi.")
    try:
        who = await run_in_threadpool(accounts.sign_in, request.app.state.service.store,
                                      form.get("identifier", ""), form.get("password", ""))
    except CaseError as exc:
        return page(request, "citizen_signin.html.j2", 401, values=values, error=exc.message,
                    unverified=exc.field == "code", lanjut=_local(form.get("lanjut")))
    return _signed_in(request, who, _local(form.get("lanjut")))


def _local(path: str | None) -> str:
    path = path or "/akun"
    return path if path.startswith("/akun") and "//" not in path and "\\" not in path else "/akun"
