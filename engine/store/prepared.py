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
    """One statement compiled for one dialect, with a binding plan made once: the parameters in the
    driver's order as a template holding the statement's literals (converted once), and for each value the
    caller names, its place and its column type's bind processor. This does per call what SQLAlchemy's
    ``construct_params`` plus the type processors do, without rebuilding the parameter dictionary."""

    __slots__ = ("sql", "names", "template", "required", "literals", "readers")

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError(f"expanding IN lists cannot be prepared: {compiled.string}")
        self.sql = compiled.string
        order = list(compiled.positiontup) if compiled.positional else list(compiled.bind_names.values())
        self.names = None if compiled.positional else order
        template, required, literals = [], [], []
        for position, name in enumerate(order):
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.callable is not None:
                raise ValueError(f"a bound value computed at execution cannot be prepared: {bind.key}")
            if bind.required:
                template.append(None)
                required.append((position, bind.key, processor))
            else:  # a literal of the statement (or a default the caller may override by its key)
                literal = bind.effective_value
                template.append(processor(literal) if processor is not None and literal is not None else literal)
                literals.append((position, bind.key, processor))
        self.template, self.required, self.literals = template, tuple(required), tuple(literals)
        columns = list(getattr(statement, "selected_columns", None) or []) if statement.is_select else []
        readers = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        # Only the columns that need converting are visited (a task row has 19 columns, 6 of them converted).
        self.readers = tuple((i, reader) for i, reader in enumerate(readers) if reader is not None) or None

    def bind(self, params: dict):
        values = self.template.copy()
        for position, key, processor in self.required:
            try:
                value = params[key]
            except KeyError:
                raise InvalidRequestError(f"A value is required for bind parameter {key!r}") from None
            values[position] = value if processor is None or value is None else processor(value)
        for position, key, processor in self.literals:
            if key in params:
                value = params[key]
                values[position] = value if processor is None or value is None else processor(value)
        return values if self.names is None else dict(zip(self.names, values))

    def read(self, row: tuple) -> tuple:
        if self.readers is None:
            return row
        values = list(row)
        for i, reader in self.readers:
            value = values[i]
            if value is not None:
                values[i] = reader(value)
        return tuple(values)


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

    def _execute(self, conn: Connection, params: dict):
        compiled = self._compiled(conn)
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(compiled.sql, compiled.bind(params))
        return compiled, cursor

    def rows(self, conn: Connection, **params) -> list[tuple]:
        compiled, cursor = self._execute(conn, params)
        rows = cursor.fetchall()
        return rows if compiled.readers is None else [compiled.read(row) for row in rows]

    def first(self, conn: Connection, **params) -> tuple | None:
        compiled, cursor = self._execute(conn, params)
        row = cursor.fetchone()
        return row if row is None or compiled.readers is None else compiled.read(row)

    def scalar(self, conn: Connection, **params):
        row = self.first(conn, **params)
        return None if row is None else row[0]

    def run(self, conn: Connection, **params) -> int:
        """Execute; returns the number of rows changed."""
        return self._execute(conn, params)[1].rowcount

    def run_many(self, conn: Connection, rows: list[dict]) -> None:
        if rows:
            compiled = self._compiled(conn)
            conn.connection.dbapi_connection.cursor().executemany(compiled.sql, [compiled.bind(row) for row in rows])
