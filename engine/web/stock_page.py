"""The stock page (/lantai/persediaan) for an office's officers: per item and service point the balance, the
spoiled pieces held and the weekly return day (late when pieces spoiled before the last one are still
held), the latest movements of the ledger (printing's use recorded by the steps themselves); and, for the
office's admin and the item's ``keepers``, the forms that record a receipt from the Dinas (with its delivery
document), the return of spoiled pieces (with its berita acara) and a transfer between units. Every
refusal is a message on the page and writes nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from engine.access.policy import Target, allowed, check
from engine.cases.stock import items_of
from engine.errors import CaseError, NotFound
from engine.stock import ledger
from engine.stock.schedule import return_status
from engine.store.models import Case, StockBalance, StockMovement

from .auth import Officer
from .views import officer, render, submitted_form

router = APIRouter(include_in_schema=False)
M, C = StockMovement.__table__, Case.__table__
KIND_NAMES = {"received": "diterima", "used": "dipakai", "spoiled": "rusak", "returned": "dikembalikan",
              "transfer_out": "dipindah keluar", "transfer_in": "dipindah masuk"}


def _target(office, item: dict) -> Target:
    return Target(office_id=office.id, office_name=office.name, extra={"keepers": item.get("keepers") or []})


def _office_and_item(request: Request, who: Officer, item_id: str):
    office = request.app.state.service.library.offices.get(who.office_id)
    items = items_of(office.data) if office else {}
    if not items:
        raise NotFound("kantor Anda tidak mencatat persediaan", "item")
    item = items.get(item_id) if item_id else next(iter(items.values()))
    if item is None:
        raise NotFound(f"persediaan '{item_id}' tidak dikenal; yang ada: {', '.join(items)}", "item")
    return office, items, item


@router.get("/lantai/persediaan", response_class=HTMLResponse)
def stock_page(request: Request, barang: str = "", pesan: str = "", ok: str = "", who: Officer = Depends(officer)):
    office, items, item = _office_and_item(request, who, barang)
    service, at = request.app.state.service, request.app.state.now()
    units = [(u["id"], u.get("name") or u["id"]) for u in office.data.get("units") or []]
    with service.store.read() as s:
        balances = {row.unit_id: row for row in s.scalars(select(StockBalance).where(
            StockBalance.office_id == office.id, StockBalance.item_id == item["id"]))}
        moves = s.execute(select(M, C.c.number.label("case_number")).select_from(M.outerjoin(C, C.c.id == M.c.case_id))
                          .where(M.c.office_id == office.id, M.c.item_id == item["id"])
                          .order_by(M.c.at.desc(), M.c.id.desc()).limit(40)).all()
    names = dict(units)
    rows = []
    for unit, name in units:
        row = balances.get(unit)
        on_hand = row.on_hand if row else 0
        rows.append({"id": unit, "name": name, "on_hand": on_hand, "held": row.spoiled_held if row else 0,
                     "low": item.get("warn_below") is not None and on_hand < item["warn_below"],
                     "returns": return_status(service.store, office, unit, item, at)})
    return render(request, "stock.html.j2", who, office=office, items=items, item=item, rows=rows,
                  moves=[{"at": m.at, "unit": names.get(m.unit_id, m.unit_id), "kind": KIND_NAMES.get(m.kind, m.kind),
                          "quantity": m.quantity, "on_hand": m.on_hand, "held": m.spoiled_held,
                          "document": m.document, "note": m.note, "actor": m.actor, "case": m.case_number}
                         for m in moves],
                  may_record=allowed(who.actor, "stock.record", _target(office, item)), units=units,
                  note=pesan[:300], done=ok[:300])


@router.post("/lantai/persediaan", response_class=HTMLResponse)
async def record(request: Request, who: Officer = Depends(officer)):
    form = await submitted_form(request, who)
    office, _items, item = _office_and_item(request, who, str(form.get("barang") or ""))
    service, at = request.app.state.service, request.app.state.now()
    action = str(form.get("aksi") or "")
    values = {k: str(form.get(k) or "")[:200] for k in ("unit", "ke", "jumlah", "dokumen")}
    try:
        check(who.actor, "stock.record", _target(office, item))
        if action == "terima":
            await run_in_threadpool(ledger.receive, service.store, service.library, office.id, values["unit"],
                                    item["id"], values["jumlah"], values["dokumen"], who.username, at)
            done = f"penerimaan {values['jumlah']} {item['name']} dicatat"
        elif action == "kembalikan":
            await run_in_threadpool(ledger.return_spoiled, service.store, service.library, office.id,
                                    values["unit"], item["id"], values["jumlah"], values["dokumen"], who.username, at)
            done = f"pengembalian {values['jumlah']} {item['name']} rusak dicatat"
        elif action == "pindahkan":
            await run_in_threadpool(ledger.transfer, service.store, service.library, office.id, values["unit"],
                                    values["ke"], item["id"], values["jumlah"], values["dokumen"], who.username, at)
            done = f"pemindahan {values['jumlah']} {item['name']} dicatat"
        else:
            raise NotFound("aksi persediaan tidak dikenal", "aksi")
    except CaseError as exc:
        return RedirectResponse("/lantai/persediaan?" + urlencode({"barang": item["id"], "pesan": exc.message}),
                                status_code=303)
    return RedirectResponse("/lantai/persediaan?" + urlencode({"barang": item["id"], "ok": done}), status_code=303)
