"""One write transaction of the case engine, on SQLAlchemy Core.

The engine's writes go through Core statements on one connection rather than through the ORM's unit of
work: measured here, an ORM flush costs ~250 µs per row, a Core statement ~20 µs and a prepared one
(engine.store.prepared) ~5 µs, and an officer's step is a dozen rows. What the ORM gave for free is kept,
explicitly:

- rows read for update are ``Record`` objects that remember which columns changed; ``flush`` writes each
  changed row in one UPDATE guarded by its ``row_version`` (a concurrent change is a Conflict, not a lost
  update) and bumps that version, as the ORM's version counter did;
- one record per row and transaction (an identity map), so two paths of the same step see the same row;
- events are buffered and appended at the end, in order, each in its case's chain (engine.store.audit_writer):
  the heads of the cases this transaction holds move with the rest of their rows;
- the Prefect outbox (``flow_links``) is touched once per transaction for every case that changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from engine.store import audit_writer
from engine.store.models import Case, FlowLink
from engine.store.prepared import Prepared

from engine.errors import Conflict
from . import notices, stock
from .frozen import FrozenVersion, stored_version

_LINKS = FlowLink.__table__
_CASES = Case.__table__
_TOUCH = Prepared(_LINKS.update().where(_LINKS.c.case_id == bindparam("c")).values(
    pending=True, changed_at=bindparam("at"), revision=_LINKS.c.revision + 1))

_PREPARED: dict[tuple, Prepared] = {}


def _prepared(key: tuple, build) -> Prepared:
    found = _PREPARED.get(key)
    if found is None:
        found = _PREPARED[key] = Prepared(build())
    return found


def _select_by_id(table, lock: bool) -> Prepared:
    def build():
        statement = select(table).where(table.c.id == bindparam("id"))
        return statement.with_for_update() if lock else statement
    return _prepared(("get", table.name, lock), build)


def _select_with_parent(table, parent, foreign_key: str) -> Prepared:
    def build():
        return (select(table, parent).join(parent, parent.c.id == table.c[foreign_key])
                .where(table.c.id == bindparam("id")).with_for_update())
    return _prepared(("get_with", table.name, parent.name, foreign_key), build)


def _insert(table, columns: tuple[str, ...], returning: bool) -> Prepared:
    def build():
        statement = table.insert().values({name: bindparam(name) for name in columns})
        return statement.returning(table.c.id) if returning else statement
    return _prepared(("insert", table.name, columns, returning), build)


def _update_by_id(table, columns: tuple[str, ...]) -> Prepared:
    def build():
        statement = table.update().where(table.c.id == bindparam("_id"))
        if "row_version" in table.c:
            statement = statement.where(table.c.row_version == bindparam("_version"))
        return statement.values({name: bindparam(name) for name in columns})
    return _prepared(("update", table.name, columns), build)


_KEYS: dict[str, tuple[str, ...]] = {}


def _keys(table) -> tuple[str, ...]:
    """A table's column names (SQLAlchemy builds the list anew at every call)."""
    found = _KEYS.get(table.name)
    if found is None:
        found = _KEYS[table.name] = tuple(table.c.keys())
        assert not set(found) & (set(Record.__slots__) | {"values"}), f"{table.name}: a column hides Record's own"
    return found


class Record:
    """A row read for update: attribute changes are remembered and written back by ``Txn.flush``. The
    columns are the instance's own attributes (read at the speed of any attribute: a step reads several
    hundred); ``values`` is the same dictionary."""

    __slots__ = ("__dict__", "table", "dirty")

    def __init__(self, table, values: dict):
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "dirty", set())
        self.__dict__.update(values)

    @property
    def values(self) -> dict:
        return self.__dict__

    def __setattr__(self, name, value):
        values = self.__dict__
        if name not in values:
            raise AttributeError(f"{self.table.name} has no column {name}")
        if values[name] != value:
            values[name] = value
            self.dirty.add(name)


