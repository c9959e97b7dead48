"""Public pages, no sign-in: the published standards and a case's status by its receipt code (no personal
data: the code is all the visitor knows, so the page shows nothing the code would not already reveal)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from engine.errors import NotFound
from engine.cases.frozen import thaw
from engine.cases.queries import sla_status
from engine.cases.service import now
from engine.standard import wording
from engine.store.models import Case, Task

router = APIRouter(include_in_schema=False)


def _published(service):
    return sorted((s for s in service.library.standards.values() if s.data.get("status") != "draft"),
                  key=lambda s: (s.office.name, s.title))


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
    context = {"kode": kode, "officer": None, "found": None}
    code = kode.strip().upper()
    if code:
        service = request.app.state.service
        with service.store.read() as s:
            case = s.scalar(select(Case).where(Case.receipt_code == code))
            if case is not None:
                steps = s.execute(select(Task.step_id, Task.status, Task.completed_at).where(
                    Task.case_id == case.id, Task.role != "sistem").order_by(Task.seq)).all()
                names = {}
                if case.standard_version.kind == "standard":
                    names = {k: v.get("name", k) for k, v in thaw(case.standard_version).procedure.by_id.items()}
                context["found"] = {
                    "title": case.standard_version.document.get("title"),
                    "status": wording.CASE_STATUS_LABELS.get(case.status, case.status),
                    "received_at": case.received_at, "due_at": case.due_at, "closed_at": case.closed_at,
                    "sla": sla_status(case, now()),
                    "steps": [{"name": names.get(st, st), "done": status_ == "done", "at": at}
                              for st, status_, at in steps],
                    "survey": None,
                }
                if case.status in ("done", "rejected"):
                    from engine.survey.responses import invitation_for

                    token = invitation_for(service.store, case.id, now())
                    context["found"]["survey"] = f"{request.app.state.public_url}/survei/{token}"
    return request.app.state.templates.TemplateResponse(request, "public_status.html.j2", context,
                                                        status_code=200 if context["found"] or not code else 404)
