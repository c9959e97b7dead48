"""The survey for citizens, no sign-in: the applicant's link (/survei/TOKEN, from the receipt's QR code and
the status page) and the published results (/skm/hasil)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.cases.service import now
from engine.errors import CaseError
from engine.skm.answers import check
from engine.skm.periods import current_quarter, parse, previous_quarter
from engine.skm.questionnaire import questionnaire
from engine.survey import responses
from engine.survey.render import report_html
from engine.survey.results import results

from .auth import client_address
from .rate import Window

router = APIRouter(include_in_schema=False)
SUBMISSIONS = Window(limit=20, seconds=3600)  # per address: a family answering several links, not a flood


def _page(request: Request, status_code: int = 200, **context):
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return request.app.state.templates.TemplateResponse(request, "survey.html.j2", {"officer": None, **context},
                                                        status_code=status_code)


def _office_of(request: Request, office_id: str):
    return request.app.state.service.library.offices.get(office_id)


def _heading(request: Request, found) -> str:
    library = request.app.state.service.library
    office = library.offices.get(found.office_id)
    title = library.standards[found.standard_id].title if found.standard_id in library.standards else found.standard_id
    return f"{title} · {office.name if office else found.office_id}"


@router.get("/survei/{token}", response_class=HTMLResponse)
def survey_form(request: Request, token: str):
    found = responses.invitation(request.app.state.service.store, token)
    if found is None:
        return _page(request, 404, message="Tautan survei tidak dikenal. Periksa tautan atau kode QR pada tanda "
                                           "terima Anda.")
    if found.used_on is not None:
        return _page(request, heading=_heading(request, found), done=True,
                     message="Survei untuk permohonan ini sudah diisi. Terima kasih atas penilaian Anda.")
    if not found.case_closed:
        return _page(request, heading=_heading(request, found),
                     message="Survei dapat diisi setelah layanan Anda selesai. Silakan kembali lagi nanti.")
    office = _office_of(request, found.office_id)
    return _page(request, heading=_heading(request, found), q=questionnaire(office.data if office else None))


@router.post("/survei/{token}", response_class=HTMLResponse)
async def survey_answer(request: Request, token: str):
    if not SUBMISSIONS.allow(client_address(request)):
        return _page(request, 429, message="Terlalu banyak kiriman dari alamat ini; coba lagi satu jam lagi.")
    form = dict(await request.form())
    store = request.app.state.service.store
    found = await asyncio.to_thread(responses.invitation, store, token)
    if found is None:
        return _page(request, 404, message="Tautan survei tidak dikenal.")
    office = _office_of(request, found.office_id)
    q = questionnaire(office.data if office else None)
    answers, errors = check(form, q)
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    if errors:
        return _page(request, 400, heading=_heading(request, found), q=q, values=values, errors=errors)
    tz = ZoneInfo(office.timezone if office else "Asia/Makassar")
    try:
        await asyncio.to_thread(responses.answer_invitation, store, token, answers, now().astimezone(tz).date())
    except CaseError as exc:
        return _page(request, 409 if "sudah" in exc.message else 400, heading=_heading(request, found),
                     message=exc.message[:1].upper() + exc.message[1:] + ".")
    return _page(request, heading=_heading(request, found), done=True,
                 message="Terima kasih. Jawaban Anda sudah kami terima dan akan dipakai untuk memperbaiki pelayanan.")


@router.get("/skm/hasil", response_class=HTMLResponse)
def published_results(request: Request, kantor: str = "", periode: str = ""):
    """Each office's index for the last complete quarter (or the period asked for, once it has ended), with
    the follow-up plan; the respondents' own words are not published."""
    service = request.app.state.service
    today = now().date()
    try:
        period = parse(periode) if periode else previous_quarter(today)
    except ValueError as exc:
        period, problem = previous_quarter(today), str(exc)
    else:
        problem = None
    if period.end > current_quarter(today).start and period.end > today + timedelta(days=1):
        period, problem = previous_quarter(today), "hasil periode yang belum berakhir belum diterbitkan"
    offices = sorted(service.library.offices.values(), key=lambda o: o.name)
    chosen = service.library.offices.get(kantor) or (offices[0] if offices else None)
    body = None
    if chosen is not None:
        titles = {s.id: s.title for s in service.library.standards.values()}
        found = results(service.store, chosen, period, titles=titles)
        found["suggestions"] = []  # citizens' own words stay with the office
        body = report_html(found, standalone=False)
    return request.app.state.templates.TemplateResponse(request, "survey_results_public.html.j2", {
        "officer": None, "offices": offices, "chosen": chosen, "period": period, "body": body, "problem": problem})
