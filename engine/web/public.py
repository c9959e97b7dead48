"""Public pages, no sign-in: the published standards and a case's status by its receipt code (no personal
data: the code is all the visitor knows, so the page shows nothing the code would not already reveal)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from engine.errors import NotFound
from engine.cases.service import now
from engine.cases.status_view import public_status

router = APIRouter(include_in_schema=False)


def _published(service):
    return sorted((s for s in service.library.standards.values() if s.data.get("status") != "draft"),
                  key=lambda s: (s.office.name, s.title))


@router.get("/sehat")
def health(request: Request):
    """For a load balancer or a service manager: 200 when this process answers and reaches the case store,
    503 otherwise (nothing else said: it is public)."""
    from fastapi.responses import JSONResponse
    from sqlalchemy import text

    try:
        with request.app.state.service.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # the database is away: the balancer sends requests elsewhere
        return JSONResponse({"status": "tidak sehat"}, status_code=503, headers={"Cache-Control": "no-store"})
    return JSONResponse({"status": "sehat"}, headers={"Cache-Control": "no-store"})


@router.get("/standar", response_class=HTMLResponse)
def standards(request: Request, q: str = ""):
    found = _published(request.app.state.service)
    if q:
        words = q.lower().split()
        found = [s for s in found if all(w in (s.title + " " + s.id).lower() for w in words)]
    return request.app.state.templates.TemplateResponse(request, "public_standards.html.j2",
                                                        {"standards": found, "q": q, "officer": None})


@router.get("/standar/{standard_id}", response_class=HTMLResponse)
def standard(request: Request, standard_id: str):
    service = request.app.state.service
    found = service.library.standards.get(standard_id)
    if found is None or found.data.get("status") == "draft":
        raise NotFound(f"standar '{standard_id}' tidak ditemukan", "standard")
    return request.app.state.templates.TemplateResponse(request, "public_standard.html.j2",
                                                        {"s": found, "officer": None})


@router.get("/status", response_class=HTMLResponse)
def status(request: Request, kode: str = ""):
    return status_page(request, kode)


def status_page(request: Request, kode: str, status_code: int | None = None, **extra):
    """The page of a case by its receipt code (engine/cases/status_view.py), with the survey's link once
    it closed; ``extra``: what an action just did or refused (rating, reopening)."""
    service = request.app.state.service
    found = public_status(service.store, kode, now()) if kode.strip() else None
    if found is not None and found["closed"]:
        from engine.survey.responses import invitation_for

        found["survey"] = f"{request.app.state.public_url}/survei/{invitation_for(service.store, found['id'], now())}"
    context = {"kode": kode, "officer": None, "found": found, **({"tz": found["tz"]} if found else {}), **extra}
    code = status_code or (200 if found or not kode.strip() else 404)
    return request.app.state.templates.TemplateResponse(request, "public_status.html.j2", context, status_code=code)
