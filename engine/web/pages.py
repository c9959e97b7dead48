"""Officers' pages: sign-in, worklist and intake (the case and task pages: case_pages.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine.access import policy
from engine.errors import CaseError, NotFound
from engine.cases.fields import applicable
from engine.cases.queries import escalations, worklist
from engine.cases.service import APPLICANT_FIELDS
from engine.store.models import Case

from . import forms
from .views import (SLA_LABELS, RowId, officer, record_refusal_here, render, step_names, submitted_form,
                    supervises)
from .auth import (COOKIE, LOGIN_COOKIE, Officer, login_token_ok, new_login_token, set_login_cookie,
                   attempt_sign_in, signed_in)

router = APIRouter(include_in_schema=False)
WORKLIST_PAGE = 200  # tasks shown; beyond them the page says how to narrow the list


# ------------------------------------------------------------------------------------------ sign-in


@router.get("/masuk", response_class=HTMLResponse)
def login_page(request: Request, lanjut: str = "/"):
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
    target = str(target or "/")
    return target if target.startswith("/") and not target.startswith("//") else "/"


# ------------------------------------------------------------------------------------------ worklist


@router.get("/kerja", response_class=HTMLResponse)
def worklist_page(request: Request, standar: str = "", status: str = "", who: Officer = Depends(officer)):
    """The tasks of the officer's roles, nearest due date first. Someone without a role (an auditor, an
    admin) has no tasks: the page says so instead of showing the office's."""
    service = request.app.state.service
    shown = WORKLIST_PAGE if not status else 1000
    rows = worklist(service.store, office=who.office_id, roles=sorted(who.roles), standard=standar or None,
                    limit=shown + 1) if who.roles else []
    if status:  # the SLA marker is computed per row, so this filter works on the nearest 1000 tasks
        rows = [r for r in rows if r["sla"]["status"] == status]
    more = len(rows) > WORKLIST_PAGE
    standards = sorted({s.id for s in service.library.standards.values() if s.office.id == who.office_id
                        and {st.get("role") for st in s.data.get("steps") or []} & who.roles})
    titles = {i: s.title for i, s in service.library.standards.items()}
    titles.update({i: b.title for i, b in service.library.bundles.items()})
    escalated = escalations(service.store, office=who.office_id, roles=sorted(who.roles)) if who.roles else []
    office = service.library.offices.get(who.office_id)
    return render(request, "worklist.html.j2", who, rows=rows[:WORKLIST_PAGE], more=more, standards=standards,
                  titles=titles, escalated=escalated, chosen_standard=standar, chosen_status=status,
                  sla_labels=SLA_LABELS, can_intake=bool(_intake_standards(request, who)),
                  step_names=step_names(service), role_name=office.role_name if office else (lambda r: r),
                  office_name=office.name if office else who.office_id,
                  my_roles=[office.role_name(r) if office else r for r in sorted(who.roles)],
                  supervises=supervises(request, who))


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
                      "requirements": standard.requirements(part.get("variant"), None, None), "standard": standard})
    return {"bundle": bundle, "parts": parts, "applicant_fields": APPLICANT_FIELDS,
            "units": _units(bundle.office, None)}


@router.get("/kasus/baru/{standard_id}", response_class=HTMLResponse)
def intakesubmitted_form(request: Request, standard_id: str, varian: str = "", kanal: str = "",
                         tiket: int = 0, unit: str = "", who: Officer = Depends(officer)):
    service = request.app.state.service
    if standard_id in service.library.bundles:
        return render(request, "intake_bundle.html.j2", who, values={}, received=set(),
                       **_bundle_context(request, who, standard_id))
    context = _intake_context(request, who, standard_id, varian or None, kanal or None)
    return render(request, "intake.html.j2", who, values={"unit": unit}, received=set(), ticket=tiket or None,
                  ticket_unit=unit[:80], **context)


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
                       received=set(received), ticket=form.get("tiket") or None,
                       ticket_unit=form.get("tiket_unit") or "", **context)
    if form.get("tiket"):  # the queue ticket being served is finished with this case
        _finish_ticket(request, who, form.get("tiket_unit"), form.get("tiket"), case_id)
    return _to_receipt(service, case_id)


def _finish_ticket(request: Request, who: Officer, unit, ticket, case_id: int) -> None:
    from engine.floor.queue import Floor

    try:
        Floor(request.app.state.service.library, who.office_id, str(unit or "")).finish(
            request.app.state.service.store, int(ticket), request.app.state.now(), case_id)
    except (CaseError, ValueError):
        pass  # the case stands; the ticket stays open at its counter, where the officer closes it


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
