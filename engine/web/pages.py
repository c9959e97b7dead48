"""Officers' pages: sign-in, worklist, intake, case and step forms, receipt and products."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from engine.access import policy
from engine.errors import CaseError, Forbidden, NotFound
from engine.cases.fields import applicable
from engine.cases.frozen import thaw
from engine.cases.queries import case_view, escalations, find_case, worklist
from engine.cases.service import APPLICANT_FIELDS
from engine.standard.kinds import KINDS
from engine.store.models import Case, Document, Task

from engine.cases.signature import with_qr

from . import forms, verification
from .views import SLA_LABELS, RowId, officer, pdf_response, record_refusal_here, render, submitted_form
from .auth import (COOKIE, LOGIN_COOKIE, Officer, login_token_ok, new_login_token, set_login_cookie,
                   attempt_sign_in, signed_in)

DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'none'")
router = APIRouter(include_in_schema=False)


# ------------------------------------------------------------------------------------------ sign-in


@router.get("/masuk", response_class=HTMLResponse)
def login_page(request: Request, lanjut: str = "/kerja"):
    token = request.cookies.get(LOGIN_COOKIE) or new_login_token()
    response = render(request, "login.html.j2", None, next=_safe_next(lanjut), login_token=token)
    set_login_cookie(response, request, token)
    return response


@router.post("/masuk")
async def login(request: Request):
    form = await request.form()
    username, password = str(form.get("username", ""))[:200], str(form.get("password", ""))
    nxt = _safe_next(form.get("lanjut"))
    if not login_token_ok(request, form.get("csrf")):
        # Not from our own sign-in page (login CSRF: another site signing the browser in as someone else).
        token = new_login_token()
        response = render(request, "login.html.j2", None, status_code=403, next=nxt, login_token=token,
                           error="Formulir masuk kedaluwarsa atau bukan dari halaman ini; silakan coba lagi.",
                           username=username)
        set_login_cookie(response, request, token)
        return response
    attempt = await attempt_sign_in(request, username, password)
    if attempt.refused:
        response = render(request, "login.html.j2", None, status_code=attempt.status, next=nxt,
                           login_token=request.cookies.get(LOGIN_COOKIE), error=attempt.refused, username=username)
        if attempt.retry_after:
            response.headers["Retry-After"] = str(attempt.retry_after)
        return response
    return signed_in(RedirectResponse(nxt, status_code=303), request, attempt)


@router.post("/keluar")
async def logout(request: Request, who: Officer = Depends(officer)):
    await submitted_form(request, who)
    request.app.state.sessions.end(request.cookies.get(COOKIE))
    response = RedirectResponse("/masuk", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _safe_next(target) -> str:
    target = str(target or "/kerja")
    return target if target.startswith("/") and not target.startswith("//") else "/kerja"


# ------------------------------------------------------------------------------------------ worklist


@router.get("/", include_in_schema=False)
def home(request: Request):
    return RedirectResponse("/kerja", status_code=303)


@router.get("/kerja", response_class=HTMLResponse)
def worklist_page(request: Request, standar: str = "", status: str = "", who: Officer = Depends(officer)):
    service = request.app.state.service
    rows = worklist(service.store, office=who.office_id, roles=sorted(who.roles), standard=standar or None,
                    limit=200 if not status else 1000)
    if status:  # the SLA marker is computed per row, so this filter works on the nearest 1000 tasks
        rows = [r for r in rows if r["sla"]["status"] == status]
    standards = sorted({s.id for s in service.library.standards.values() if s.office.id == who.office_id
                        and {st.get("role") for st in s.data.get("steps") or []} & who.roles})
    titles = {i: s.title for i, s in service.library.standards.items()}
    titles.update({i: b.title for i, b in service.library.bundles.items()})
    escalated = escalations(service.store, office=who.office_id, roles=sorted(who.roles))
    return render(request, "worklist.html.j2", who, rows=rows[:200], standards=standards, titles=titles,
                   escalated=escalated,
                   chosen_standard=standar, chosen_status=status, sla_labels=SLA_LABELS,
                   can_intake=bool(_intake_standards(request, who)))


@router.post("/tugas/{task_id}/ambil")
async def claim(request: Request, task_id: RowId, who: Officer = Depends(officer)):
    await submitted_form(request, who)
    try:
        await request.app.state.service.claim_async(task_id, who.username)
    except CaseError as exc:
        await record_refusal_here(request, who, exc, task_id)
        raise
    return RedirectResponse(f"/tugas/{task_id}", status_code=303)


@router.post("/tugas/{task_id}/lepas")
async def release(request: Request, task_id: RowId, who: Officer = Depends(officer)):
    await submitted_form(request, who)
    await request.app.state.service.release_async(task_id, who.username)
    return RedirectResponse("/kerja", status_code=303)


# ------------------------------------------------------------------------------------------ intake


def _offered(request: Request, document: dict) -> bool:
    """Published standards take applications; drafts only in the demo (marked as such)."""
    return document.get("status") != "draft" or request.app.state.demo


def _open_target(item, standards) -> policy.Target:
    """What opening a case of a standard or bundle acts on (the first parts' intake roles, for a bundle)."""
    return policy.Target(office_id=item.office.id, office_name=item.office.name,
                         intake_roles=frozenset().union(*(s.intake_roles(any_path=True) for s in standards)))


def _intake_standards(request: Request, who: Officer) -> list:
    """Standards and bundles the officer may take applications of (engine.access.policy, case.open)."""
    service = request.app.state.service
    found = [s for s in service.library.standards.values()
             if _offered(request, s.data) and policy.allowed(who.actor, "case.open", _open_target(s, [s]))]
    for bundle in service.library.bundles.values():
        first = [service.library.standard(p["standard"]) for p in bundle.data["parts"] if not p.get("after")]
        if _offered(request, bundle.data) and policy.allowed(who.actor, "case.open", _open_target(bundle, first)):
            found.append(bundle)
    return sorted(found, key=lambda s: s.title)


@router.get("/kasus/baru", response_class=HTMLResponse)
def intake_choose(request: Request, who: Officer = Depends(officer)):
    return render(request, "intake_choose.html.j2", who,
                   standards=_intake_standards(request, who))


def _intake_context(request, who, standard_id, variant, channel):
    standard = request.app.state.service.library.standard(standard_id)
    if not _offered(request, standard.data):
        raise NotFound(f"standar '{standard_id}' masih draf dan belum menerima permohonan", "standard")
    policy.check(who.actor, "case.open", _open_target(standard, [standard]))
    variants, channels = standard.variants, standard.channels
    variant = variant or (variants[0]["id"] if variants else None)
    channel = channel or (channels[0]["id"] if channels else None)
    app_fields = (standard.data.get("application") or {}).get("fields") or []
    return {"standard": standard, "variant": variant, "channel": channel, "variants": variants,
            "channels": channels, "requirements": standard.requirements(variant, channel, None),
            "answer_fields": applicable(app_fields, variant, channel, {}), "applicant_fields": APPLICANT_FIELDS,
            "units": _units(standard.office, standard.data.get("units"))}


def _units(office, allowed) -> list[tuple[str, str]]:
    """(id, name) of the office's service units, limited to those a standard names."""
    units = office.data.get("units") or []
    return [(u["id"], u.get("name") or u["id"]) for u in units if not allowed or u["id"] in allowed]


def _bundle_context(request, who, bundle_id):
    service = request.app.state.service
    bundle = service.library.bundles[bundle_id]
    if not _offered(request, bundle.data):
        raise NotFound(f"paket '{bundle_id}' masih draf dan belum menerima permohonan", "standard")
    first = [service.library.standard(p["standard"]) for p in bundle.data["parts"] if not p.get("after")]
    policy.check(who.actor, "case.open", _open_target(bundle, first))
    parts = []
    for part in bundle.data["parts"]:
        standard = service.library.standard(part["standard"])
        parts.append({"id": part["id"], "label": part.get("label") or standard.title, "after": part.get("after"),
                      "requirements": standard.requirements(part.get("variant"), None, None)})
    return {"bundle": bundle, "parts": parts, "applicant_fields": APPLICANT_FIELDS,
            "units": _units(bundle.office, None)}


@router.get("/kasus/baru/{standard_id}", response_class=HTMLResponse)
def intakesubmitted_form(request: Request, standard_id: str, varian: str = "", kanal: str = "",
                who: Officer = Depends(officer)):
    service = request.app.state.service
    if standard_id in service.library.bundles:
        return render(request, "intake_bundle.html.j2", who, values={}, received=set(),
                       **_bundle_context(request, who, standard_id))
    context = _intake_context(request, who, standard_id, varian or None, kanal or None)
    return render(request, "intake.html.j2", who, values={}, received=set(), **context)


@router.post("/kasus/baru/{standard_id}", response_class=HTMLResponse)
async def intake_submit(request: Request, standard_id: str, who: Officer = Depends(officer)):
    service = request.app.state.service
    form = await submitted_form(request, who)
    applicant = {k: str(form.get(f"applicant.{k}", "")).strip() for k in APPLICANT_FIELDS}
    applicant = {k: v for k, v in applicant.items() if v}
    if standard_id in service.library.bundles:
        return await _bundle_submit(request, who, standard_id, form, applicant)
    variant, channel = form.get("varian") or None, form.get("kanal") or None
    context = _intake_context(request, who, standard_id, variant, channel)
    answers = forms.collect(context["answer_fields"], form, "answers.")
    received = [str(v) for v in form.getlist("requirements")]
    incomplete = form.get("incomplete") == "1"
    try:
        case_id = await service.open_case_async(standard_id, applicant, variant=context["variant"],
                                                channel=context["channel"], unit=form.get("unit") or None,
                                                answers=answers, requirements=received, actor=who.username,
                                                allow_incomplete=incomplete)
    except CaseError as exc:
        await record_refusal_here(request, who, exc)
        return render(request, "intake.html.j2", who, status_code=400, error=exc.message, error_field=exc.field,
                       values={**{f"applicant.{k}": v for k, v in applicant.items()},
                               **{f"answers.{k}": v for k, v in answers.items()}},
                       received=set(received), **context)
    return _to_receipt(service, case_id)


def _to_receipt(service, case_id: int) -> RedirectResponse:
    with service.store.read() as s:
        number = s.get(Case, case_id).number
    return RedirectResponse(f"/kasus/{number}/tanda-terima", status_code=303)


async def _bundle_submit(request: Request, who: Officer, bundle_id: str, form, applicant: dict):
    """A bundle's requirements come as part/requirement pairs; each part checks its own."""
    service = request.app.state.service
    context = _bundle_context(request, who, bundle_id)
    ticked = [str(v) for v in form.getlist("requirements")]
    received = {p["id"]: [t.split("/", 1)[1] for t in ticked if t.startswith(p["id"] + "/")]
                for p in context["parts"]}
    try:
        case_id = await service.open_case_async(bundle_id, applicant, requirements=received, actor=who.username,
                                                unit=form.get("unit") or None,
                                                allow_incomplete=form.get("incomplete") == "1")
    except CaseError as exc:
        await record_refusal_here(request, who, exc)
        return render(request, "intake_bundle.html.j2", who, status_code=400, error=exc.message,
                       error_field=exc.field, values={f"applicant.{k}": v for k, v in applicant.items()},
                       received=set(ticked), **context)
    return _to_receipt(service, case_id)


# ------------------------------------------------------------------------------------------ cases


def _own_case(request: Request, who: Officer, number: str) -> dict:
    view = case_view(request.app.state.service.store, number)
    if not policy.allowed(who.actor, "case.read", policy.Target(office_id=view["office"])):
        raise NotFound(f"kasus '{number}' tidak ditemukan", "case")  # other offices' cases do not exist here
    return view


@router.get("/kasus/{number}", response_class=HTMLResponse)
def case_page(request: Request, number: str, who: Officer = Depends(officer)):
    view = _own_case(request, who, number)
    return render(request, "case.html.j2", who, case=view, **_case_extras(request, view))


def _case_extras(request: Request, view: dict) -> dict:
    service = request.app.state.service
    with service.store.read() as s:
        case = find_case(s, view["number"])
        standard = thaw(case.standard_version) if case.standard_version.kind == "standard" else None
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
    return {"standard": standard, "requirement_names": requirement_names, "steps": steps,
            "product_names": product_names}


def _task_case(request: Request, who: Officer, task_id: int) -> dict:
    """The case view of an own-office task (another office's task does not exist for this officer)."""
    with request.app.state.service.store.read() as s:
        task = s.get(Task, task_id)
        if task is None or task.office_id != who.office_id:
            raise NotFound(f"tugas {task_id} tidak ditemukan", "task")
        number = s.get(Case, task.case_id).number
    return _own_case(request, who, number)


@router.get("/tugas/{task_id}", response_class=HTMLResponse)
def task_page(request: Request, task_id: RowId, who: Officer = Depends(officer)):
    view = _task_case(request, who, task_id)
    return render(request, "task.html.j2", who, case=view, task=_task_of(view, task_id), values={},
                   **_task_extras(request, view, task_id))


def _task_extras(request: Request, view: dict, task_id: int) -> dict:
    """The case's extras, and for a signature the draft being signed."""
    extras = _case_extras(request, view)
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
        proof = await verification.proof_for_signing(request, who, kind, step, outcome, form)
        await service.complete_async(task_id, who.username, outcome=outcome, data=data,
                                     reason=form.get("reason") or None, requirements=requirements,
                                     expected_version=_int(form.get("version")), proof=proof)
    except CaseError as exc:
        await record_refusal_here(request, who, exc, task_id)
        return render(request, "task.html.j2", who, status_code=403 if isinstance(exc, Forbidden) else 400,
                       case=view, task=_task_of(view, task_id), error=exc.message, error_field=exc.field,
                       values={f"data.{k}": v for k, v in data.items()}, **extras)
    return RedirectResponse(f"/kasus/{number}?selesai={task_id}", status_code=303)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------------------ documents


@router.get("/kasus/{number}/tanda-terima")
def receipt(request: Request, number: str, format: str = "html", who: Officer = Depends(officer)):
    view = _own_case(request, who, number)
    extras = _case_extras(request, view)
    office = extras["standard"].office if extras["standard"] else None
    html = request.app.state.templates.get_template("receipt.html.j2").render(
        case=view, office=office, officer=who, for_pdf=format == "pdf",
        status_url=f"{request.app.state.public_url}/status", **extras)
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

