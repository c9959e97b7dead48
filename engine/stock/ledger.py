"""Receipts, returns and transfers of an office's stock, each in one transaction through the same guarded
movement as the steps' use (engine/cases/stock.py: move), and the reconciliation of a unit over a period:
received + transferred in = used + spoiled + transferred out + the change on hand, and spoiled = returned +
the change held; the ledger's last balance must equal the unit's balance row. Any difference is flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, select

from engine.cases.stock import items_of, move
from engine.errors import InvalidInput, NotFound
from engine.store.db import Store
from engine.store.models import StockBalance, StockMovement

M, B = StockMovement.__table__, StockBalance.__table__
KINDS = ("received", "used", "spoiled", "returned", "transfer_out", "transfer_in")


def _office(library, office_id: str):
    office = library.offices.get(office_id)
    if office is None:
        raise NotFound(f"kantor '{office_id}' tidak dikenal", "office")
    return office


def _item(office, item_id: str) -> dict:
    item = items_of(office.data).get(item_id)
    if item is None:
        known = ", ".join(items_of(office.data)) or "(kantor ini tidak mencatat persediaan)"
        raise NotFound(f"persediaan '{item_id}' tidak dikenal di {office.name}; yang ada: {known}", "item")
    return item


def _unit(office, unit_id: str) -> str:
    units = {u["id"]: u.get("name") or u["id"] for u in office.data.get("units") or []}
    if unit_id not in units:
        raise NotFound(f"titik layanan '{unit_id}' tidak dikenal; yang ada: {', '.join(units) or '-'}", "unit")
    return units[unit_id]


def _quantity(value) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"jumlah '{value}' bukan bilangan bulat", "quantity") from None
    if number <= 0:
        raise InvalidInput("jumlah harus lebih dari 0", "quantity")
    return number


def _document(value) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("nomor dokumen (surat jalan/berita acara) wajib diisi", "document")
    return text[:200]


def receive(store: Store, library, office_id, unit_id, item_id, quantity, document, actor: str, at: datetime):
    office = _office(library, office_id)
    item, name = _item(office, item_id), _unit(office, unit_id)
    with store.transaction() as conn:
        return move(conn, office.id, unit_id, item, "received", _quantity(quantity), at, actor,
                    document=_document(document), unit_name=name)


def return_spoiled(store: Store, library, office_id, unit_id, item_id, quantity, document, actor: str,
                   at: datetime):
    office = _office(library, office_id)
    item, name = _item(office, item_id), _unit(office, unit_id)
    with store.transaction() as conn:
        return move(conn, office.id, unit_id, item, "returned", _quantity(quantity), at, actor,
                    document=_document(document), unit_name=name)


def transfer(store: Store, library, office_id, from_unit, to_unit, item_id, quantity, document, actor: str,
             at: datetime):
    office = _office(library, office_id)
    item = _item(office, item_id)
    names = _unit(office, from_unit), _unit(office, to_unit)
    if from_unit == to_unit:
        raise InvalidInput("titik layanan asal dan tujuan sama", "to")
    quantity, document = _quantity(quantity), _document(document)
    with store.transaction() as conn:  # both sides or neither
        move(conn, office.id, from_unit, item, "transfer_out", quantity, at, actor, document=document,
             note=f"ke {names[1]}", unit_name=names[0])
        return move(conn, office.id, to_unit, item, "transfer_in", quantity, at, actor, document=document,
                    note=f"dari {names[0]}", unit_name=names[1])


@dataclass
class Reconciliation:
    unit_id: str
    unit_name: str
    opening: tuple = (0, 0)  # (on hand, spoiled held) before the period
    closing: tuple = (0, 0)
    totals: dict = field(default_factory=dict)
    balance_row: tuple | None = None  # the unit's balance now (compared when the period reaches today)
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def reconcile(store: Store, library, office_id: str, item_id: str, start: date, end: date,
              unit_id: str | None = None) -> list[Reconciliation]:
    """Each unit's (or one unit's) movements over [start, end], checked."""
    office = _office(library, office_id)
    item = _item(office, item_id)
    units = [(u["id"], u.get("name") or u["id"]) for u in office.data.get("units") or []
             if unit_id is None or u["id"] == unit_id]
    if unit_id is not None and not units:
        _unit(office, unit_id)
    zone = _zone(office)
    first = datetime.combine(start, time.min, tzinfo=zone)
    last = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    found = []
    with store.read() as s:
        for unit, name in units:
            key = and_(M.c.office_id == office.id, M.c.unit_id == unit, M.c.item_id == item["id"])
            before = s.execute(select(M.c.on_hand, M.c.spoiled_held).where(key, M.c.at < first)
                               .order_by(M.c.at.desc(), M.c.id.desc()).limit(1)).first()
            after = s.execute(select(M.c.on_hand, M.c.spoiled_held).where(key, M.c.at < last)
                              .order_by(M.c.at.desc(), M.c.id.desc()).limit(1)).first()
            totals = dict.fromkeys(KINDS, 0)
            totals.update(dict(s.execute(select(M.c.kind, func.sum(M.c.quantity)).where(
                key, M.c.at >= first, M.c.at < last).group_by(M.c.kind)).all()))
            row = s.execute(select(B.c.on_hand, B.c.spoiled_held).where(
                B.c.office_id == office.id, B.c.unit_id == unit, B.c.item_id == item["id"])).first()
            latest = s.execute(select(M.c.on_hand, M.c.spoiled_held).where(key)
                               .order_by(M.c.at.desc(), M.c.id.desc()).limit(1)).first()
            result = Reconciliation(unit, name, tuple(before or (0, 0)), tuple(after or (0, 0)),
                                    {k: int(v or 0) for k, v in totals.items()}, tuple(row) if row else None)
            _check(result, tuple(latest) if latest else (0, 0))
            found.append(result)
    return found


def _zone(office):
    from zoneinfo import ZoneInfo

    return ZoneInfo(office.data.get("timezone") or "Asia/Jakarta")


def _check(r: Reconciliation, latest: tuple) -> None:
    t = r.totals
    expected_hand = r.opening[0] + t["received"] + t["transfer_in"] - t["used"] - t["spoiled"] - t["transfer_out"]
    if expected_hand != r.closing[0]:
        r.problems.append(f"sisa akhir {r.closing[0]} tidak sama dengan perhitungan {expected_hand} "
                          f"(awal + diterima + masuk - dipakai - rusak - keluar)")
    expected_held = r.opening[1] + t["spoiled"] - t["returned"]
    if expected_held != r.closing[1]:
        r.problems.append(f"blanko rusak yang ditahan {r.closing[1]} tidak sama dengan perhitungan {expected_held}")
    if r.balance_row is not None and r.balance_row != latest:
        r.problems.append(f"saldo {r.balance_row} berbeda dari catatan terakhir buku persediaan {latest}")
