"""The officers' case pages: a case, its tasks (each carrying the case: engine/cases/dossier.py), the
receipt and the product documents."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from engine.access import policy
from engine.channel.uploads import of_case
from engine.notify.views import case_messages
from engine.errors import CaseError, Forbidden, NotFound
from engine.cases.dossier import dossier
from engine.cases.frozen import thaw
from engine.cases.queries import case_view, find_case
from engine.cases.signature import qr_svg, with_qr
from engine.standard import wording
from engine.standard.kinds import KINDS
from engine.store.models import Case, Document, Task

from . import forms, verification
from .auth import Officer
from .views import RowId, officer, pdf_response, record_refusal_here, render, submitted_form

DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'none'")
router = APIRouter(include_in_schema=False)


def _own_case(request: Request, who: Officer, number: str, where: str = "halaman kasus") -> dict:
    view = case_view(request.app.state.service.store, number, viewer_roles=who.roles)
    if not policy.allowed(who.actor, "case.read", policy.Target(office_id=view["office"])):
        raise NotFound(f"kasus '{number}' tidak ditemukan", "case")  # other offices' cases do not exist here
    if view["confidential"] and view["identity_shown"]:  # every look at a confidential identity is recorded
        request.app.state.service.record_identity_view(view["id"], who.username, where)
    return view


@router.get("/kasus/{number}", response_class=HTMLResponse)
def case_page(request: Request, number: str, who: Officer = Depends(officer)):
    view = _own_case(request, who, number)
    survey = survey_link(request, view["id"]) if view["status"] in ("done", "rejected") else None
    return render(request, "case.html.j2", who, case=view, survey=survey,
                  survey_qr=qr_svg(survey, title="Kode QR survei kepuasan") if survey else None,
                  **_case_extras(request, view))


@router.post("/kasus/{number}/perpanjang", response_class=HTMLResponse)
async def extend_limit(request: Request, number: str, who: Officer = Depends(officer)):
    """Extend the case's time limit as its standard allows (the named role, a reason the applicant reads)."""
    form = await submitted_form(request, who)
    view = _own_case(request, who, number)
    try:
        await request.app.state.service.extend_time_async(view["id"], who.username, form.get("reason") or "",
                                                          at=request.app.state.now())
    except CaseError as exc:
        await record_refusal_here(request, who, exc)
        return render(request, "case.html.j2", who, status_code=403 if isinstance(exc, Forbidden) else 400,
                      case=view, survey=None, survey_qr=None, error=exc.message, error_field=exc.field,
                      **_case_extras(request, view))
    return RedirectResponse(f"/kasus/{number}?diperpanjang=1", status_code=303)


def survey_link(request: Request, case_id: int) -> str:
    """The applicant's link to the satisfaction survey (the case's invitation, made on first need)."""
    from engine.cases.service import now
    from engine.survey.responses import invitation_for

    return f"{request.app.state.public_url}/survei/{invitation_for(request.app.state.service.store, case_id, now())}"


def _case_extras(request: Request, view: dict, task_id: int | None = None) -> dict:
    service = request.app.state.service
    with service.store.read() as s:
        case = find_case(s, view["number"])
        standard = thaw(case.standard_version) if case.standard_version.kind == "standard" else None
        held = dossier(s, view, standard, task_id)
    requirement_names = {}
    if standard:
        requirement_names = {r["id"]: r["name"] for r in standard.requirements(view["variant"], view["channel"],
                                                                                None)}
    elif view["standard"] in service.library.bundles:  # a bundle keeps its parts' requirements as part/id
        for part in service.library.bundles[view["standard"]].data["parts"]:
            for r in service.library.standard(part["standard"]).requirements(part.get("variant"), None, None):
                requirement_names[f"{part['id']}/{r['id']}"] = f"{part.get('label') or part['id']}: {r['name']}"
    steps = {s["id"]: s for s in (standard.data.get("steps") if standard else []) or []}
    product_names = {p["id"]: p["name"] for p in (standard.products if standard else [])}
    extension = (standard.data.get("extension") if standard else None) or None
    return {"standard": standard, "requirement_names": requirement_names, "steps": steps,
            "extension": extension, "extension_text": wording.extension(extension, standard.office)
            if extension else None,
            "product_names": product_names, "dossier": held, "role_names": _role_names(standard),
            **channel_extras(request, view["id"])}


def _role_names(standard) -> dict:
    names = {"sistem": "Sistem", "pemohon": "Pemohon"}
    if standard is not None:
        names.update({role: standard.office.role_name(role) for role in standard.office.roles})
    return names


def _task_case(request: Request, who: Officer, task_id: int) -> dict:
    """The case view of an own-office task (another office's task does not exist for this officer)."""
    with request.app.state.service.store.read() as s:
        task = s.get(Task, task_id)
        if task is None or task.office_id != who.office_id:
            raise NotFound(f"tugas {task_id} tidak ditemukan", "task")
        number = s.get(Case, task.case_id).number
    return _own_case(request, who, number, f"halaman tugas {task_id}")


