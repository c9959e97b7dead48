"""The applicant's side of the online channel: the history of their applications ("Riwayat permohonan",
/akun), the services offered online (/daring), the application form generated from the standard with an
upload per requirement (/daring/{standard}), their case with what to correct and the signed product
(/daring/permohonan/{number}), and the download link with its PIN (/unduh/{token}).

Only the signed-in applicant's own cases are shown: another's case number is 'not found' alike. Files are
read with a size limit each and in all (engine/web/guards.py limits the whole request too)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from engine.cases.status_view import public_status
from engine.channel import applying, downloads
from engine.channel.uploads import MAX_BYTES, MAX_FILES, FolderStore, scan
from engine.errors import CaseError, InvalidInput, NotFound

from . import verification
from .citizen_auth import SignedInCitizen, allowed, citizen, form_ok, moment
from .pages import _units

router = APIRouter(include_in_schema=False)


def files_of(request: Request) -> FolderStore:
    if getattr(request.app.state, "uploads", None) is None:
        request.app.state.uploads = FolderStore()
    return request.app.state.uploads


def _page(request: Request, template: str, who: SignedInCitizen | None, status_code: int = 200, **context):
    return request.app.state.templates.TemplateResponse(
        request, template, {"officer": None, "me": who, **context}, status_code=status_code)


@router.get("/akun", response_class=HTMLResponse)
def home(request: Request, who: SignedInCitizen = Depends(citizen)):
    service = request.app.state.service
    return _page(request, "citizen_home.html.j2", who, cases=applying.history(service, who.citizen),
                 offers=applying.offers(service.library))


@router.get("/daring", response_class=HTMLResponse)
def offered(request: Request, who: SignedInCitizen = Depends(citizen)):
    return _page(request, "citizen_offers.html.j2", who, offers=applying.offers(request.app.state.service.library))


def _form_context(request: Request, standard_id: str, variant: str | None) -> dict:
    found = applying.offer(request.app.state.service.library, standard_id)
    standard = found.standard
    variants = [(v["id"], v["name"]) for v in found.variants]
    chosen = variant if variant in {v for v, _ in variants} else (None if variants else None)
    from engine.cases.fields import applicable

    app_fields = applicable((standard.data.get("application") or {}).get("fields") or [], chosen, found.channel,
                            None)
    requirements = standard.requirements(chosen, found.channel, None) if chosen or not variants else []
    return {"s": standard, "offer": found, "variants": variants, "variant": chosen, "fields": app_fields,
            "requirements": requirements, "units": _units(standard.office, standard.data.get("units")),
            "relations": applying.RELATIONS, "max_mb": MAX_BYTES // (1024 * 1024),
            "procedure": standard.procedure_text(chosen, found.channel) if chosen or not variants else []}


@router.get("/daring/{standard_id}", response_class=HTMLResponse)
def apply_form(request: Request, standard_id: str, jenis: str = "", who: SignedInCitizen = Depends(citizen)):
    return _page(request, "citizen_apply.html.j2", who, values={}, **_form_context(request, standard_id, jenis or None))


async def _scans(form, prefix: str = "berkas.") -> list:
    """The uploaded files of a form as scans (each checked by its content)."""
    found = []
    for key, value in form.multi_items():
        if not key.startswith(prefix) or isinstance(value, str):
            continue
        if not value.filename:
            continue
        if len(found) >= MAX_FILES:
            raise InvalidInput(f"terlalu banyak berkas (paling banyak {MAX_FILES})", "files")
        content = await value.read(MAX_BYTES + 1)
        found.append(await run_in_threadpool(scan, key[len(prefix):][:80], value.filename, content))
    return found


@router.post("/daring/{standard_id}", response_class=HTMLResponse)
async def apply(request: Request, standard_id: str, who: SignedInCitizen = Depends(citizen)):
    form = await request.form(max_files=MAX_FILES + 1, max_fields=300)
    values = {k: v[:2000] for k, v in form.items() if isinstance(v, str)}
    variant = values.get("variant") or None
    context = _form_context(request, standard_id, variant)

    def refused(message, field=None, status_code=400):
        return _page(request, "citizen_apply.html.j2", who, status_code, values=values, error=message,
                     error_field=field, **context)

    if not form_ok(who, values.get("csrf")):
        return refused("Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi.")
    if not allowed(request, "applied"):
        return refused("Terlalu banyak permohonan dari alamat ini; coba lagi nanti.", status_code=429)
    answers = {k[len("answers."):]: v for k, v in values.items() if k.startswith("answers.")}
    member = None
    if values.get("untuk") == "keluarga":
        member = {"nik": values.get("member.nik", ""), "name": values.get("member.name", ""),
                  "relation": values.get("member.relation", "")}
    try:
        scans = await _scans(form)
        case_id = await run_in_threadpool(
            applying.apply, request.app.state.service, files_of(request), who.citizen, standard_id,
            variant=variant, unit=values.get("unit") or None, answers=answers, scans=scans, member=member,
            at=moment(request))
    except CaseError as exc:
        return refused(exc.message, exc.field)
    number = _number(request, case_id)
    return RedirectResponse(f"/daring/permohonan/{number}?baru=1", status_code=303)


def _number(request: Request, case_id: int) -> str:
    from engine.store.models import Case

    with request.app.state.service.store.read() as s:
        return s.get(Case, case_id).number


def _case_context(request: Request, who: SignedInCitizen, number: str) -> dict:
    service = request.app.state.service
    case = applying.owned_case(service, who.citizen, number)
    status = public_status(service.store, case.receipt_code, moment(request))
    standard = service.library.standards.get(case.standard_id)
    names = {r["id"]: r["name"] for r in standard.requirements(case.variant, case.channel, case.answers or {})} \
        if standard else {}
    wanted = applying.correction(service, case)
    if wanted:
        wanted["returned_names"] = [names.get(r, r) for r in wanted["returned"]]
    from engine.channel.uploads import of_case

    uploads = [{"requirement": names.get(u.requirement_id, u.requirement_id), "filename": u.filename,
                "at": u.created_at} for u in of_case(service.store, case.id)]
    products = {p["id"]: p.get("name") for p in standard.products} if standard else {}
    documents = [{**d, "name": products.get(d["product_id"], d["product_id"])}
                 for d in downloads.signed_documents(service.store, case.id)]
    survey = None
    if status and status["closed"]:
        from engine.survey.responses import invitation_for

        survey = f"/survei/{invitation_for(service.store, case.id, moment(request))}"
    return {"case": case, "status": status, "tz": status["tz"] if status else None, "correction": wanted,
            "uploads": uploads, "documents": documents,
            "survey": survey, "names": names, "max_mb": MAX_BYTES // (1024 * 1024),
            "requirements": standard.requirements(case.variant, case.channel, case.answers or {}) if standard else []}


@router.get("/daring/permohonan/{number}", response_class=HTMLResponse)
def case_page(request: Request, number: str, baru: str = "", who: SignedInCitizen = Depends(citizen)):
    notice = {"1": "Permohonan terkirim. Petugas memeriksa berkas Anda; kabar berikutnya kami kirim ke surel Anda "
                   "dan tampil di halaman ini.",
              "perbaikan": "Perbaikan terkirim. Petugas memeriksa kembali berkas Anda."}.get(baru)
    return _page(request, "citizen_case.html.j2", who, notice=notice, **_case_context(request, who, number))


@router.post("/daring/permohonan/{number}/perbaiki", response_class=HTMLResponse)
async def correct(request: Request, number: str, who: SignedInCitizen = Depends(citizen)):
    form = await request.form(max_files=MAX_FILES + 1, max_fields=300)
    csrf = form.get("csrf")
    try:
        if not form_ok(who, csrf if isinstance(csrf, str) else None):
            raise InvalidInput("Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi.", "csrf")
        if not allowed(request, "applied"):
            raise InvalidInput("Terlalu banyak pengiriman dari alamat ini; coba lagi nanti.", "files")
        scans = await _scans(form)
        await run_in_threadpool(applying.correct, request.app.state.service, files_of(request), who.citizen,
                                number, scans=scans, at=moment(request))
    except NotFound:
        raise
    except CaseError as exc:
        return _page(request, "citizen_case.html.j2", who, 400, error=exc.message,
                     **_case_context(request, who, number))
    return RedirectResponse(f"/daring/permohonan/{number}?baru=perbaikan", status_code=303)


@router.get("/daring/permohonan/{number}/dokumen/{product_id}")
def own_document(request: Request, number: str, product_id: str, who: SignedInCitizen = Depends(citizen)):
    return account_download(request, who.citizen, number, product_id)


def account_download(request: Request, citizen_account, number: str, product_id: str):
    """The signed PDF of the account's own case, recorded as downloaded (the pages and the API)."""
    service = request.app.state.service
    case = applying.owned_case(service, citizen_account, number)
    found = next((d for d in downloads.signed_documents(service.store, case.id) if d["product_id"] == product_id),
                 None)
    if found is None:
        raise NotFound("dokumen ini belum ditandatangani", "product")
    response = verification.sealed_response(request, found["document_id"], f"{product_id}-{number}")
    downloads.record_account_download(service.store, case.id, product_id, moment(request))
    return response


@router.get("/unduh/{token}", response_class=HTMLResponse)
def pin_form(request: Request, token: str):
    try:
        downloads.link_state(request.app.state.service.store, token, moment(request))
    except CaseError as exc:
        return _page(request, "download_pin.html.j2", None, 404 if isinstance(exc, NotFound) else 403,
                     error=exc.message, closed=True)
    return _page(request, "download_pin.html.j2", None, token=token)


@router.post("/unduh/{token}")
async def download(request: Request, token: str) -> Response:
    form = await request.form()
    pin = form.get("pin") if isinstance(form.get("pin"), str) else ""
    if not allowed(request, "pins"):
        return _page(request, "download_pin.html.j2", None, 429, token=token,
                     error="Terlalu banyak percobaan PIN dari alamat ini; coba lagi nanti.")
    try:
        doc_id, product_id = await run_in_threadpool(downloads.open_with_pin, request.app.state.service.store,
                                                     token, pin, moment(request))
    except CaseError as exc:
        closed = not isinstance(exc, InvalidInput)
        return _page(request, "download_pin.html.j2", None, 400 if not closed else 403, token=token,
                     error=exc.message, closed=closed)
    return verification.sealed_response(request, doc_id, product_id)
