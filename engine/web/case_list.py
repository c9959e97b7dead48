"""The case list: search and filters over the office's cases (engine/cases/finding.py), a page at a time
with the total, kept for the officer (users.saved_search) and exported as CSV (streamed: an export of
100,000 cases never holds them all in memory) and as an Excel workbook."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select, update

from engine.cases.finding import SLA_FILTERS, STATUS_FILTERS, Search, find, stream
from engine.cases.service import now
from engine.store.models import User

from .auth import Officer
from .views import SLA_LABELS, local_time, officer, render

router = APIRouter(include_in_schema=False)
FILTER_KEYS = ("q", "standard", "step", "status", "sla", "from", "to")


def _office_tz(request: Request, who: Officer) -> ZoneInfo:
    office = request.app.state.service.library.offices.get(who.office_id)
    return ZoneInfo(office.timezone if office is not None else "Asia/Makassar")


def _search_of(request: Request, who: Officer) -> Search:
    """The search the link asks for; with no filter in the link, the one the officer used last."""
    params = dict(request.query_params)
    store = request.app.state.service.store
    with store.read() as s:
        saved = s.scalar(select(User.saved_search).where(User.id == who.id)) or None
    if params.get("reset"):
        params = {}
    elif not any(params.get(k) for k in FILTER_KEYS) and saved:
        params = {**saved, **({"page": params["page"]} if "page" in params else {})}
    search = Search.of(params)
    if (search.saved() or None) != saved:  # written only when it changes: a page view is not a write
        with store.write() as s:
            s.execute(update(User).where(User.id == who.id).values(saved_search=search.saved() or None))
    return search


@router.get("/cari", response_class=HTMLResponse)
def case_list(request: Request, who: Officer = Depends(officer)):
    service = request.app.state.service
    search = _search_of(request, who)
    result = find(service.store, search, offices=[who.office_id], at=now(), tz=_office_tz(request, who),
                  viewer_roles=who.roles)
    standards = sorted(((s.id, s.title) for s in service.library.standards.values()
                        if s.office.id == who.office_id), key=lambda pair: pair[1])
    steps = sorted({(st["id"], st.get("name") or st["id"]) for s in service.library.standards.values()
                    if s.office.id == who.office_id and (not search.standard or s.id == search.standard)
                    for st in s.data.get("steps") or [] if isinstance(st, dict) and "id" in st},
                   key=lambda pair: pair[1])
    link = search.saved()
    return render(request, "cases.html.j2", who, search=search, result=result, standards=standards, steps=steps,
                  status_filters=STATUS_FILTERS, sla_filters=SLA_FILTERS, sla_labels=SLA_LABELS,
                  query=lambda **changes: urlencode({**link, **changes}),
                  export=urlencode(link))


HEADER = ["Nomor kasus", "Pemohon", "NIK", "Layanan", "Diterima", "Batas waktu", "Selesai", "Status",
          "Langkah terbuka", "Keadaan waktu"]


def _export_rows(request: Request, who: Officer):
    """Every case the list shows (all pages), as the export's rows of text; read in chunks."""
    search = Search.of(dict(request.query_params))
    store, tz = request.app.state.service.store, _office_tz(request, who)
    for r in stream(store, search, offices=[who.office_id], at=now(), tz=tz, viewer_roles=who.roles):
        yield [r["number"], _cell(r["applicant"]), r["nik"] or "", r["title"], local_time(r["received_at"], tz.key),
               local_time(r["due_at"], tz.key), local_time(r["closed_at"], tz.key), r["status_label"],
               r["step_name"] or "", SLA_LABELS.get(r["sla"], r["sla"])]


@router.get("/cari/ekspor.csv")
def case_export(request: Request, who: Officer = Depends(officer)):
    """The list as CSV for a spreadsheet; streamed row by row."""
    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        out.write("\ufeff")  # spreadsheet programs read the file as UTF-8
        writer.writerow(HEADER)
        for n, row in enumerate(_export_rows(request, who), 1):
            writer.writerow(row)
            if n % 500 == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": 'attachment; filename="kasus.csv"'})


@router.get("/cari/ekspor.xlsx")
def case_export_xlsx(request: Request, who: Officer = Depends(officer)):
    """The list as an Excel workbook: written row by row to a temporary file (openpyxl's write-only mode
    keeps no rows in memory), then streamed; the file is removed when sent."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Kasus")
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJ", (30, 28, 18, 50, 22, 22, 22, 26, 36, 20)):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    header = []
    for title in HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in _export_rows(request, who):
        sheet.append(row)
    handle = tempfile.NamedTemporaryFile(prefix="layanan-ekspor-", suffix=".xlsx", delete=False)
    handle.close()
    workbook.save(handle.name)

    def chunks():
        try:
            with open(handle.name, "rb") as data:
                while block := data.read(64 * 1024):
                    yield block
        finally:
            os.unlink(handle.name)

    return StreamingResponse(chunks(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             headers={"content-disposition": 'attachment; filename="kasus.xlsx"'})


def _cell(text) -> str:
    """A value a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    text = str(text or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
