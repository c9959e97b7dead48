"""The JSON API's browsable documentation at /api/docs: Swagger UI served from this machine.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; the application's
content security policy allows neither, so the page was blank. The assets come from fastapi-offline's
package (Swagger UI 5, which reads OpenAPI 3.1) and the page starts them with a script of our own."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).resolve().parent
ASSETS = {"swagger-ui-bundle.js": "application/javascript", "swagger-ui.css": "text/css",
          "favicon.png": "image/png"}


def _assets() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API layanan</title><link rel="stylesheet" href="/api/docs/aset/swagger-ui.css">
<link rel="icon" href="/api/docs/aset/favicon.png"></head>
<body><div id="swagger-ui" data-openapi="/api/openapi.json"></div>
<script src="/api/docs/aset/swagger-ui-bundle.js"></script><script src="/static/api-docs.js"></script>
</body></html>"""


@router.get("/api/docs", response_class=HTMLResponse)
def docs_page():
    return HTMLResponse(PAGE)


@router.get("/api/docs/aset/{name}")
def docs_asset(name: str):
    if name not in ASSETS:
        return HTMLResponse("tidak ditemukan", status_code=404)
    return FileResponse(_assets() / name, media_type=ASSETS[name],
                        headers={"Cache-Control": "public, max-age=86400"})
