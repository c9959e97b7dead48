"""The survey for officers: the counter's kiosk, typing paper forms, importing a spreadsheet of them, the
results per period with the SKM report (HTML and PDF), and the follow-up plan the head of office keeps."""

from __future__ import annotations

import asyncio
from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine.cases.service import now
from engine.errors import CaseError, Forbidden, InvalidInput
from engine.skm.answers import check
from engine.skm.periods import current_quarter, parse
from engine.skm.questionnaire import questionnaire
from engine.skm.sheet import SheetError, read
from engine.survey import followups, responses
from engine.survey.render import report_html, report_pdf
from engine.survey.results import results

from .auth import Officer
from .rate import Window
from .views import heads_office, officer, record_refusal, render, submitted_form

router = APIRouter(include_in_schema=False)
KIOSK = Window(limit=1, seconds=15)  # a person needs more than 15 s for nine questions
MAX_SHEET = 10 * 1024 * 1024


def _office(request: Request, who: Officer):
    return request.app.state.service.library.offices[who.office_id]


def _today(request: Request, who: Officer) -> date:
    return now().astimezone(ZoneInfo(_office(request, who).timezone)).date()


def _services(request: Request, who: Officer) -> list[tuple[str, str]]:
    return sorted(((s.id, s.title) for s in request.app.state.service.library.standards.values()
                   if s.office.id == who.office_id), key=lambda pair: pair[1])


def _form_page(request, who, *, status_code=200, **context):
    office = _office(request, who)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render(request, "survey.html.j2", who, status_code=status_code, q=questionnaire(office.data),
                  services=_services(request, who), csrf=who.csrf, **context)


def _standard(request: Request, who: Officer, value) -> str | None:
    standard = str(value or "").strip() or None
    if standard and standard not in dict(_services(request, who)):
        raise InvalidInput("layanan tidak dikenal di kantor ini", "standard")
    return standard


@router.get("/survei/kios", response_class=HTMLResponse)
def kiosk(request: Request, who: Officer = Depends(officer)):
    """The counter's kiosk: the questionnaire, again and again, answered by citizens without a name."""
    return _form_page(request, who, heading=f"Kios survei · {_office(request, who).name}")


@router.post("/survei/kios", response_class=HTMLResponse)
async def kiosk_answer(request: Request, who: Officer = Depends(officer)):
    return await _record(request, who, "kios")


@router.get("/skm/kertas", response_class=HTMLResponse)
def paper(request: Request, who: Officer = Depends(officer)):
    return _form_page(request, who, paper=True, heading="Ketik formulir survei kertas",
                      values={"day": _today(request, who).isoformat()})


@router.post("/skm/kertas", response_class=HTMLResponse)
async def paper_answer(request: Request, who: Officer = Depends(officer)):
    return await _record(request, who, "kertas")


async def _record(request: Request, who: Officer, channel: str):
    form = dict(await submitted_form(request, who))
    values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    extra = {"paper": True} if channel == "kertas" else {}
    again = "/skm/kertas" if channel == "kertas" else "/survei/kios"
    try:
        standard = _standard(request, who, form.get("standard"))
        day = _today(request, who)
        if channel == "kertas":
            try:
                day = date.fromisoformat(str(form.get("day") or ""))
            except ValueError:
                raise InvalidInput("tanggal formulir berformat YYYY-MM-DD", "day") from None
            if day > _today(request, who) or day.year < 2017:
                raise InvalidInput("tanggal formulir tidak wajar", "day")
        answers, errors = check(form, questionnaire(_office(request, who).data))
        if errors:
            return _form_page(request, who, status_code=400, values=values, errors=errors, **extra)
        if channel == "kios" and not KIOSK.allow(who.username):
            raise InvalidInput("jawaban terlalu cepat setelah jawaban sebelumnya; tunggu sebentar", "kiosk")
        await asyncio.to_thread(responses.record, request.app.state.service.store, who.office_id, standard, None,
                                channel, answers, day, who.username if channel == "kertas" else None)
    except CaseError as exc:
        record_refusal(request, who, exc)
        return _form_page(request, who, status_code=400, values=values,
                          errors={exc.field or "standard": exc.message}, **extra)
    message = ("Formulir tersimpan." if channel == "kertas" else
               "Terima kasih atas penilaian Anda. Jawaban tersimpan tanpa nama.")
    return _form_page(request, who, done=True, message=message, again=again)


