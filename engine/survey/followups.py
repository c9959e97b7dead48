"""The office's follow-up plan (rencana tindak lanjut) for a period's results: what it will do about an
element, who does it, by when, and how far it has come."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, update

from engine.errors import Conflict, InvalidInput, NotFound
from engine.skm.answers import CONTROL
from engine.skm.index import ELEMENTS
from engine.skm.periods import Period
from engine.store.db import Store
from engine.store.models import SurveyFollowUp

STATUSES = {"rencana": "Direncanakan", "berjalan": "Sedang dikerjakan", "selesai": "Selesai"}


def _text(value, field: str, limit: int, required: bool = True) -> str | None:
    text = str(value or "").strip()
    if not text:
        if required:
            raise InvalidInput("wajib diisi", field)
        return None
    if len(text) > limit or CONTROL.search(text):
        raise InvalidInput(f"paling banyak {limit} karakter, tanpa karakter kendali", field)
    return text


def save(store: Store, office_id: str, period: Period, form: dict, *, by: str, at: datetime,
         followup_id: int | None = None) -> int:
    """Add an item of the plan, or change one (``followup_id``, with the version the form was made from)."""
    element = str(form.get("element") or "").strip()
    if element not in ELEMENTS and element != "umum":
        raise InvalidInput("pilih unsur (U1-U9) atau 'umum'", "element")
    values = {"element": element, "action": _text(form.get("action"), "action", 2000),
              "owner": _text(form.get("owner"), "owner", 200),
              "note": _text(form.get("note"), "note", 2000, required=False),
              "status": str(form.get("status") or "rencana"), "updated_at": at, "updated_by": by}
    if values["status"] not in STATUSES:
        raise InvalidInput("status tidak dikenal", "status")
    due = str(form.get("due_on") or "").strip()
    try:
        values["due_on"] = date.fromisoformat(due) if due else None
    except ValueError:
        raise InvalidInput("tanggal berformat YYYY-MM-DD", "due_on") from None
    with store.write() as s:
        if followup_id is None:
            return s.execute(insert(SurveyFollowUp).values(office_id=office_id, period=period.label, version=1,
                                                           **values)).inserted_primary_key[0]
        row = s.get(SurveyFollowUp, followup_id)
        if row is None or row.office_id != office_id:
            raise NotFound("rencana tindak lanjut tidak ditemukan", "followup")
        version = int(form.get("version") or 0)
        changed = s.execute(update(SurveyFollowUp).where(SurveyFollowUp.id == followup_id,
                                                         SurveyFollowUp.version == version)
                            .values(version=version + 1, **values)).rowcount
        if changed != 1:
            raise Conflict("rencana ini baru diubah orang lain; muat ulang halaman", "followup")
        return followup_id
