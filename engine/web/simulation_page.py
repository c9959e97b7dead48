"""The staffing simulation of a standard at its office (/lantai/simulasi), for its officers: the model from
the case store's history (arrivals per working day, each step's measured handling times; typical times
where there is too little history), today's officers per role from the standard's Jumlah Pelaksana, and a
what-if ("one more verifier"); each simulated with replications (engine/capacity/simulation.py) and shown
side by side: the share of cases within the time limit, each role's utilisation, waiting time and queue,
with 95 % intervals, as tables and bar charts. Read-only; bounded in days and replications."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from engine.capacity.simulation import simulate
from engine.errors import CaseError, InvalidInput

from .auth import Officer
from .charts import bars
from .views import officer, render

router = APIRouter(include_in_schema=False)
MAX_DAYS, MAX_REPLICATIONS = 250, 20


def _number(text: str, field: str, low: float, high: float, whole: bool = True):
    try:
        value = int(text) if whole else float(text.replace(",", "."))
    except ValueError:
        raise InvalidInput(f"'{text[:20]}' bukan angka", field) from None
    if not low <= value <= high:
        raise InvalidInput(f"{field} harus {low:g} sampai {high:g}", field)
    return value


def _percent(x: float) -> str:
    return f"{x * 100:.1f} %".replace(".", ",")


def _run(service, standard_id: str, until, options: dict, what_if: dict, replications: int):
    from engine.reports.capacity import model_for

    model, notes = model_for(service.store, service.library, standard_id, until=until, **options)
    scenarios = [("Sekarang", model)]
    if what_if:
        changed = {**model.officers, **what_if}
        scenarios.append(("Bagaimana jika", model_for(service.store, service.library, standard_id, until=until,
                                                       **{**options, "officers": changed})[0]))
    return notes, [(name, m, simulate(m, replications)) for name, m in scenarios]


def _staff(standard, office) -> list[dict]:
    """Each officers' role on the standard's steps: its id, name and officers today."""
    roles = []
    for step in standard.data.get("steps") or []:
        role = step.get("role") if isinstance(step, dict) else None
        if role in office.roles and role not in roles:
            roles.append(role)
    return [{"role": role, "name": office.role_name(role),
             "count": int((office.roles.get(role) or {}).get("count") or 1)} for role in roles]


def _comma(x: float, places: int) -> str:
    return f"{x:.{places}f}".replace(".", ",")


def _row(name: str, model, result, roles: list, names: dict) -> dict:
    """One scenario as the table shows it (texts made here: the template does no arithmetic)."""
    within = result.within_limit
    cells = []
    for role in roles:
        u, w, q = (result.utilisation.get(role), result.waiting_minutes.get(role), result.queue_length.get(role))
        cells.append({"role": names[role], "text": f"keterisian {_percent(u.mean)}; tunggu {w.mean:.0f} menit; "
                                                   f"antrean {_comma(q.mean, 1)}" if u else "-"})
    return {"name": name, "staff": "; ".join(f"{names.get(r, r)} {n}" for r, n in sorted(model.officers.items())),
            "within": (f"{_percent(within.mean)} (95 %: {_percent(within.low)}–{_percent(within.high)}; batas "
                       f"{model.limit_text})") if within else "-",
            "time": _comma(result.time_in_office_days.mean, 2) if result.cases else "tidak ada kasus selesai",
            "overloaded": [names[role] for role in roles
                           if result.utilisation.get(role) and result.utilisation[role].mean >= 0.98],
            "cells": cells}


@router.get("/lantai/simulasi", response_class=HTMLResponse)
async def simulation_page(request: Request, who: Officer = Depends(officer)):
    service = request.app.state.service
    office = service.library.offices.get(who.office_id)
    query = request.query_params
    standards = sorted(((s.id, s.title) for s in service.library.standards.values()
                        if s.office.id == who.office_id), key=lambda pair: pair[1])
    chosen = query.get("standar", "")
    context = {"office": office, "standards": standards, "chosen": chosen, "query": query,
               "max_days": MAX_DAYS, "max_replications": MAX_REPLICATIONS}
    if chosen in dict(standards) and office is not None:
        context["staff"] = _staff(service.library.standard(chosen), office)
    if not chosen:
        return render(request, "simulation.html.j2", who, **context)
    try:
        if chosen not in dict(standards):
            raise InvalidInput(f"standar '{chosen[:80]}' bukan standar {office.name if office else 'kantor Anda'}",
                               "standar")
        days = _number(query.get("hari") or "120", "hari", 5, MAX_DAYS)
        replications = _number(query.get("ulang") or "10", "ulang", 2, MAX_REPLICATIONS)
        arrivals = _number(query["kedatangan"], "kedatangan", 0.01, 10000, whole=False) \
            if query.get("kedatangan") else None
        officers = {k[len("petugas."):]: _number(v, k, 0, 500) for k, v in query.items()
                    if k.startswith("petugas.") and v}
        what_if = {k[len("jika."):]: _number(v, k, 0, 500) for k, v in query.items() if k.startswith("jika.") and v}
        options = {"officers": officers, "arrivals": arrivals, "days": days}
        notes, results = await run_in_threadpool(_run, service, chosen, request.app.state.now().date(), options,
                                                 what_if if what_if and what_if != officers else {}, replications)
    except (CaseError, ValueError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        return render(request, "simulation.html.j2", who, status_code=400, error=message, **context)
    roles = sorted({role for _, m, _ in results for role in m.officers})
    names = {role: office.role_name(role) for role in roles} if office else {r: r for r in roles}
    charts = [bars("Dalam jangka waktu", [("Semua kasus", [r.within_limit for _, _, r in results])], _percent, 1.0),
              bars("Keterisian petugas", [(names[role], [r.utilisation.get(role) for _, _, r in results])
                                          for role in roles], _percent, 1.0),
              bars("Tunggu rata-rata (menit)", [(names[role], [r.waiting_minutes.get(role) for _, _, r in results])
                                                for role in roles], lambda x: f"{x:.0f}")]
    rows = [_row(name, m, r, roles, names) for name, m, r in results]
    return render(request, "simulation.html.j2", who, notes=notes, rows=rows, roles=roles, role_names=names,
                  charts=charts, compare=len(rows) > 1, days=days, replications=replications, **context)
