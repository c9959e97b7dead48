"""The queue's pages: the kiosk that issues tickets (with a slip for 58/80 mm thermal printers), the TV
display that shows each counter's call as it happens (pushed to the browser by server-sent events, no
reload), and the counter's page from which an officer opens the counter, calls, recalls, serves, marks a
no-show, transfers, and opens the intake of the ticket being served (the case is linked to the ticket).
Kiosk and display need no sign-in (they stand in the office); the counter's page is an officer's."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from engine.errors import CaseError, NotFound
from engine.floor.metrics import waiting_too_long
from engine.floor.queue import Floor
from engine.store.models import QueueTicket

from .auth import Officer
from .views import officer, render, submitted_form

router = APIRouter(include_in_schema=False)
T = QueueTicket.__table__
PUSH_EVERY = 0.5  # seconds between the display stream's looks at the store
STREAM_SECONDS = 300  # a display reconnects after this (EventSource does so by itself)


def _floor(request: Request, office: str, unit: str) -> Floor:
    return Floor(request.app.state.service.library, office, unit)


def _now(request: Request):
    return request.app.state.now()


@router.get("/antrean/{office}/{unit}/kios", response_class=HTMLResponse)
def kiosk(request: Request, office: str, unit: str):
    floor = _floor(request, office, unit)
    return render(request, "queue_kiosk.html.j2", None, floor=floor,
                  waiting=floor.waiting(request.app.state.service.store, _now(request)))


@router.post("/antrean/{office}/{unit}/kios", response_class=HTMLResponse)
async def take_ticket(request: Request, office: str, unit: str):
    floor = _floor(request, office, unit)
    form = await request.form()
    store = request.app.state.service.store
    try:
        ticket = await run_in_threadpool(floor.issue, store, str(form.get("layanan") or ""), _now(request),
                                         str(form.get("prioritas") or "") or None)
    except CaseError as exc:
        return render(request, "queue_kiosk.html.j2", None, status_code=409 if "kuota" in exc.message else 400,
                      floor=floor, waiting=floor.waiting(store, _now(request)), error=exc.message)
    ahead = floor.waiting(store, _now(request)).get(ticket.service, 1) - 1
    return render(request, "queue_slip.html.j2", None, floor=floor, ticket=ticket, ahead=ahead,
                  tz=floor.office.timezone,
                  service=floor.services[ticket.service])


@router.post("/antrean/{office}/{unit}/kios/kode", response_class=HTMLResponse)
async def check_in(request: Request, office: str, unit: str):
    """A booked applicant types (or scans) the booking code: the booking joins the waiting line now."""
    from engine.floor.booking import check_in as checked_in

    floor = _floor(request, office, unit)
    form = await request.form()
    store = request.app.state.service.store
    try:
        ticket = await run_in_threadpool(checked_in, store, floor, str(form.get("kode") or "")[:40], _now(request))
    except CaseError as exc:
        return render(request, "queue_kiosk.html.j2", None, status_code=404 if "tidak ditemukan" in exc.message else 409,
                      floor=floor, waiting=floor.waiting(store, _now(request)), code_error=exc.message)
    ahead = floor.waiting(store, _now(request)).get(ticket.service, 1) - 1
    return render(request, "queue_slip.html.j2", None, floor=floor, ticket=ticket, ahead=ahead,
                  tz=floor.office.timezone,
                  service=floor.services[ticket.service], booked=True)


def _calls(store, floor: Floor, at) -> list[dict]:
    """The latest call of each counter today, newest first."""
    day = at.astimezone(floor.zone).date()
    with store.read() as s:
        rows = s.execute(select(T.c.label, T.c.counter_id, T.c.called_at, T.c.recalls).where(
            T.c.office_id == floor.office.id, T.c.unit_id == floor.unit_id, T.c.day == day,
            T.c.called_at.is_not(None), T.c.counter_id.is_not(None)).order_by(T.c.called_at.desc()).limit(50)).all()
    seen, found = set(), []
    for label, counter, called_at, recalls in rows:
        if counter in seen:
            continue
        seen.add(counter)
        found.append({"label": label, "counter": floor.counters.get(counter, {}).get("name", counter),
                      "at": called_at.isoformat(), "recalls": recalls})
    return found


@router.get("/antrean/{office}/{unit}/layar", response_class=HTMLResponse)
def display(request: Request, office: str, unit: str):
    floor = _floor(request, office, unit)
    store = request.app.state.service.store
    return render(request, "queue_display.html.j2", None, floor=floor, calls=_calls(store, floor, _now(request)),
                  waiting=floor.waiting(store, _now(request)))


@router.get("/antrean/{office}/{unit}/peristiwa")
async def display_events(request: Request, office: str, unit: str):
    """Server-sent events: the counters' latest calls and the waiting counts, whenever they change."""
    floor = _floor(request, office, unit)
    store = request.app.state.service.store

    async def stream():
        last, waited = None, 0.0
        while waited < STREAM_SECONDS:
            if await request.is_disconnected():
                return
            now = _now(request)
            state = {"calls": await run_in_threadpool(_calls, store, floor, now),
                     "waiting": await run_in_threadpool(floor.waiting, store, now)}
            if state != last:
                last = state
                yield f"data: {json.dumps(state)}\n\n"
            await asyncio.sleep(PUSH_EVERY)
            waited += PUSH_EVERY

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get("/loket", response_class=HTMLResponse)
def counter_page(request: Request, unit: str = "", loket: str = "", pesan: str = "",
                 who: Officer = Depends(officer)):
    library = request.app.state.service.library
    office = library.offices.get(who.office_id)
    if office is None or not office.data.get("queue"):
        raise NotFound("kantor Anda tidak mengatur antrean", "queue")
    units = [(u["id"], u.get("name") or u["id"]) for u in office.data.get("units") or []]
    unit = unit or (units[0][0] if units else office.id)
    floor = Floor(library, office.id, unit)
    store = request.app.state.service.store
    current = None
    if loket:
        with store.read() as s:
            current = s.execute(select(T).where(
                T.c.office_id == office.id, T.c.unit_id == unit, T.c.counter_id == loket,
                T.c.status.in_(("called", "serving"))).order_by(T.c.called_at.desc()).limit(1)).first()
    standards = library.standards
    intakes = [(sid, standards[sid].title) for service in floor.services.values() for sid in service.get("standards") or []
               if sid in standards and (standards[sid].data.get("status") != "draft" or request.app.state.demo)]
    return render(request, "queue_counter.html.j2", who, floor=floor, units=units, unit=unit, loket=loket,
                  intakes=intakes,
                  current=current, waiting=floor.waiting(store, _now(request)), note=pesan[:200],
                  late=waiting_too_long(store, floor, _now(request)))


