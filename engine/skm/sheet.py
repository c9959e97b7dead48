"""Responses typed from paper forms into a spreadsheet (CSV or XLSX): one row per respondent, columns U1-U9
with scores 1-4, profile columns optional (umur, jenis_kelamin, pendidikan, pekerjaan, saran). Every bad
row is named by its line; a file with any bad row gives no responses at all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from .index import ELEMENTS
from .questionnaire import questionnaire

MAX_ROWS = 100_000
MAX_SUGGESTION = 2000
ALIASES = {"umur": "age", "usia": "age", "age": "age", "jk": "sex", "jenis_kelamin": "sex", "kelamin": "sex",
           "sex": "sex", "pendidikan": "education", "education": "education", "pekerjaan": "occupation",
           "occupation": "occupation", "saran": "suggestion", "saran_masukan": "suggestion",
           "suggestion": "suggestion"}


class SheetError(ValueError):
    """A file that cannot be read as responses; ``problems`` lists (line, message)."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__("; ".join(f"baris {line}: {message}" for line, message in problems[:20]))
        self.problems = problems


@dataclass
class Response:
    scores: dict[str, int]
    profile: dict = field(default_factory=dict)
    suggestion: str = ""
    line: int = 0


def read(data: bytes, name: str = "") -> list[Response]:
    """The responses of a CSV or XLSX file (by content, not by name); SheetError names every bad line."""
    rows = _xlsx_rows(data) if data[:2] == b"PK" else _csv_rows(data)
    try:
        header = next(rows)
    except StopIteration:
        raise SheetError([(1, "berkas kosong")]) from None
    columns = [_column(h) for h in header]
    missing = [e for e in ELEMENTS if e not in columns]
    if missing:
        raise SheetError([(1, f"kolom {', '.join(missing)} tidak ada (baris pertama harus judul kolom U1 sampai U9)")])
    profile = {p["id"]: p for p in questionnaire().profile}
    responses, problems = [], []
    for line, row in enumerate(rows, start=2):
        if not any(str(v or "").strip() for v in row):
            continue
        if len(responses) >= MAX_ROWS:
            raise SheetError([(line, f"paling banyak {MAX_ROWS:,} baris per berkas".replace(",", "."))])
        values = {c: (row[i] if i < len(row) else None) for i, c in enumerate(columns) if c}
        response, errors = _response(values, profile, line)
        problems += [(line, e) for e in errors]
        if not errors:
            responses.append(response)
    if problems:
        raise SheetError(problems)
    if not responses:
        raise SheetError([(2, "tidak ada baris jawaban")])
    return responses


def _column(header) -> str | None:
    text = str(header or "").strip().lower().replace(" ", "_")
    if text.upper() in ELEMENTS:
        return text.upper()
    return ALIASES.get(text)


def _response(values: dict, profile: dict, line: int) -> tuple[Response, list[str]]:
    errors, scores = [], {}
    for element in ELEMENTS:
        raw = values.get(element)
        text = str(raw if raw is not None else "").strip()
        if text.endswith(".0"):
            text = text[:-2]
        if text not in ("1", "2", "3", "4"):
            errors.append(f"{element} harus 1, 2, 3 atau 4" + (f" (tertulis '{text[:20]}')" if text else " (kosong)"))
        else:
            scores[element] = int(text)
    facts = {}
    age = str(values.get("age") or "").strip().removesuffix(".0")
    if age:
        if not age.isdigit() or not profile["age"]["min"] <= int(age) <= profile["age"]["max"]:
            errors.append(f"umur '{age[:20]}' tidak wajar")
        else:
            facts["age"] = int(age)
    for key in ("sex", "education", "occupation"):
        text = str(values.get(key) or "").strip()
        if not text:
            continue
        choices = profile[key]["choices"]
        found = next((c for c, label in choices.items() if text.upper() in (c.upper(), str(label).upper())), None)
        if found is None:
            errors.append(f"{profile[key]['label'].lower()} '{text[:30]}' tidak dikenal; pilihan: "
                          + ", ".join(choices))
        else:
            facts[key] = found
    suggestion = str(values.get("suggestion") or "").strip()
    if len(suggestion) > MAX_SUGGESTION:
        errors.append(f"saran paling banyak {MAX_SUGGESTION} karakter")
    return Response(scores, facts, suggestion, line), errors


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError([(1, "berkas bukan CSV (UTF-8) atau XLSX")]) from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer to the user
        raise SheetError([(1, "berkas XLSX tidak dapat dibaca")]) from None
    for row in book.worksheets[0].iter_rows(values_only=True):
        yield ["" if v is None else v for v in row]
