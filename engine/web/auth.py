"""The web side of signing in: the session, device and sign-in-form cookies, CSRF tokens, and the client's
address. Passwords, throttling and sessions themselves are engine.access's."""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from fastapi import Request
from fastapi.responses import Response

from engine.access.passwords import hash_password, password_problem  # noqa: F401  (the pages' imports)
from engine.access.sessions import SESSION_HOURS, Officer
from engine.access.signin import Attempt

COOKIE = "layanan_sesi"
DEVICE_COOKIE = "layanan_perangkat"  # a browser the officer signed in with before (engine.access.signin)
LOGIN_COOKIE = "layanan_masuk"  # the sign-in form's own CSRF token, before there is a session
DEVICE_DAYS = 180


def csrf_ok(officer: Officer, submitted: str | None) -> bool:
    return bool(submitted) and secrets.compare_digest(officer.csrf, str(submitted))


def login_token_ok(request: Request, submitted) -> bool:
    """The sign-in form came from our own page: its hidden token equals the cookie that page set (a form
    posted from another site cannot read or set that cookie)."""
    expected = request.cookies.get(LOGIN_COOKIE)
    return bool(expected) and bool(submitted) and secrets.compare_digest(expected, str(submitted))


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def client_address(request: Request) -> str:
    """The address sign-in throttling counts by (behind a reverse proxy, uvicorn's --forwarded-allow-ips
    makes it the client's own)."""
    return request.client.host if request.client else "?"


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=request.app.state.secure_cookies,
                        max_age=max_age, path="/")


def set_login_cookie(response: Response, request: Request, token: str) -> None:
    _cookie(response, request, LOGIN_COOKIE, token, 3600)


def signed_in(response: Response, request: Request, attempt: Attempt) -> Response:
    _cookie(response, request, COOKIE, attempt.token, SESSION_HOURS * 3600)
    if attempt.device_token:
        _cookie(response, request, DEVICE_COOKIE, attempt.device_token, DEVICE_DAYS * 86400)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def sign_in(request: Request, username: str, password: str) -> Attempt:
    """One attempt (blocking: Argon2; run it in a worker thread)."""
    return request.app.state.signin.attempt(username, password, address=client_address(request),
                                            device=request.cookies.get(DEVICE_COOKIE))


async def attempt_sign_in(request: Request, username: str, password: str) -> Attempt:
    """One attempt from a page or the API: Argon2 in a worker thread, then a refusal answered only after the
    throttle's delay, waited on the event loop (no thread is held)."""
    attempt = await run_in_threadpool(sign_in, request, username, password)
    wait = request.app.state.signin.delay(attempt)
    if wait:
        await request.app.state.sleep(wait)
    return attempt
