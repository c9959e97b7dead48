"""What every request passes before a page sees it (plain ASGI middleware, cheap on every request):

- a body size limit (the whole request, read as it streams; a Content-Length over it is refused at once);
- no NUL character in the path, the query or a form or JSON body (raw, %00 or \\u0000): no text layanan keeps
  may hold one, and PostgreSQL refuses it (multipart bodies carry files; their text fields are checked by
  engine/cases/fields.py);
- state-changing requests only from this application's own pages: an ``Origin`` (or, without one, a
  ``Referer``) of another site is refused, and the JSON API accepts writes only as ``application/json``,
  which a form on another site cannot send without the browser asking first (no CORS is offered);
- response headers: the content security policy, no framing, no sniffing, and ``Cache-Control: no-store``
  on everything but the static assets (pages carry NIKs and names: no browser or proxy may keep them).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

MAX_BODY = 1_000_000  # a form or a JSON request
MAX_UPLOAD_BODY = 25_000_000  # a multipart form with its files (each file is limited again by the form)
SAFE_METHODS = {b"GET", b"HEAD", b"OPTIONS"}
NUL_FORMS = (b"\x00", b"%00", b"\\u0000", b"\\U0000")  # as sent raw, in a form or URL, in JSON
NUL_MESSAGE = "permintaan memuat karakter NUL, yang tidak diterima"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


async def _refuse(send, status: int, message: str, api: bool) -> None:
    if api:
        body = json.dumps({"error": message, "field": None}).encode()
        kind = b"application/json"
    else:
        body = (f'<!doctype html><html lang="id"><meta charset="utf-8"><title>Ditolak</title>'
                f'<p>{message}</p></html>').encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), (b"content-security-policy", CSP.encode()),
                            (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"same-origin")]})
    await send({"type": "http.response.body", "body": body})


class Guards:
    def __init__(self, app, *, origins: set[str]):
        self.app = app
        self.origins = origins  # scheme://host[:port] of the pages, from the configured public URL

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        api = path.startswith("/api/")
        method = scope.get("method", "GET").encode()
        if method not in SAFE_METHODS:
            problem = self._foreign(scope, api)
            if problem:
                return await _refuse(send, 403, problem, api)
        if "\x00" in path or any(form in (scope.get("query_string") or b"") for form in NUL_FORMS[:2]):
            return await _refuse(send, 400, NUL_MESSAGE, api)
        kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        limit = MAX_UPLOAD_BODY if kind == "multipart/form-data" else MAX_BODY
        too_large = f"permintaan terlalu besar (maksimal {limit // 1_000_000} MB)"
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await _refuse(send, 413, too_large, api)
        if kind != "multipart/form-data" and method not in SAFE_METHODS:
            # A form or JSON body (at most 1 MB) is read whole here, checked, then handed on: an error raised
            # while the app itself reads would become its parser's message.
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > limit:
                    return await _refuse(send, 413, too_large, api)
            if any(form in body for form in NUL_FORMS):
                return await _refuse(send, 400, NUL_MESSAGE, api)
            upstream = _replay(body, receive)
        else:
            upstream = receive
        received = 0

        async def limited_receive():
            nonlocal received
            message = await upstream()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"
                           or not path.startswith("/static/")]
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"DENY")]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", CSP.encode()))
                if path.startswith("/static/"):
                    extra.append((b"cache-control", b"public, max-age=3600"))
                elif b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = dict(message, headers=headers + [h for h in extra if h[0] not in names])
            await send(message)

        try:
            await self.app(scope, limited_receive, with_headers)
        except _TooLarge:
            await _refuse(send, 413, too_large, api)

    def _foreign(self, scope, api: bool) -> str | None:
        origin = _header(scope, b"origin")
        if origin is None:
            referer = _header(scope, b"referer")
            if referer:
                parts = urlsplit(referer)
                origin = f"{parts.scheme}://{parts.netloc}"
        if origin is not None and origin != "null" and origin.lower() not in self.origins:
            return "permintaan dari situs lain ditolak"
        if origin == "null":
            return "permintaan dari situs lain ditolak"
        if api:
            kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if kind not in ("application/json", "multipart/form-data", ""):
                return "API hanya menerima application/json"
        return None


class _TooLarge(Exception):
    pass


def _replay(body: bytes, receive):
    """A receive that hands the app the body read already, then whatever the client sends next."""
    handed = False

    async def replay():
        nonlocal handed
        if handed:
            return await receive()  # a disconnect, when the client goes away
        handed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class _HasNul(Exception):
    pass
