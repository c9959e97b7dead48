"""What every table of the case store is built on: the declarative base and the column types."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, TypeDecorator, literal_column
from sqlalchemy.orm import DeclarativeBase, mapped_column


class Base(DeclarativeBase):
    pass


# A step binds its one moment many times (the task it completes, the task it creates, its events, the
# outbox), between them the case's due date: the last two conversions to SQLite's text are kept, shared by
# every column, as ((moment, text), (moment, text)).
_LAST_SQLITE_MOMENTS = [((None, None), (None, None))]


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as UTC; SQLite keeps no zone, so it is restored on the way out."""
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the case store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)

    # On SQLite the two conversions (to naive UTC, then to SQLAlchemy's text form) are done in one step: a
    # step writes and reads a dozen of these, and the general path costs ~10 µs each. The text is the same
    # as SQLite's DATETIME writes ("2026-03-02 01:30:15.123456"), and it is read back by the same
    # datetime.fromisoformat (tests/test_prepared.py compares both paths).
    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        utc, kept = timezone.utc, _LAST_SQLITE_MOMENTS

        def process(value):
            if value is None:
                return None
            latest, before = kept[0]
            if latest[0] is value:
                return latest[1]
            if before[0] is value:
                return before[1]
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the case store")
            text = value.astimezone(utc).replace(tzinfo=None).isoformat(" ", "microseconds")
            kept[0] = ((value, text), latest)  # one assignment: threads sharing it never see half of it
            return text
        return process

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = datetime.fromisoformat

        def process(value):  # appending the zone is ~6x faster than datetime.replace(tzinfo=...)
            return None if value is None else parse(value + "+00:00")
        return process


def aware(column_name: str, nullable: bool = True):
    return mapped_column(column_name, UTCDateTime(), nullable=nullable)


def in_literals(column, values: tuple[str, ...]):
    """``column IN ('a', 'b')`` with the values written into the SQL. A partial index's condition is written
    this way, and SQLite uses such an index only for a query whose WHERE holds the same term word for word
    (bound parameters do not match it)."""
    return column.in_([literal_column(f"'{value}'") for value in values])


