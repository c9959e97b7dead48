"""Check submitted form data against a step's (or the application's) field definitions."""

from __future__ import annotations

import re
from datetime import date

from engine.standard.flow import evaluate

from engine.errors import InvalidInput
from .identity import nik_problem

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,17}$")
# The longest text a field takes when its standard sets no max_length (a 1 MB name made a receipt take 3 s).
MAX_TEXT = {"text": 500, "textarea": 20_000, "file": 500}
MAX_FIELDS = 200  # values in one submission
MAX_REASON = 4_000
MAX_ROW_ID = 2**31 - 1  # ids are INTEGER: 32-bit on PostgreSQL (a larger one is no row, not a database error)


# The applicant's own data, checked like any form (personal data: it stays in the case store).
APPLICANT = [{"id": "nik", "type": "nik", "label": "NIK"},
             {"id": "name", "type": "text", "max_length": 200, "label": "nama pemohon"},
             {"id": "address", "type": "textarea", "max_length": 500, "required": False},
             {"id": "phone", "type": "phone", "required": False}, {"id": "email", "type": "email", "required": False},
             {"id": "birth_date", "type": "date", "required": False},
             {"id": "sex", "type": "text", "max_length": 20, "required": False}]


def applicable(fields: list[dict], variant, channel, answers) -> list[dict]:
    return [f for f in fields or [] if evaluate(f.get("when"), variant, channel, answers) is not False]


# Control characters no text of a case may hold (tab, line feed and carriage return are text); NUL also
# cannot be stored by PostgreSQL.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(fields: list[dict], data: dict | None, *, variant=None, channel=None, answers=None,
          prefix: str = "") -> dict:
    """The submitted values converted to their types; raises InvalidInput naming the first bad field."""
    if data is not None and not isinstance(data, dict):
        raise InvalidInput("isian harus berupa objek", prefix.rstrip(".") or None)
    data = dict(data or {})
    if len(data) > MAX_FIELDS:
        raise InvalidInput(f"terlalu banyak isian (maksimal {MAX_FIELDS})", prefix.rstrip(".") or None)
    known = {f["id"] for f in fields or []}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"isian tidak dikenal; yang tersedia: {', '.join(sorted(known)) or '(tidak ada)'}",
                           prefix + str(unknown[0])[:80])
    cleaned = {}
    for field in applicable(fields, variant, channel, {**(answers or {}), **data}):
        name = field["id"]
        value = data.get(name)
        if value is None or value == "" or value == []:
            if field.get("required", True) and field.get("type") != "boolean":
                raise InvalidInput(f"wajib diisi ({field.get('label', name)})", prefix + name)
            continue
        cleaned[name] = _convert(field, value, prefix + name)
    return cleaned


def _convert(field: dict, value, name: str):
    kind = field.get("type", "text")
    if kind in ("text", "textarea", "file"):
        if not isinstance(value, str):
            raise InvalidInput("harus berupa teks", name)
        longest = field.get("max_length") or MAX_TEXT[kind]
        if CONTROL.search(value):
            raise InvalidInput("memuat karakter kendali yang tidak diterima", name)
        if len(value) > longest:
            raise InvalidInput(f"paling banyak {longest:,} karakter".replace(",", "."), name)
        if field.get("pattern") and not re.search(field["pattern"], value):
            raise InvalidInput(f"format tidak sesuai ({field['pattern']})", name)
        return value
    if kind in ("number", "integer"):
        try:
            number = int(value) if kind == "integer" and not isinstance(value, float) else float(value)
        except (TypeError, ValueError):
            raise InvalidInput("harus berupa angka" + (" bulat" if kind == "integer" else ""), name) from None
        if isinstance(value, bool) or (kind == "integer" and isinstance(value, str) and not value.strip().lstrip("-").isdigit()):
            raise InvalidInput("harus berupa angka bulat", name)
        if number != number or abs(number) > 1e15:  # NaN, infinity and absurd sizes
            raise InvalidInput("angka di luar batas", name)
        if "min" in field and number < field["min"]:
            raise InvalidInput(f"paling kecil {field['min']}", name)
        if "max" in field and number > field["max"]:
            raise InvalidInput(f"paling besar {field['max']}", name)
        return number
    if kind == "date":
        if isinstance(value, date):
            return value.isoformat()
        if not isinstance(value, str) or len(value) > 10:
            raise InvalidInput("tanggal harus berformat YYYY-MM-DD", name)
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise InvalidInput("tanggal harus berformat YYYY-MM-DD", name) from None
    if kind == "choice":
        if not isinstance(value, str) or value not in (field.get("choices") or {}):
            raise InvalidInput(f"pilihan tidak dikenal; pilih salah satu: {', '.join(field.get('choices') or {})}", name)
        return value
    if kind == "multichoice":
        values = value if isinstance(value, list) else [value]
        if len(values) > len(field.get("choices") or {}):
            raise InvalidInput("pilihan terlalu banyak", name)
        bad = [v for v in values if v not in (field.get("choices") or {})]
        if bad:
            raise InvalidInput(f"pilihan '{bad[0]}' tidak dikenal; pilihan: {', '.join(field.get('choices') or {})}", name)
        return values
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if not isinstance(value, (str, int)) or len(str(value)) > 10:
            raise InvalidInput("harus ya atau tidak", name)
        if str(value).lower() in ("ya", "true", "1"):
            return True
        if str(value).lower() in ("tidak", "false", "0"):
            return False
        raise InvalidInput("harus ya atau tidak", name)
    if kind == "nik":
        problem = nik_problem(value)
        if problem:
            raise InvalidInput(problem, name)
        return value
    if kind == "email":
        if not isinstance(value, str) or len(value) > 254 or not EMAIL.match(value):
            raise InvalidInput("alamat surel tidak sah", name)
        return value
    if kind == "phone":
        if not isinstance(value, str) or not PHONE.match(value):
            raise InvalidInput("nomor telepon tidak sah", name)
        return value
    return value
