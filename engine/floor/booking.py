"""Online booking of a queue date (the office's ``queue.booking``): a signed-in citizen books a working day
within ``days_ahead`` for one of the queue's services and receives a code of its own; on that day the kiosk
turns the code into a place in the waiting line.

A booking is a ticket numbered at booking time (status ``booked``, channel ``booking``), so the daily quota
counts bookings and the kiosk's tickets together, and the database's unique ticket number keeps two
bookings made at the same instant from both taking the last place. ``share_percent`` of a service's quota
may be booked; the rest stays for those who come without booking. A cancelled booking frees its place.
One booking per account, service and day."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select, update

from engine.calendar.workcal import WorkingCalendar
from engine.errors import Conflict, InvalidInput, NotFound
from engine.store.db import Store
from engine.store.models import QueueTicket

from .queue import Floor, Ticket

T = QueueTicket.__table__
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed at a kiosk
CODE_LENGTH = 8  # 32**8 = 2**40 codes: not guessable at a kiosk
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def tanggal(day: date) -> str:
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Booking:
    id: int
    code: str
    label: str
    service: str
    service_name: str
    day: date
    status: str
    office_id: str
    unit_id: str
    place: str


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalized(code: str) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:CODE_LENGTH * 2]


def settings(floor: Floor) -> dict | None:
    return floor.config.get("booking")


def bookable_days(floor: Floor, at: datetime) -> list[date]:
    """The working days open to booking, from today through ``days_ahead`` calendar days on."""
    rules = settings(floor)
    if not rules:
        return []
    calendar = WorkingCalendar.from_office(floor.office.data, floor.unit_id)
    today = at.astimezone(floor.zone).date()
    days = [today + timedelta(days=n) for n in range(int(rules.get("days_ahead", 14)) + 1)]
    return [d for d in days if calendar.is_working_day(d)]


def book(store: Store, floor: Floor, account_id: int, code: str, day: date, at: datetime) -> Booking:
    rules = settings(floor)
    if not rules:
        raise NotFound(f"{floor.unit_name} tidak menerima pemesanan antrean daring", "queue")
    service = floor._service(code)
    if day not in bookable_days(floor, at):
        raise InvalidInput(f"tanggal {day.isoformat()} tidak dapat dipesan: pilih hari kerja dalam "
                           f"{rules.get('days_ahead', 14)} hari ke depan", "tanggal")
    quota = service.get("daily_quota")
    share = int(rules.get("share_percent", 100))
    open_to_booking = None if quota is None else max(1, quota * share // 100)

    def room(conn, used: int) -> None:
        mine = and_(floor._key(), T.c.day == day, T.c.service == service["code"], T.c.channel == "booking",
                    T.c.status != "cancelled")
        if conn.execute(select(T.c.id).where(mine, T.c.account_id == account_id)).first() is not None:
            raise Conflict(f"Anda sudah memesan antrean {service['name']} pada {tanggal(day)}", "tanggal")
        if quota is not None and used >= quota:
            raise Conflict(f"kuota {service['name']} pada {tanggal(day)} sudah habis; pilih tanggal lain",
                           "tanggal")
        if open_to_booking is not None:
            booked = len(conn.execute(select(T.c.id).where(mine)).all())
            if booked >= open_to_booking:
                raise Conflict(f"kuota pemesanan daring {service['name']} pada {tanggal(day)} "
                               f"({open_to_booking}) sudah habis; pilih tanggal lain atau datang langsung",
                               "tanggal")

    ticket = floor.numbered(store, service, day, room, issued_at=at, channel="booking", status="booked",
                            booking_code=new_code(), account_id=account_id)
    return _of(store, floor, ticket.id)


def check_in(store: Store, floor: Floor, code: str, at: datetime) -> Ticket:
    """The booked applicant at the kiosk on the booked day: the booking joins the waiting line now."""
    wanted = normalized(code)
    if not wanted:
        raise InvalidInput("masukkan kode pemesanan antrean", "kode")
    today = at.astimezone(floor.zone).date()
    with store.transaction() as conn:
        row = conn.execute(select(T).where(floor._key(), T.c.booking_code == wanted)).first()
        if row is None:
            raise NotFound("kode pemesanan tidak ditemukan di titik layanan ini; periksa kembali kodenya", "kode")
        if row.status != "booked":
            raise Conflict(f"kode pemesanan ini sudah dipakai (tiket {row.label}) atau dibatalkan", "kode")
        if row.day != today:
            raise Conflict(f"pemesanan ini untuk {tanggal(row.day)}; silakan datang pada tanggal itu", "kode")
        conn.execute(update(T).where(T.c.id == row.id, T.c.status == "booked").values(
            status="waiting", issued_at=at, row_version=T.c.row_version + 1))
    return Ticket(row.id, row.label, row.service, "waiting", None, None, at)


def cancel(store: Store, library, account_id: int, booking_id: int, at: datetime) -> Booking:
    with store.transaction() as conn:
        row = conn.execute(select(T).where(T.c.id == booking_id, T.c.account_id == account_id)).first()
        if row is None:
            raise NotFound("pemesanan tidak ditemukan", "pemesanan")
        if row.status != "booked":
            raise Conflict(f"pemesanan {row.label} sudah {row.status}: tidak dapat dibatalkan", "pemesanan")
        conn.execute(update(T).where(T.c.id == row.id, T.c.status == "booked").values(
            status="cancelled", finished_at=at, row_version=T.c.row_version + 1))
    return _of(store, Floor(library, row.office_id, row.unit_id), booking_id)


def _of(store: Store, floor: Floor, ticket_id: int) -> Booking:
    with store.read() as s:
        row = s.execute(select(T).where(T.c.id == ticket_id)).one()
    return _booking(row, floor)


def _booking(row, floor: Floor) -> Booking:
    service = floor.services.get(row.service, {"name": row.service})
    return Booking(row.id, row.booking_code, row.label, row.service, service["name"], row.day, row.status,
                   row.office_id, row.unit_id, f"{floor.unit_name} ({floor.office.name})")


def of_account(store: Store, library, account_id: int, at: datetime) -> list[Booking]:
    """The account's bookings from today on (and today's used ones), soonest first."""
    with store.read() as s:
        rows = s.execute(select(T).where(T.c.account_id == account_id, T.c.channel == "booking",
                                         T.c.day >= (at.date() - timedelta(days=1)))
                         .order_by(T.c.day, T.c.id)).all()
    floors: dict = {}
    found = []
    for row in rows:
        key = (row.office_id, row.unit_id)
        if key not in floors:
            try:
                floors[key] = Floor(library, *key)
            except NotFound:  # the office no longer runs this queue: the booking still shows
                continue
        found.append(_booking(row, floors[key]))
    return found


@dataclass(frozen=True)
class Place:
    office: str
    unit: str
    name: str


def places(library) -> list[Place]:
    """(office, unit, name) of every service point that takes online bookings."""
    found = []
    for office in library.offices.values():
        queue = office.data.get("queue") or {}
        if not queue.get("booking"):
            continue
        for unit in office.data.get("units") or [{"id": office.id, "name": office.name}]:
            found.append(Place(office.id, unit["id"], f"{unit.get('name') or unit['id']} ({office.name})"))
    return found
