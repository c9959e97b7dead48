"""What every router of the web application shares: the signed-in officer, page rendering with the
escaping template environment, submitted forms with their CSRF check, recorded refusals, PDF answers.
The routers (pages, admin, auditor, public, api) import this; engine/web/app.py assembles them."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from typing import Annotated

from fastapi import Path as PathParameter, Request
from fastapi.responses import Response
from jinja2 import pass_context

from engine.errors import CaseError, Forbidden
from engine.standard import wording
from engine.standard.kinds import KINDS

from .auth import COOKIE, Officer, csrf_ok

HERE = Path(__file__).resolve().parent
# A row id in a URL: a positive integer that fits the databases' INTEGER (PostgreSQL's is 32-bit).
RowId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


class NotSignedIn(Exception):
    pass


def officer(request: Request) -> Officer:
    found = request.app.state.sessions.lookup(request.cookies.get(COOKIE))
    if found is None:
        raise NotSignedIn()
    return found


def render(request: Request, template: str, officer: Officer | None, status_code: int = 200, **context):
    # Times on an officer's pages are in the officer's office's zone (WIB, WITA or WIT).
    office = request.app.state.service.library.offices.get(officer.office_id) \
        if officer is not None and request.app.state.service.library is not None else None
    zone = {"tz": office.timezone} if office is not None else {}
    return request.app.state.templates.TemplateResponse(request, template, {"officer": officer, **zone, **context},
                                                        status_code=status_code)


async def submitted_form(request: Request, who: Officer) -> dict:
    """The submitted form, after its CSRF token was checked."""
    form = await request.form()
    if not csrf_ok(who, form.get("csrf")):
        # Recorded: a form posted without this session's token may be a cross-site request.
        await request.app.state.service.record_refusal_async(who.username,
                                                              f"formulir tanpa token CSRF sah: {request.url.path}")
        raise Forbidden("formulir kedaluwarsa atau bukan dari halaman ini; muat ulang halaman", "csrf")
    return form


def record_refusal(request: Request, who: Officer, exc: CaseError, task_id: int | None = None) -> None:
    """A refused action goes into the case's history (from the JSON API's endpoints, run in threads)."""
    if isinstance(exc, Forbidden):
        request.app.state.service.record_refusal(who.username, exc.message, task_id=task_id)


async def record_refusal_here(request: Request, who: Officer, exc: CaseError, task_id: int | None = None) -> None:
    """The same from the pages' handlers, which run on the event loop: the officers' actions submitted at the
    same moment are committed together (CaseService's ``_async`` actions, engine/cases/batch.py)."""
    if isinstance(exc, Forbidden):
        await request.app.state.service.record_refusal_async(who.username, exc.message, task_id=task_id)


def template_environment():
    """The pages' templates, every value escaped (engine.markup), with layanan's filters and labels."""
    from jinja2 import FileSystemLoader

    from engine.markup import environment

    env = environment(FileSystemLoader(str(HERE / "templates")))
    env.filters["tanggal"] = lambda v: wording.long_date(v) if v else "-"
    env.filters["waktu"] = _local_time_here
    env.filters["sisa"] = days_left
    env.filters["rupiah"] = wording.rupiah
    env.globals.update(wording=wording, CHANNEL_LABELS=wording.CHANNEL_LABELS,
                       STATUS_LABELS=wording.CASE_STATUS_LABELS, SLA_LABELS=SLA_LABELS,
                       OUTCOME_LABELS=wording.OUTCOME_LABELS, STEP_KIND_LABELS=wording.STEP_KIND_LABELS,
                       EVENT_LABELS=wording.EVENT_LABELS, KINDS=KINDS)
    return env


SLA_LABELS = {"on_track": "Sesuai jadwal", "at_risk": "Hampir lewat", "late": "Terlambat",
              "paused": "Jam berhenti", "not_started": "Belum dimulai", "met": "Tepat waktu",
              "missed": "Terlambat"}


@pass_context
def _local_time_here(context, value, tz: str | None = None) -> str:
    """The ``waktu`` filter: in the zone the page gives (``tz``: the officer's office), else WITA."""
    return local_time(value, tz or context.get("tz") or DEFAULT_ZONE)


DEFAULT_ZONE = "Asia/Makassar"


def local_time(value, tz: str = DEFAULT_ZONE) -> str:
    if not value:
        return "-"
    from zoneinfo import ZoneInfo

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(ZoneInfo(tz))
    zone = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(tz, tz)
    return f"{wording.long_date(local.date())} {local:%H.%M} {zone}"


def days_left(value) -> str:
    """Working days left to a due date, as an officer says it: '2 hari kerja', 'hari ini', 'terlambat 7
    hari kerja'."""
    if value is None:
        return "-"
    if value < 0:
        return f"terlambat {-value} hari kerja"
    return "hari ini" if value == 0 else f"{value} hari kerja"


def pdf_response(html: str, filename: str) -> Response:
    """Printable HTML to PDF (engine.pdf: WeasyPrint, reaching only the pages' own /static/ assets)."""
    from engine.pdf import html_to_pdf

    pdf = html_to_pdf(html, assets=HERE / "static")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'})


def step_names(service) -> dict:
    """(standard id, step id) -> the step's name, for pages that show steps recorded by id."""
    return {(s.id, st["id"]): st.get("name") or st["id"] for s in service.library.standards.values()
            for st in s.data.get("steps") or [] if isinstance(st, dict) and "id" in st}


def heads_office(request: Request, who: Officer) -> bool:
    """Whether the officer holds the office head's role (the office's ``head.role``)."""
    office = request.app.state.service.library.offices.get(who.office_id)
    head = (office.data.get("head") or {}).get("role") if office is not None else None
    return bool(head) and head in who.roles


def supervises(request: Request, who: Officer) -> bool:
    """A role that others report to (escalations reach it): the dashboard is one click from its worklist."""
    office = request.app.state.service.library.offices.get(who.office_id)
    over = {r.get("reports_to") for r in (office.data.get("roles") or []) if isinstance(r, dict)} if office else set()
    return bool(who.roles & over)
