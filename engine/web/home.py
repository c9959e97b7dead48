"""Each role's home: officers who work steps land on their worklist, the head of office and supervisors on a
dashboard of what needs them today, auditors on the report and case list, admins on the users page."""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from engine.cases.finding import Search, find
from engine.cases.queries import escalations, worklist
from engine.cases.service import now
from engine.standard.kinds import KINDS

from .auth import Officer
from .views import SLA_LABELS, heads_office, officer, render, step_names

router = APIRouter(include_in_schema=False)


def home_of(request: Request, who: Officer) -> str:
    if heads_office(request, who):
        return "/beranda"
    if who.roles:
        return "/kerja"
    if who.is_auditor:
        return "/audit"
    if who.is_admin:
        return "/admin/pengguna"
    return "/cari"


@router.get("/")
def home(request: Request, who: Officer = Depends(officer)):
    return RedirectResponse(home_of(request, who), status_code=303)


@router.get("/beranda", response_class=HTMLResponse)
def dashboard(request: Request, who: Officer = Depends(officer)):
    """What needs the head today: signatures waiting, cases due today, late, escalated, and the day's
    register; every count opens its cases."""
    service = request.app.state.service
    office = service.library.offices.get(who.office_id)
    tz = ZoneInfo(office.timezone if office is not None else "Asia/Makassar")
    at = now()
    today = at.astimezone(tz).date()
    offices = [who.office_id]
    counts = {}
    for key, label, values in (
            ("due_today", "Jatuh tempo hari ini", {"status": "open", "sla": "due_today"}),
            ("late", "Terlambat", {"status": "open", "sla": "late"}),
            ("at_risk", "Hampir lewat", {"status": "open", "sla": "at_risk"}),
            ("received_today", "Diterima hari ini", {"from": today.isoformat(), "to": today.isoformat()}),
            ("done_today", "Selesai hari ini", {"status": "done", "closed_from": today.isoformat(),
                                                "closed_to": today.isoformat()})):
        search = Search.of({**values, "size": 1})
        counts[key] = {"label": label, "total": find(service.store, search, offices=offices, at=at, tz=tz)["total"],
                       "link": "/cari?" + urlencode(values)}
    mine = worklist(service.store, office=who.office_id, roles=sorted(who.roles), limit=500) if who.roles else []
    signing = [r for r in mine if KINDS[r["kind"]].asks_passphrase]
    other = [r for r in mine if not KINDS[r["kind"]].asks_passphrase]
    register = find(service.store, Search.of({"from": today.isoformat(), "to": today.isoformat(), "size": 50}),
                    offices=offices, at=at, tz=tz, viewer_roles=who.roles)
    late = find(service.store, Search.of({"status": "open", "sla": "late", "size": 10}), offices=offices, at=at,
                tz=tz, viewer_roles=who.roles)
    titles = {i: s.title for i, s in service.library.standards.items()}
    titles.update({i: b.title for i, b in service.library.bundles.items()})
    return render(request, "dashboard.html.j2", who, counts=counts, signing=signing, other=other,
                  escalated=escalations(service.store, office=who.office_id, roles=sorted(who.roles)),
                  register=register, late=late, more={"late": late["total"] > len(late["rows"]),
                                                      "register": register["total"] > len(register["rows"])}, today=today, titles=titles, sla_labels=SLA_LABELS,
                  office=office,
                  step_names=step_names(service), role_name=office.role_name if office else (lambda r: r))