@router.get("/tugas/{task_id}", response_class=HTMLResponse)
def task_page(request: Request, task_id: RowId, who: Officer = Depends(officer)):
    view = _task_case(request, who, task_id)
    extras = _task_extras(request, view, task_id)
    # A task that comes back (returned, or the file completed later) starts from what was entered before.
    values = {f"data.{k}": v for k, v in (extras["dossier"]["prefill"] or {}).items()}
    task = _task_of(view, task_id)
    standard = extras["standard"]
    if KINDS[task["kind"]].assesses_fee and standard is not None and "data.jumlah" not in values:
        # The fee of this application by the standard's tariff (the officer may still set another).
        total = standard.fee_total(view["variant"], view["channel"], view.get("answers") or {})
        if total is not None:
            values["data.jumlah"] = total
    return render(request, "task.html.j2", who, case=view, task=task, values=values, **extras)


def _task_extras(request: Request, view: dict, task_id: int) -> dict:
    """The case's extras, and for a signature the draft being signed."""
    extras = _case_extras(request, view, task_id)
    task = _task_of(view, task_id)
    draft = None
    if KINDS[task["kind"]].asks_passphrase:
        draft = verification.draft_of(request, view["id"], extras["steps"].get(task["step"], {}).get("document"))
    return {**extras, "draft": draft}


def _task_of(view: dict, task_id: int) -> dict:
    return next(t for t in view["tasks"] if t["task"] == task_id)


@router.post("/tugas/{task_id}", response_class=HTMLResponse)
async def task_submit(request: Request, task_id: RowId, who: Officer = Depends(officer)):
    service = request.app.state.service
    form = await submitted_form(request, who)
    view = _task_case(request, who, task_id)
    number = view["number"]
    extras = _task_extras(request, view, task_id)
    kind = KINDS[_task_of(view, task_id)["kind"]]
    step = extras["steps"].get(_task_of(view, task_id)["step"], {})
    fields = kind.form_fields(step)
    data = forms.collect(fields, form, "data.")
    try:
        data = await forms.store_uploads(fields, form, data, "data.")
        outcome = form.get("outcome") or None
        requirements = [str(v) for v in form.getlist("requirements")] or None
        chosen = kind.outcomes_of(step).get(outcome) or {}
        returned = [str(v) for v in form.getlist("dikembalikan")] \
            if chosen.get("action") == "return_to_applicant" else None
        proof = await verification.proof_for_signing(request, who, kind, step, outcome, form)
        await service.complete_async(task_id, who.username, outcome=outcome, data=data,
                                     reason=form.get("reason") or None, requirements=requirements,
                                     expected_version=_int(form.get("version")), proof=proof,
                                     returned=returned or None, at=request.app.state.now())
    except CaseError as exc:
        await record_refusal_here(request, who, exc, task_id)
        return render(request, "task.html.j2", who, status_code=403 if isinstance(exc, Forbidden) else 400,
                       case=view, task=_task_of(view, task_id), error=exc.message, error_field=exc.field,
                       values={**{f"data.{k}": v for k, v in data.items()}, "outcome": form.get("outcome"),
                               "reason": form.get("reason")}, **extras)
    return RedirectResponse(f"/kasus/{number}?selesai={task_id}", status_code=303)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------------------ documents


@router.get("/kasus/{number}/tanda-terima")
def receipt(request: Request, number: str, format: str = "html", who: Officer = Depends(officer)):
    view = _own_case(request, who, number, "tanda terima")
    extras = _case_extras(request, view)
    office = extras["standard"].office if extras["standard"] else None
    status_url = f"{request.app.state.public_url}/status"
    link = f"{status_url}?{urlencode({'kode': view['receipt_code']})}"
    survey = survey_link(request, view["id"])
    html = request.app.state.templates.get_template("receipt.html.j2").render(
        case=view, office=office, officer=who, for_pdf=format == "pdf", status_url=status_url, status_link=link,
        qr=qr_svg(link, title="Kode QR cek status permohonan"), survey=survey,
        survey_qr=qr_svg(survey, title="Kode QR survei kepuasan"), **extras)
    if format == "pdf":
        return pdf_response(html, f"tanda-terima-{number}")
    return HTMLResponse(html)


@router.get("/kasus/{number}/dokumen/{product_id}")
def product_document(request: Request, number: str, product_id: str, format: str = "html",
                     who: Officer = Depends(officer)):
    view = _own_case(request, who, number)
    with request.app.state.service.store.read() as s:
        doc = s.scalar(select(Document).where(Document.case_id == view["id"], Document.product_id == product_id)
                       .order_by(Document.id.desc()))
        if doc is None:
            raise NotFound(f"dokumen {product_id} belum dibuat untuk kasus ini", "product")
        html, doc_id, signed = doc.content, doc.id, doc.signed_at is not None
    if format == "pdf" and signed:
        return verification.sealed_response(request, doc_id, f"{product_id}-{number}")
    if format == "pdf":
        return pdf_response(html, f"{product_id}-{number}")
    # A product document is the office's letter with its own inline style and no script at all.
    return HTMLResponse(with_qr(html), headers={"content-security-policy": DOCUMENT_CSP})


def channel_extras(request: Request, case_id: int) -> dict:
    store = request.app.state.service.store
    uploads = [{"id": u.id, "requirement_id": u.requirement_id, "filename": u.filename, "size": u.size,
                "media_type": u.media_type, "at": u.created_at, "deleted": u.deleted_at is not None}
               for u in of_case(store, case_id)]
    return {"uploads": uploads, "notifications": case_messages(store, case_id)}