@router.get("/skm/impor", response_class=HTMLResponse)
def import_page(request: Request, who: Officer = Depends(officer)):
    return render(request, "survey_import.html.j2", who, services=_services(request, who))


@router.post("/skm/impor", response_class=HTMLResponse)
async def import_sheet(request: Request, who: Officer = Depends(officer)):
    form = await submitted_form(request, who)
    upload = form.get("berkas")
    data = await upload.read(MAX_SHEET + 1) if hasattr(upload, "read") else b""
    context = {"services": _services(request, who), "chosen": str(form.get("standard") or "")}
    try:
        standard = _standard(request, who, form.get("standard"))
        if not data:
            raise InvalidInput("pilih berkas CSV atau XLSX", "berkas")
        if len(data) > MAX_SHEET:
            raise InvalidInput("berkas lebih dari 10 MB; bagi menjadi beberapa berkas", "berkas")
        rows = await asyncio.to_thread(read, data)
    except SheetError as exc:
        return render(request, "survey_import.html.j2", who, status_code=400, problems=exc.problems[:100],
                      more=max(len(exc.problems) - 100, 0), **context)
    except CaseError as exc:
        return render(request, "survey_import.html.j2", who, status_code=400, error=exc.message, **context)
    count = await asyncio.to_thread(responses.import_responses, request.app.state.service.store, who.office_id,
                                    standard, None, rows, _today(request, who), who.username)
    return render(request, "survey_import.html.j2", who, imported=count, **context)


def _results(request: Request, who: Officer, periode: str, standar: str):
    service = request.app.state.service
    period = parse(periode) if periode else current_quarter(_today(request, who))
    standard = _standard(request, who, standar)
    titles = {s.id: s.title for s in service.library.standards.values()}
    return results(service.store, _office(request, who), period, standard_id=standard, titles=titles)


@router.get("/skm", response_class=HTMLResponse)
def results_page(request: Request, periode: str = "", standar: str = "", who: Officer = Depends(officer)):
    try:
        found = _results(request, who, periode, standar)
    except ValueError as exc:
        raise InvalidInput(str(exc), "periode") from None
    query = urlencode({k: v for k, v in (("periode", found["period"].label), ("standar", standar)) if v})
    return render(request, "survey_results.html.j2", who, found=found, body=report_html(found, standalone=False),
                  services=_services(request, who), chosen=standar, query=query,
                  can_plan=heads_office(request, who) or who.is_admin, statuses=followups.STATUSES,
                  elements=[(e.id, e.name) for e in found["questionnaire"].elements])


@router.get("/skm/laporan.pdf")
async def results_pdf(request: Request, periode: str = "", standar: str = "", who: Officer = Depends(officer)):
    try:
        found = _results(request, who, periode, standar)
    except ValueError as exc:
        raise InvalidInput(str(exc), "periode") from None
    pdf = await asyncio.to_thread(report_pdf, found)
    name = f"laporan-skm-{who.office_id}-{found['period'].label}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"content-disposition": f'attachment; filename="{name}"'})


@router.post("/skm/rencana")
async def save_plan(request: Request, who: Officer = Depends(officer)):
    form = dict(await submitted_form(request, who))
    try:
        if not (heads_office(request, who) or who.is_admin):
            raise Forbidden("rencana tindak lanjut diisi oleh pimpinan kantor atau admin", "followup")
        period = parse(str(form.get("periode") or ""))
        item = int(form["id"]) if str(form.get("id") or "").isdigit() else None
        await asyncio.to_thread(followups.save, request.app.state.service.store, who.office_id, period, form,
                                by=who.username, at=now(), followup_id=item)
    except ValueError as exc:
        raise InvalidInput(str(exc), "periode") from None
    except CaseError as exc:
        record_refusal(request, who, exc)
        raise
    return RedirectResponse(f"/skm?{urlencode({'periode': period.label})}#rencana", status_code=303)
