"""Case numbers, receipt codes and product numbers: one series per office, series and year."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Connection, bindparam

from engine.store.models import NumberSeries
from engine.store.prepared import Prepared

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter
assert len(RECEIPT_ALPHABET) == 32
CASE_SERIES = "__case__"


_SERIES = NumberSeries.__table__
_NEXT = Prepared(_SERIES.update().where(_SERIES.c.office_id == bindparam("o"), _SERIES.c.series == bindparam("s"),
                                        _SERIES.c.year == bindparam("y"))
                 .values(last=_SERIES.c.last + 1).returning(_SERIES.c.last))
_FIRST = Prepared(_SERIES.insert().values(office_id=bindparam("o"), series=bindparam("s"), year=bindparam("y"),
                                          last=1))


def next_in_series(conn: Connection, office_id: str, series: str, year: int) -> int:
    """The next number of a series, inside the caller's transaction (the row stays locked until it ends:
    numbers are never reused or skipped).

    The series' first number of a year inserts its row. Two transactions may both find no row and both
    insert (PostgreSQL: the second waits for the first, then meets the unique key; found by the cluster's
    load test, two hand-overs at once): the insert is made under a savepoint, and when another transaction
    inserted first, the savepoint is rolled back and the number taken from that row instead."""
    last = _NEXT.scalar(conn, o=office_id, s=series, y=year)
    if last is not None:
        return last
    cursor = conn.connection.dbapi_connection.cursor()
    cursor.execute("SAVEPOINT first_in_series")
    try:
        _FIRST.run(conn, o=office_id, s=series, y=year)
    except conn.dialect.loaded_dbapi.IntegrityError:
        cursor.execute("ROLLBACK TO SAVEPOINT first_in_series")
        cursor.execute("RELEASE SAVEPOINT first_in_series")
        return _NEXT.scalar(conn, o=office_id, s=series, y=year)
    cursor.execute("RELEASE SAVEPOINT first_in_series")
    return 1


def office_code(office: dict) -> str:
    return office.get("code") or office["id"].upper()


def case_number(conn: Connection, office: dict, at: datetime) -> str:
    seq = next_in_series(conn, office["id"], CASE_SERIES, at.year)
    return f"{office_code(office)}-{at.year}-{seq:06d}"


def receipt_code() -> str:
    """Ten characters, 50 random bits: one read of the system's randomness (each byte's low 5 bits pick
    one of the 32 characters, all equally likely)."""
    return "".join(RECEIPT_ALPHABET[byte & 31] for byte in secrets.token_bytes(10))


def product_number(product: dict, office: dict, seq: int, at: datetime) -> str:
    code = product.get("code") or ""
    default = "{code}/{seq:04d}/{office}/{year}" if code else "{seq:04d}/{office}/{year}"
    fmt = product.get("number_format") or default
    try:
        return fmt.format(seq=seq, code=code, office=office_code(office), year=at.year, month=at.month)
    except (KeyError, ValueError, IndexError):
        # A bad format in a standard must not block a case: fall back and keep the sequence.
        return default.format(seq=seq, code=code, office=office_code(office), year=at.year, month=at.month)
