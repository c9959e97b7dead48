"""Recorded values as people read them: a form's stored data shown with its fields' labels, the
choices' own labels, dates in Indonesian and yes/no in words. Used by the task pages (what earlier steps
entered), the case page and the product documents, so that no page or letter prints "kk", "sesuai" or
"2026-11-30" where the standard says "Kartu Keluarga", "Sesuai" and "30 November 2026"."""

from __future__ import annotations

from .kinds import kind_of
from .wording import long_date

# Keys of a step's data the engine writes for itself (the automated steps' results), never shown as values.
ENGINE_KEYS = frozenset({"numbers", "documents", "notified"})

APPLICANT_LABELS = {"nik": "NIK", "name": "Nama", "address": "Alamat", "phone": "Nomor telepon/WA",
                    "email": "Surel", "birth_date": "Tanggal lahir", "sex": "Jenis kelamin"}
APPLICANT_TYPES = {"birth_date": "date"}
SEX_LABELS = {"L": "Laki-laki", "P": "Perempuan"}


def label_of(field: dict) -> str:
    """A field's label, or its id in words when the standard gives none."""
    text = field.get("label") or str(field.get("id", "")).replace("_", " ")
    return text[:1].upper() + text[1:]


def shown(field: dict, value) -> str:
    """One stored value as text for people."""
    kind = field.get("type", "text")
    choices = field.get("choices") or {}
    if value is None or value == "" or value == []:
        return "-"
    if kind == "boolean":
        return "Ya" if value is True else "Tidak" if value is False else str(value)
    if kind == "choice":
        return str(choices.get(value, value))
    if kind == "multichoice":
        return ", ".join(str(choices.get(v, v)) for v in (value if isinstance(value, list) else [value]))
    if kind == "date":
        try:
            return long_date(value)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def shown_values(fields: list[dict], data: dict | None) -> list[tuple[str, str]]:
    """(label, text) of every value in ``data``: the fields' own first, in the form's order, then any
    other key the data holds (a value written by an older version of the form), by its key in words."""
    data = {k: v for k, v in (data or {}).items() if k not in ENGINE_KEYS}
    rows = []
    for field in fields or []:
        if field.get("id") in data:
            rows.append((label_of(field), shown(field, data.pop(field["id"]))))
    for key, value in data.items():
        rows.append((label_of({"id": key}), shown({}, value)))
    return rows


def shown_applicant(applicant: dict | None) -> list[tuple[str, str]]:
    """(label, text) of the applicant's data, in the intake form's order."""
    applicant = applicant or {}
    rows = []
    for key, label in APPLICANT_LABELS.items():
        value = applicant.get(key)
        if value in (None, ""):
            continue
        if key == "sex":
            rows.append((label, SEX_LABELS.get(value, str(value))))
        else:
            rows.append((label, shown({"type": APPLICANT_TYPES.get(key, "text")}, value)))
    return rows


def steps_shown(procedure, steps: dict) -> list[tuple[str, str]]:
    """(label, text) of what the done steps entered ({step id: data}, in order), for a product document."""
    rows = []
    for step_id, data in steps.items():
        step = procedure.by_id.get(step_id) or {"id": step_id}
        rows += shown_values(kind_of(step).form_fields(step), data)
    return rows
