"""Case numbers, receipt codes and product numbers: one series per office, series and year."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import NumberSeries

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter
CASE_SERIES = "__case__"


def next_in_series(session: Session, office_id: str, series: str, year: int) -> int:
    """The next number of a series, inside the caller's transaction (locked: numbers are never reused)."""
    row = session.scalar(select(NumberSeries).where(NumberSeries.office_id == office_id,
                                                    NumberSeries.series == series,
                                                    NumberSeries.year == year).with_for_update())
    if row is None:
        row = NumberSeries(office_id=office_id, series=series, year=year, last=0)
        session.add(row)
    row.last += 1
    session.flush()
    return row.last


def office_code(office: dict) -> str:
    return office.get("code") or office["id"].upper()


def case_number(session: Session, office: dict, at: datetime) -> str:
    seq = next_in_series(session, office["id"], CASE_SERIES, at.year)
    return f"{office_code(office)}-{at.year}-{seq:06d}"


def receipt_code() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


def product_number(product: dict, office: dict, seq: int, at: datetime) -> str:
    code = product.get("code") or ""
    default = "{code}/{seq:04d}/{office}/{year}" if code else "{seq:04d}/{office}/{year}"
    fmt = product.get("number_format") or default
    try:
        return fmt.format(seq=seq, code=code, office=office_code(office), year=at.year, month=at.month)
    except (KeyError, ValueError, IndexError):
        # A bad format in a standard must not block a case: fall back and keep the sequence.
        return default.format(seq=seq, code=code, office=office_code(office), year=at.year, month=at.month)