@router.post("/loket", response_class=HTMLResponse)
async def counter_action(request: Request, who: Officer = Depends(officer)):
    form = await submitted_form(request, who)
    unit, loket, action = str(form.get("unit") or ""), str(form.get("loket") or ""), str(form.get("aksi") or "")
    floor = Floor(request.app.state.service.library, who.office_id, unit)
    store, at = request.app.state.service.store, _now(request)
    ticket_id = int(form.get("tiket") or 0)
    try:
        if action == "buka":
            floor.open_counter(store, loket, who.username, at)
        elif action == "tutup":
            floor.close_counter(store, loket)
        elif action == "panggil":
            if floor.call_next(store, loket, who.username, at) is None:
                return _back(unit, loket, "tidak ada yang menunggu")
        elif action in ("ulang", "layani", "tidak_hadir"):
            {"ulang": floor.recall, "layani": floor.serve, "tidak_hadir": floor.no_show}[action](store, ticket_id, at)
        elif action == "alihkan":
            floor.transfer(store, ticket_id, str(form.get("ke") or ""), at)
        elif action == "selesai":
            floor.finish(store, ticket_id, at)
        else:
            raise NotFound("aksi loket tidak dikenal", "aksi")
    except CaseError as exc:
        return _back(unit, loket, exc.message)
    return _back(unit, loket)


def _back(unit: str, loket: str, note: str | None = None) -> RedirectResponse:
    from urllib.parse import urlencode

    query = {"unit": unit, "loket": loket, **({"pesan": note} if note else {})}
    return RedirectResponse(f"/loket?{urlencode(query)}", status_code=303)
