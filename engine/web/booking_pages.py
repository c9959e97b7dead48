"""Online booking of a queue date, for signed-in citizens (/akun/antrean): choose the service point, the
queue's service and a working day within the office's window; receive the booking code (also shown as a QR
code) to type at the kiosk on that day (/antrean/{office}/{unit}/kios/kode), which gives the ticket.
Bookings can be cancelled until they are used; a cancelled one frees its place in the day's quota."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from engine.errors import CaseError, InvalidInput
from engine.floor import booking
from engine.floor.queue import Floor

from .citizen_auth import SignedInCitizen, allowed, citizen, form_ok, moment

router = APIRouter(include_in_schema=False)


def _qr(code: str):
    from engine.cases.signature import qr_svg

    return qr_svg(code, "Kode QR pemesanan antrean")


def _page(request: Request, who: SignedInCitizen, status_code: int = 200, **context):
    service = request.app.state.service
    places = booking.places(service.library)
    chosen = context.pop("tempat", "") or (f"{places[0].office}/{places[0].unit}" if len(places) == 1 else "")
    floor = days = None
    if chosen and "/" in chosen:
        office, unit = chosen.split("/", 1)
        try:
            floor = Floor(service.library, office, unit)
            days = [(d.isoformat(), booking.tanggal(d)) for d in booking.bookable_days(floor, moment(request))]
        except CaseError:
            floor, chosen = None, ""
    mine = booking.of_account(service.store, service.library, who.citizen.id, moment(request))
    return request.app.state.templates.TemplateResponse(request, "citizen_booking.html.j2", {
        "officer": None, "me": who, "places": places, "chosen": chosen, "floor": floor, "days": days or [],
        "bookings": mine, "tanggal": booking.tanggal, "qr": _qr, **context}, status_code=status_code)


@router.get("/akun/antrean", response_class=HTMLResponse)
def bookings(request: Request, tempat: str = "", baru: int = 0, who: SignedInCitizen = Depends(citizen)):
    return _page(request, who, tempat=tempat[:200], new=baru)


@router.post("/akun/antrean", response_class=HTMLResponse)
async def book(request: Request, who: SignedInCitizen = Depends(citizen)):
    form = await request.form()
    values = {k: str(v)[:200] for k, v in form.items() if isinstance(v, str)}
    place = values.get("tempat", "")

    def refused(message: str, status_code: int = 400):
        return _page(request, who, status_code, tempat=place, error=message, values=values)

    if not form_ok(who, values.get("csrf")):
        return refused("Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi.")
    if not who.citizen.verified:
        return refused("Verifikasi surel Anda terlebih dahulu.")
    if not allowed(request, "applied"):
        return refused("Terlalu banyak permintaan dari alamat ini; coba lagi nanti.", 429)
    try:
        if "/" not in place:
            raise InvalidInput("pilih titik layanan", "tempat")
        try:
            day = date.fromisoformat(values.get("tanggal", ""))
        except ValueError:
            raise InvalidInput("pilih tanggal kedatangan", "tanggal") from None
        service = request.app.state.service
        floor = Floor(service.library, *place.split("/", 1))
        made = await run_in_threadpool(booking.book, service.store, floor, who.citizen.id,
                                       values.get("layanan", ""), day, moment(request))
    except CaseError as exc:
        return refused(exc.message, 409 if "kuota" in exc.message or "sudah memesan" in exc.message else 400)
    return RedirectResponse(f"/akun/antrean?baru={made.id}", status_code=303)


@router.post("/akun/antrean/{booking_id}/batal", response_class=HTMLResponse)
async def cancel(request: Request, booking_id: int, who: SignedInCitizen = Depends(citizen)):
    form = await request.form()
    if not form_ok(who, form.get("csrf")):
        return _page(request, who, 400, error="Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi.")
    service = request.app.state.service
    try:
        await run_in_threadpool(booking.cancel, service.store, service.library, who.citizen.id, booking_id,
                                moment(request))
    except CaseError as exc:
        return _page(request, who, 409, error=exc.message)
    return RedirectResponse("/akun/antrean", status_code=303)
