"""Complaints from the public, no sign-in: the complaint form (/pengaduan) that opens a case of the office's
complaint standard (its ``complaint_standard``) on the web channel, with or without an identity and with it
kept confidential on request; and, on the case's status page, the complainant's rating of the handling and
the reopening of a complaint the reply did not settle."""

from __future__ import annotations

import asyncio
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.cases.service import now
from engine.errors import CaseError

from .auth import client_address
from .public import status_page
from .rate import Window

router = APIRouter(include_in_schema=False)
FILED = Window(limit=10, seconds=3600)  # per address
ACTED = Window(limit=30, seconds=3600)  # ratings and reopenings per address
CHANNEL = "web"


def _offices(request: Request) -> list:
    library = request.app.state.service.library
    return sorted((o for o in library.offices.values() if o.data.get("complaint_standard") in library.standards),
                  key=lambda o: o.name)


def _page(request: Request, status_code: int = 200, **context):
    context.setdefault("values", {})
    return request.app.state.templates.TemplateResponse(
        request, "complaint_form.html.j2", {"officer": None, "offices": _offices(request), **context},
        status_code=status_code)


@router.get("/pengaduan", response_class=HTMLResponse)
def complaint_form(request: Request, kantor: str = "", kode: str = ""):
    return _page(request, values={"office": kantor, "kode_layanan": kode[:40]})


@router.post("/pengaduan", response_class=HTMLResponse)
async def file_complaint(request: Request):
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    values = {k: v[:6000] for k, v in form.items()}
    if not FILED.allow(client_address(request)):
        return _page(request, 429, values=values, error="Terlalu banyak pengaduan dari alamat ini; coba lagi "
                                                         "satu jam lagi atau gunakan saluran lain.")
    service = request.app.state.service
    office = service.library.offices.get(form.get("office", ""))
    if office is None or office not in _offices(request):
        return _page(request, 400, values=values, error="Pilih kantor yang diadukan.", error_field="office")
    applicant = {key: form.get(key, "").strip() for key in ("nik", "name", "phone", "email")}
    answers = {"isi": form.get("isi", "").strip(), "rahasia": form.get("rahasia") == "1"}
    if form.get("kode_layanan", "").strip():
        answers["kode_layanan"] = form["kode_layanan"].strip()
    try:
        case_id = await service.open_case_async(office.data["complaint_standard"], applicant, channel=CHANNEL,
                                                answers=answers)
    except CaseError as exc:
        field = (exc.field or "").replace("answers.", "").replace("applicant.", "")
        return _page(request, 400, values=values, error=exc.message[:1].upper() + exc.message[1:] + ".",
                     error_field=field)
    from engine.cases.queries import case_view

    view = await asyncio.to_thread(case_view, service.store, case_id)
    contact = any(applicant[k] for k in ("phone", "email"))
    return _page(request, done=True, code=view["receipt_code"], due_at=view["due_at"], contact=contact,
                 tz=office.timezone)


def _act(request: Request, kode: str, work, notice: str):
    if not ACTED.allow(client_address(request)):
        return status_page(request, kode, 429, problem="Terlalu banyak kiriman dari alamat ini; coba lagi nanti.")
    try:
        work()
    except CaseError as exc:
        return status_page(request, kode, 409 if exc.code == 3 else 400,
                           problem=exc.message[:1].upper() + exc.message[1:] + ".")
    return status_page(request, kode, notice=notice)


@router.post("/status/{kode}/nilai", response_class=HTMLResponse)
async def rate(request: Request, kode: str):
    form = await request.form()
    service = request.app.state.service
    return await asyncio.to_thread(
        _act, request, kode,
        lambda: service.rate(kode, str(form.get("score") or ""), str(form.get("comment") or "")[:3000], at=now()),
        "Terima kasih atas penilaian Anda.")


@router.post("/status/{kode}/buka-kembali", response_class=HTMLResponse)
async def reopen(request: Request, kode: str):
    form = await request.form()
    service = request.app.state.service
    return await asyncio.to_thread(
        _act, request, kode, lambda: service.reopen(kode, str(form.get("reason") or "")[:3000], at=now()),
        "Pengaduan Anda dibuka kembali dan akan ditindaklanjuti.")


@router.get("/pengaduan/ringkasan", response_class=HTMLResponse)
def summary(request: Request, kantor: str = "", periode: str = ""):
    """The office's complaints of an ended period, in numbers only: what the office publishes."""
    from engine.reports.complaints import build
    from engine.skm.periods import parse, previous_quarter

    service = request.app.state.service
    offices = _offices(request)
    office = service.library.offices.get(kantor) or (offices[0] if offices else None)
    today = now().date()
    try:
        period = parse(periode) if periode else previous_quarter(today)
        problem = None
    except ValueError as exc:
        period, problem = previous_quarter(today), str(exc)
    if period.end > today:
        period, problem = previous_quarter(today), "ringkasan periode yang belum berakhir belum diterbitkan"
    report = None
    if office is not None:
        end = date.fromordinal(period.end.toordinal() - 1)
        report = build(service.store, service.library, office.id, period.start, end, office.timezone, at=now())
    return request.app.state.templates.TemplateResponse(request, "complaints_summary.html.j2", {
        "officer": None, "offices": offices, "chosen": office, "period": period, "report": report,
        "problem": problem})
