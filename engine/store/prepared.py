"""Core statements compiled once per dialect and run on the driver's cursor.

The engine's hot path (an officer completing a step) is a dozen small statements. Through a SQLAlchemy
``Connection`` each costs ~15-20 µs of cache-key generation and execution-context set-up before the
driver's ~2-5 µs (measured on SQLite; see docs/performance.md). A ``Prepared`` statement is still written
with SQLAlchemy Core against the mapped tables, so it is the same SQL on SQLite and PostgreSQL; it is
compiled once per dialect, and its values go through each column type's own bind and result processors
(aware UTC datetimes, JSON, booleans), exactly as SQLAlchemy would convert them. It runs on the DBAPI
connection inside the caller's SQLAlchemy transaction, so commit and rollback are unchanged.

Restrictions, checked when compiling: every bound value must be named (``bindparam``) or a literal fixed in
the statement; no expanding IN lists; RETURNING only of integer columns (left unprocessed).
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import InvalidRequestError


class _Compiled:
    """One statement compiled for one dialect, with a binding plan made once: for each parameter in the
    driver's order, where its value comes from (the caller's name, or a literal fixed in the statement,
    converted once) and the column type's bind processor. This does per call what SQLAlchemy's
    ``construct_params`` plus the type processors do, without rebuilding the parameter dictionary."""

    __slots__ = ("sql", "names", "plan", "readers")

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError(f"expanding IN lists cannot be prepared: {compiled.string}")
        self.sql = compiled.string
        order = list(compiled.positiontup) if compiled.positional else list(compiled.bind_names.values())
        self.names = None if compiled.positional else order
        plan = []
        for name in order:
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.callable is not None:
                raise ValueError(f"a bound value computed at execution cannot be prepared: {bind.key}")
            if bind.required:
                plan.append((bind.key, True, None, processor))
            else:  # a literal of the statement (or a default the caller may override by its key)
                literal = bind.effective_value
                fixed = processor(literal) if processor is not None and literal is not None else literal
                plan.append((bind.key, False, fixed, processor))
        self.plan = tuple(plan)
        columns = list(getattr(statement, "selected_columns", None) or []) if statement.is_select else []
        self.readers = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        if not any(self.readers):
            self.readers = None

    def bind(self, params: dict):
        values = []
        for key, required, fixed, processor in self.plan:
            if key in params:
                value = params[key]
                if processor is not None and value is not None:
                    value = processor(value)
            elif required:
                raise InvalidRequestError(f"A value is required for bind parameter {key!r}")
            else:
                value = fixed
            values.append(value)
        return values if self.names is None else dict(zip(self.names, values))

    def read(self, row: tuple) -> tuple:
        if self.readers is None:
            return row
        return tuple(value if reader is None or value is None else reader(value)
                     for reader, value in zip(self.readers, row))


class Prepared:
    """One statement; compiled on first use with each dialect."""

    __slots__ = ("statement", "_by_dialect")

    def __init__(self, statement):
        self.statement = statement
        self._by_dialect: dict[int, _Compiled] = {}

    def _compiled(self, conn: Connection) -> _Compiled:
        dialect = conn.dialect
        found = self._by_dialect.get(id(dialect))
        if found is None:
            found = self._by_dialect[id(dialect)] = _Compiled(self.statement, dialect)
        return found

    @staticmethod
    def _cursor(conn: Connection):
        return conn.connection.dbapi_connection.cursor()

    def rows(self, conn: Connection, **params) -> list[tuple]:
        compiled = self._compiled(conn)
        cursor = self._cursor(conn)
        cursor.execute(compiled.sql, compiled.bind(params))
        return [compiled.read(row) for row in cursor.fetchall()]

    def first(self, conn: Connection, **params) -> tuple | None:
        rows = self.rows(conn, **params)
        return rows[0] if rows else None

    def scalar(self, conn: Connection, **params):
        row = self.first(conn, **params)
        return None if row is None else row[0]

    def run(self, conn: Connection, **params) -> int:
        """Execute; returns the number of rows changed."""
        compiled = self._compiled(conn)
        cursor = self._cursor(conn)
        cursor.execute(compiled.sql, compiled.bind(params))
        return cursor.rowcount

    def run_many(self, conn: Connection, rows: list[dict]) -> None:
        if rows:
            compiled = self._compiled(conn)
            self._cursor(conn).executemany(compiled.sql, [compiled.bind(row) for row in rows])
