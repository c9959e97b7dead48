"""The office floor at a glance (/lantai) for the office's officers, its head and its auditors: per service
point, the queue's figures over a period (tickets, no-shows, waits and service times per service) and the
tickets waiting too long now; the stock on hand and held spoiled per item, below the warning level or not,
and the period's reconciliation with any difference. No personal data."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.floor.metrics import office_queues
from engine.stock.ledger import reconcile
from engine.store.models import StockBalance

from .auditor import _date
from .auth import Officer
from .views import officer, render

router = APIRouter(include_in_schema=False)


@router.get("/lantai", response_class=HTMLResponse)
def floor_page(request: Request, dari: str = "", sampai: str = "", who: Officer = Depends(officer)):
    service = request.app.state.service
    office = service.library.offices.get(who.office_id)
    at = request.app.state.now()
    today = at.date()
    end = _date(sampai, today, "sampai")
    start = _date(dari, end - timedelta(days=6), "dari")
    if start > end:
        raise InvalidInput("tanggal awal sesudah tanggal akhir", "dari")
    units = [(u["id"], u.get("name") or u["id"]) for u in (office.data.get("units") if office else None) or []]
    queues, stocks = office_queues(service.store, service.library, office, start, end, at), []
    for item in (office.data.get("stock") if office else None) or []:
        with service.store.read() as s:
            balances = {row.unit_id: row for row in s.scalars(select(StockBalance).where(
                StockBalance.office_id == office.id, StockBalance.item_id == item["id"]))}
        checks = {r.unit_id: r for r in reconcile(service.store, service.library, office.id, item["id"], start, end)}
        rows = []
        for unit, name in units:
            row = balances.get(unit)
            on_hand = row.on_hand if row else 0
            check = checks.get(unit)
            rows.append({"unit": name, "on_hand": on_hand, "held": row.spoiled_held if row else 0,
                         "low": item.get("warn_below") is not None and on_hand < item["warn_below"],
                         "totals": check.totals if check else {}, "problems": check.problems if check else []})
        stocks.append({"item": item, "rows": rows})
    return render(request, "floor.html.j2", who, office=office, start=start, end=end, queues=queues,
                  stocks=stocks)
