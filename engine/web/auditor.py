"""Pages for auditors (read-only): the office's report for a period with its chart, and the state of the
audit chain. Case pages are open to them like to any officer of the office; having no roles, they cannot
act on a step."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from engine.audit.verify import verify
from engine.access import policy
from engine.errors import Forbidden, InvalidInput
from engine.reports.render import as_html
from engine.cases.service import now
from engine.floor.metrics import office_queues
from engine.reports.complaints import build as complaints_report
from engine.reports.report import build
from engine.skm.periods import current_quarter, previous_quarter
from engine.survey.results import results

from .auth import Officer
from .views import officer, render

router = APIRouter(include_in_schema=False)


def auditor(request: Request, who: Officer = Depends(officer)) -> Officer:
    problem = policy.refusal(who.actor, "audit.read", policy.Target(office_id=who.office_id))
    if problem:
        request.app.state.service.record_refusal(who.username, problem)
        raise Forbidden(problem, "auditor")
    return who


def _date(text: str, default: date, field: str) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("tanggal harus berformat YYYY-MM-DD", field) from None


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, dari: str = "", sampai: str = "", who: Officer = Depends(auditor)):
    service = request.app.state.service
    office = service.library.offices[who.office_id]
    at = now()
    today = at.astimezone(ZoneInfo(office.timezone)).date()
    start = _date(dari, today.replace(day=1), "dari")  # the month so far
    end = _date(sampai, today, "sampai")
    if end < start:
        raise InvalidInput("tanggal akhir sebelum tanggal awal", "sampai")
    report = build(service.store, who.office_id, start, end, office.timezone, at=at)
    report["office_name"] = office.name
    complaints = complaints_report(service.store, service.library, who.office_id, start, end, office.timezone,
                                   at=at)
    survey = []
    for period in (current_quarter(today), previous_quarter(today)):
        found = results(service.store, office, period)
        survey.append({"period": period, "overall": found["overall"], "minimum": found["minimum"]})
    return render(request, "audit.html.j2", who, report_html=as_html(report, standalone=False, links=True),
                  start=start, end=end, survey=survey, complaints=complaints,
                  queues=office_queues(service.store, service.library, office, start, end, at),
                   chain=verify(service.store))
