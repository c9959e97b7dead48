"""The queue at a service point, as offices run it (NovoSGA's model, adapted to the office's YAML): services
with a letter code and an optional daily quota, counters serving one or more services, tickets A-001... per
service per unit per day, each waiting → called → serving → finished, or no-show or cancelled, with their
times; priority tickets (lansia, disabilitas, ibu hamil) first without starving the others; recall and
transfer to another service.

Calling is one guarded UPDATE (``WHERE status = 'waiting'``): two officers calling at the same instant each
get a different ticket, on SQLite (one writer at a time) and on PostgreSQL, where the candidate is selected
``FOR UPDATE SKIP LOCKED`` (a ticket another caller is taking is passed over, not waited for). Every third call of a counter takes the longest
waiting ticket whatever its priority, so a stream of priority tickets cannot starve the others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict, InvalidInput, NotFound
from engine.store.db import Store
from engine.store.models import QueueCounter, QueueTicket

T, C = QueueTicket.__table__, QueueCounter.__table__
FAIR_EVERY = 3  # every third call of a counter takes the longest-waiting ticket, priority or not
OPEN = ("waiting",)


@dataclass(frozen=True)
class Ticket:
    id: int
    label: str
    service: str
    status: str
    priority: str | None
    counter: str | None
    issued_at: datetime


def _ticket(row) -> Ticket:
    return Ticket(row.id, row.label, row.service, row.status, row.priority, row.counter_id, row.issued_at)


class Floor:
    """The queue of one office's service point, from its YAML (``queue``)."""

    def __init__(self, library, office_id: str, unit_id: str):
        office = library.offices.get(office_id)
        if office is None:
            raise NotFound(f"kantor '{office_id}' tidak dikenal", "office")
        self.office = office
        self.config = office.data.get("queue")
        if not self.config:
            raise NotFound(f"{office.name} tidak mengatur antrean (queue)", "queue")
        units = {u["id"]: u.get("name") or u["id"] for u in office.data.get("units") or []}
        if units and unit_id not in units:
            raise NotFound(f"titik layanan '{unit_id}' tidak dikenal; yang ada: {', '.join(units)}", "unit")
        self.unit_id, self.unit_name = unit_id, units.get(unit_id, office.name)
        self.services = {s["code"]: s for s in self.config["services"]}
        self.counters = {c["id"]: c for c in self.config["counters"]}
        self.zone = ZoneInfo(office.data.get("timezone") or "Asia/Jakarta")

    def _service(self, code: str) -> dict:
        found = self.services.get(str(code or "").strip().upper())
        if found is None:
            raise InvalidInput(f"layanan antrean '{code}' tidak ada; yang ada: {', '.join(self.services)}", "service")
        return found

    def _counter(self, counter_id: str) -> dict:
        found = self.counters.get(counter_id)
        if found is None:
            raise NotFound(f"loket '{counter_id}' tidak ada; yang ada: {', '.join(self.counters)}", "counter")
        return found

    def _key(self):
        return and_(T.c.office_id == self.office.id, T.c.unit_id == self.unit_id)

    # ------------------------------------------------------------------ tickets

    def issue(self, store: Store, code: str, at: datetime, priority: str | None = None,
              channel: str = "kiosk") -> Ticket:
        """A new ticket for today; refused when the service's daily quota is reached."""
        service = self._service(code)
        if priority and priority not in (self.config.get("priority") or []):
            raise InvalidInput(f"kategori prioritas '{priority}' tidak dikenal; yang ada: "
                               f"{', '.join(self.config.get('priority') or []) or '-'}", "priority")

        def within_quota(conn, used: int) -> None:
            quota = service.get("daily_quota")
            if quota is not None and used >= quota:
                raise Conflict(f"kuota {service['name']} hari ini ({quota}) sudah habis; silakan "
                               f"datang pada hari kerja berikutnya atau pesan antrean daring", "service")

        return self.numbered(store, service, at.astimezone(self.zone).date(), within_quota, issued_at=at,
                             priority=priority or None, channel=channel, status="waiting")

    def numbered(self, store: Store, service: dict, day, check, **values) -> Ticket:
        """Insert the next ticket of ``service`` on ``day`` after ``check(conn, used)`` (used: the day's tickets,
        bookings cancelled not counted) found room. Two kiosks (or a kiosk and a booking) taking a number at the
        same instant compute the same number; the database refuses the second, which counts again."""
        freed = and_(T.c.channel == "booking", T.c.status == "cancelled")
        for _attempt in range(5):
            try:
                with store.transaction() as conn:
                    used, highest = conn.execute(select(func.sum(case((freed, 0), else_=1)), func.max(T.c.number))
                                                 .where(self._key(), T.c.day == day,
                                                        T.c.service == service["code"])).one()
                    check(conn, used or 0)
                    number = (highest or 0) + 1
                    label = f"{service['code']}-{number:03d}"
                    row = {"office_id": self.office.id, "unit_id": self.unit_id, "day": day,
                           "service": service["code"], "number": number, "label": label, "recalls": 0,
                           "row_version": 1, "priority": None, **values}
                    ident = conn.execute(T.insert().values(**row).returning(T.c.id)).scalar()
                    return Ticket(ident, label, service["code"], row["status"], row["priority"], None,
                                  row["issued_at"])
            except IntegrityError:  # another took the same number (or code) at the same instant: take the next
                continue
        raise Conflict("nomor antrean sedang ramai diambil; ulangi", "service")

    # ------------------------------------------------------------------ counters

    def open_counter(self, store: Store, counter_id: str, officer: str, at: datetime) -> None:
        self._counter(counter_id)
        with store.transaction() as conn:
            key = and_(C.c.office_id == self.office.id, C.c.unit_id == self.unit_id, C.c.counter_id == counter_id)
            if conn.execute(select(C.c.counter_id).where(key)).first() is None:
                conn.execute(C.insert().values(office_id=self.office.id, unit_id=self.unit_id,
                                               counter_id=counter_id, officer=officer, opened_at=at, calls=0))
            else:
                conn.execute(update(C).where(key).values(officer=officer, opened_at=at, calls=0))

    def close_counter(self, store: Store, counter_id: str) -> None:
        self._counter(counter_id)
        with store.transaction() as conn:
            conn.execute(update(C).where(C.c.office_id == self.office.id, C.c.unit_id == self.unit_id,
                                         C.c.counter_id == counter_id).values(officer=None, opened_at=None))

    def call_next(self, store: Store, counter_id: str, officer: str, at: datetime) -> Ticket | None:
        """The next ticket for this counter, called; None when nobody waits for its services."""
        counter = self._counter(counter_id)
        day = at.astimezone(self.zone).date()
        with store.transaction() as conn:
            state = conn.execute(select(C.c.officer, C.c.calls).where(
                C.c.office_id == self.office.id, C.c.unit_id == self.unit_id, C.c.counter_id == counter_id)).first()
            if state is None or state.officer is None:
                raise Conflict(f"{counter['name']} belum dibuka: buka loket terlebih dahulu", "counter")
            fair = (state.calls + 1) % FAIR_EVERY == 0
            order = [T.c.issued_at, T.c.id] if fair else [T.c.priority.is_(None), T.c.issued_at, T.c.id]
            # PostgreSQL: the first waiting ticket no other caller holds (SKIP LOCKED: ten counters calling
            # at once do not queue behind each other's row locks); SQLite has one writer and ignores it.
            first = select(T.c.id).where(
                self._key(), T.c.day == day, T.c.status == "waiting", T.c.service.in_(counter["services"])) \
                .order_by(*order).limit(1).with_for_update(skip_locked=True)
            for _attempt in range(20):
                ident = conn.execute(first).scalar()
                if ident is None:
                    return None
                taken = conn.execute(update(T).where(T.c.id == ident, T.c.status == "waiting").values(
                    status="called", called_at=at, counter_id=counter_id, called_by=officer,
                    row_version=T.c.row_version + 1)).rowcount
                if taken == 1:
                    conn.execute(update(C).where(C.c.office_id == self.office.id, C.c.unit_id == self.unit_id,
                                                 C.c.counter_id == counter_id).values(calls=C.c.calls + 1))
                    return _ticket(conn.execute(select(T).where(T.c.id == ident)).one())
        return None

    def _move(self, store: Store, ticket_id: int, allowed: tuple, values: dict, what: str) -> Ticket:
        with store.transaction() as conn:
            row = conn.execute(select(T).where(T.c.id == ticket_id, self._key())).first()
            if row is None:
                raise NotFound(f"tiket {ticket_id} tidak ditemukan", "ticket")
            if row.status not in allowed:
                raise Conflict(f"tiket {row.label} sedang {row.status}: tidak dapat {what}", "ticket")
            conn.execute(update(T).where(T.c.id == ticket_id, T.c.row_version == row.row_version)
                         .values(row_version=T.c.row_version + 1, **values))
            return _ticket(conn.execute(select(T).where(T.c.id == ticket_id)).one())

    def recall(self, store: Store, ticket_id: int, at: datetime) -> Ticket:
        return self._move(store, ticket_id, ("called",), {"called_at": at, "recalls": T.c.recalls + 1}, "dipanggil ulang")

    def serve(self, store: Store, ticket_id: int, at: datetime) -> Ticket:
        return self._move(store, ticket_id, ("called",), {"status": "serving", "serving_at": at}, "dilayani")

    def finish(self, store: Store, ticket_id: int, at: datetime, case_id: int | None = None) -> Ticket:
        return self._move(store, ticket_id, ("serving",), {"status": "finished", "finished_at": at,
                                                          "case_id": case_id}, "diselesaikan")

    def no_show(self, store: Store, ticket_id: int, at: datetime) -> Ticket:
        return self._move(store, ticket_id, ("called",), {"status": "no_show", "finished_at": at}, "ditandai tidak hadir")

    def cancel(self, store: Store, ticket_id: int, at: datetime) -> Ticket:
        return self._move(store, ticket_id, ("waiting", "called"), {"status": "cancelled", "finished_at": at},
                          "dibatalkan")

    def transfer(self, store: Store, ticket_id: int, code: str, at: datetime) -> Ticket:
        """To another service's queue, keeping its place by the time it was issued."""
        service = self._service(code)
        return self._move(store, ticket_id, ("called", "serving"), {
            "status": "waiting", "service": service["code"], "counter_id": None, "called_at": None,
            "serving_at": None}, "dialihkan")

    # ------------------------------------------------------------------ what the display and metrics read

    def waiting(self, store: Store, at: datetime) -> dict[str, int]:
        day = at.astimezone(self.zone).date()
        with store.read() as s:
            rows = s.execute(select(T.c.service, func.count()).where(self._key(), T.c.day == day,
                                                                      T.c.status == "waiting").group_by(T.c.service))
            return {code: 0 for code in self.services} | dict(rows.all())
