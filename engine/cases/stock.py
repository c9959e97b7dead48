"""The office's stock of consumables per service point (the KTP-el blanks, Balikpapan's decree): every
movement changes the unit's balance in one guarded statement and is written to the ledger with the balance
after it, in the caller's transaction.

A step that ``consumes`` an item (engine/standard: the print step) uses its quantity and, as spoiled, the
number its ``spoiled_field`` records, when it completes: written by ``write`` in the step's own transaction,
from its events, like the notification outbox. Too few on hand and the step is refused, in words, before
anything is committed. A balance never goes below zero: the UPDATE only applies when the result stays at or
above zero (and the database's CHECK refuses it besides)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select

from engine.errors import InvalidInput
from engine.store.models import Case, StockBalance, StockMovement, Task

from .frozen import thaw

BALANCES, MOVEMENTS, CASES, TASKS = StockBalance.__table__, StockMovement.__table__, Case.__table__, Task.__table__
# What a movement of each kind does to (on hand, spoiled held), per piece.
EFFECT = {"received": (1, 0), "used": (-1, 0), "spoiled": (-1, 1), "returned": (0, -1),
          "transfer_out": (-1, 0), "transfer_in": (1, 0)}
MAX_QUANTITY = 1_000_000


class StockShort(InvalidInput):
    pass


def move(conn, office_id: str, unit_id: str, item: dict, kind: str, quantity: int, at: datetime, actor: str,
         *, case_id=None, task_id=None, document=None, note=None, unit_name: str | None = None) -> tuple[int, int]:
    """Apply one movement; returns the balance after it (on hand, spoiled held)."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"jumlah harus bilangan bulat 0 sampai {MAX_QUANTITY:,}".replace(",", "."), "quantity")
    hand, spoiled = (e * quantity for e in EFFECT[kind])
    key = and_(BALANCES.c.office_id == office_id, BALANCES.c.unit_id == unit_id, BALANCES.c.item_id == item["id"])
    if conn.execute(select(BALANCES.c.on_hand).where(key)).first() is None:
        conn.execute(BALANCES.insert().values(office_id=office_id, unit_id=unit_id, item_id=item["id"], on_hand=0,
                                              spoiled_held=0, row_version=1))
    after = conn.execute(BALANCES.update().where(key, BALANCES.c.on_hand + hand >= 0,
                                                 BALANCES.c.spoiled_held + spoiled >= 0)
                         .values(on_hand=BALANCES.c.on_hand + hand, spoiled_held=BALANCES.c.spoiled_held + spoiled,
                                 row_version=BALANCES.c.row_version + 1)
                         .returning(BALANCES.c.on_hand, BALANCES.c.spoiled_held)).first()
    if after is None:
        now_on_hand, now_spoiled = conn.execute(select(BALANCES.c.on_hand, BALANCES.c.spoiled_held)
                                                .where(key)).one()
        where = unit_name or unit_id
        if spoiled < 0:
            raise StockShort(f"{item['name']} rusak yang tercatat di {where} hanya {now_spoiled}: tidak dapat "
                             f"mengembalikan {quantity}", "quantity")
        raise StockShort(f"{item['name']} di {where} tidak cukup: sisa {now_on_hand}, diperlukan {-hand}. Catat "
                         f"penerimaan dari Dinas (layanan stock receive) lalu ulangi", "stock")
    conn.execute(MOVEMENTS.insert().values(
        office_id=office_id, unit_id=unit_id, item_id=item["id"], kind=kind, quantity=quantity, on_hand=after[0],
        spoiled_held=after[1], case_id=case_id, task_id=task_id, document=document, note=note, actor=actor, at=at))
    return after[0], after[1]


def items_of(office_document: dict) -> dict[str, dict]:
    return {item["id"]: item for item in office_document.get("stock") or []}


def write(txn, events: list[dict]) -> None:
    """The stock a completed step consumes (its standard's ``consumes``), in the step's transaction."""
    for event in events:
        if event["kind"] != "task_completed" or event["data"].get("action") != "approve" or not event["task_id"]:
            continue
        case = txn.get(CASES, event["case_id"])
        version = txn.version(case.standard_version_id)
        if version.kind != "standard":
            continue
        step = thaw(version).procedure.by_id.get(event["data"].get("step")) or {}
        consumes = step.get("consumes")
        if not consumes:
            continue
        office = version.office_document
        item = items_of(office).get(consumes["item"])
        if item is None:
            continue
        task = txn.get(TASKS, event["task_id"])
        spoiled = int((task.data or {}).get(consumes.get("spoiled_field") or "", 0) or 0)
        used = int(consumes.get("quantity", 1))
        unit = case.unit_id or case.office_id
        name = next((u.get("name") for u in office.get("units") or [] if u.get("id") == unit), unit)
        common = {"case_id": case.id, "task_id": task.id, "unit_name": name}
        held = txn.conn.execute(select(BALANCES.c.on_hand).where(
            BALANCES.c.office_id == case.office_id, BALANCES.c.unit_id == unit,
            BALANCES.c.item_id == item["id"])).scalar() or 0
        if held < used + spoiled:  # said whole, before either movement (each is guarded all the same)
            raise StockShort(f"{item['name']} di {name} tidak cukup: sisa {held}, diperlukan {used + spoiled} "
                             f"({used} dicetak + {spoiled} rusak). Catat penerimaan dari Dinas (layanan stock "
                             f"receive) lalu ulangi", "stock")
        if spoiled:
            move(txn.conn, case.office_id, unit, item, "spoiled", spoiled, event["at"], event["actor"],
                 note=f"gagal cetak pada {step.get('name') or step.get('id')}", **common)
        on_hand, _held = move(txn.conn, case.office_id, unit, item, "used", used, event["at"], event["actor"],
                              **common)
        warn = item.get("warn_below")
        if warn is not None and on_hand < warn <= on_hand + used + spoiled:
            txn.event(case.id, None, "stock_low", "sistem", None, event["at"],
                      {"item": item["id"], "unit": unit, "on_hand": on_hand, "warn_below": warn})