class Txn:
    """A write transaction: statements on ``conn``, records to flush, events to chain."""

    def __init__(self, conn: Connection, versions: dict[int, FrozenVersion], public_url: str = "",
                 notify_channels: tuple[str, ...] = ("email",)):
        self.conn = conn
        self.public_url = public_url  # the address printed on what the case issues (verification links)
        self.notify_channels = notify_channels  # what the applicant is told goes out through these
        self.versions = versions  # the store's cache of committed versions: id -> FrozenVersion
        self.fresh_versions: dict[int, FrozenVersion] = {}  # inserted by this transaction
        self.records: list[Record] = []
        self.identity: dict[tuple[str, int], Record] = {}
        self.last_seq: dict[int, int] = {}  # case id -> the highest task seq, once known
        self.events: list[dict] = []
        self.touched: dict[int, datetime] = {}
        self.new_links: set[int] = set()

    # ------------------------------------------------------------------ statements

    def execute(self, statement):
        """A Core statement (for the statements off the hot path)."""
        return self.conn.execute(statement)

    def scalar(self, statement):
        return self.conn.execute(statement).scalar()

    def insert(self, table, values: dict) -> int:
        """Insert one row into a table with an integer ``id``; returns it."""
        return _insert(table, tuple(values), True).scalar(self.conn, **values)

    def insert_many(self, table, rows: list[dict]) -> None:
        """Insert rows that all name the same columns."""
        if rows:
            _insert(table, tuple(rows[0]), False).run_many(self.conn, rows)

    def get(self, table, row_id: int, lock: bool = False) -> Record | None:
        """The row with this id as a record for update (one record per row and transaction)."""
        found = self.identity.get((table.name, row_id))
        if found is not None:
            return found
        row = _select_by_id(table, lock).first(self.conn, id=row_id)
        return None if row is None else self._track(table, dict(zip(_keys(table), row)))

    def get_with_parent(self, table, row_id: int, parent, foreign_key: str) -> tuple[Record, Record] | None:
        """The row with this id and the row of ``parent`` it refers to by ``foreign_key``, both as records for
        update and locked, read in one statement (a step reads its task and its case)."""
        found = self.identity.get((table.name, row_id))
        if found is not None:
            return found, self.get(parent, found.values[foreign_key], lock=True)
        row = _select_with_parent(table, parent, foreign_key).first(self.conn, id=row_id)
        if row is None:
            return None
        keys = _keys(table)
        child = self._track(table, dict(zip(keys, row)))
        known = self.identity.get((parent.name, child.values[foreign_key]))
        return child, known or self._track(parent, dict(zip(_keys(parent), row[len(keys):])))

    def adopt(self, table, values: dict) -> Record:
        """A record for a row this transaction has just inserted (``values`` as inserted, with its id)."""
        full = dict.fromkeys(_keys(table))
        full.update(values)
        return self._track(table, full)

    def _track(self, table, values: dict) -> Record:
        record = Record(table, values)
        self.records.append(record)
        self.identity[(table.name, values["id"])] = record
        return record

    def flush(self) -> None:
        """Write every changed record, each in one UPDATE guarded by its row version."""
        for record in self.records:
            if not record.dirty:
                continue
            table, values = record.table, record.values
            changes = {name: values[name] for name in sorted(record.dirty)}
            versioned = "row_version" in table.c
            if versioned:
                changes["row_version"] = values["row_version"] + 1
            statement = _update_by_id(table, tuple(changes))
            if statement.run(self.conn, _id=values["id"], _version=values.get("row_version"), **changes) != 1:
                raise Conflict(f"data {table.name} {values['id']} diubah bersamaan oleh proses lain; ulangi")
            if versioned:
                values["row_version"] = changes["row_version"]
            record.dirty.clear()

    # ------------------------------------------------------------------ standard versions

    def version(self, version_id: int) -> FrozenVersion:
        return self.fresh_versions.get(version_id) or stored_version(self.conn, version_id, self.versions)

    # ------------------------------------------------------------------ history and the Prefect outbox

    def event(self, case_id: int | None, task_id: int | None, kind: str, actor: str, actor_id: int | None,
              at: datetime, data: dict) -> None:
        self.events.append({"case_id": case_id, "task_id": task_id, "at": at, "actor_id": actor_id,
                            "actor": actor, "kind": kind, "data": {k: v for k, v in data.items() if v is not None}})

    def touch(self, case_ids, at: datetime) -> None:
        """Prefect has to catch up with these cases (marked once, when the transaction ends)."""
        for case_id in case_ids:
            self.touched[case_id] = at

    def finish(self) -> None:
        """Write what is still buffered: the chained events, changed records (the cases' moved chain heads
        among them) and the outbox marks."""
        if self.events:
            stock.write(self, self.events)  # what a step consumes of the office's stock (may refuse the step)
            notices.write(self, self.events)  # the outbox, in this same transaction as its events
            identity = self.identity
            held = {}
            for case_id in {event["case_id"] for event in self.events}:
                record = identity.get((_CASES.name, case_id))
                if record is not None:
                    held[case_id] = (record.audit_hash, record.audit_seq)
            for case_id, (digest, seq, seal) in audit_writer.append(self.conn, self.events, held).items():
                record = identity[(_CASES.name, case_id)]
                record.audit_hash, record.audit_seq, record.audit_seal = digest, seq, seal
            self.events = []
        self.flush()
        marked = [{"c": case_id, "at": at} for case_id, at in self.touched.items() if case_id not in self.new_links]
        _TOUCH.run_many(self.conn, marked)
        self.touched.clear()
