"""The engine's write path below the ORM: prepared statements convert values exactly as SQLAlchemy does, and
a transaction's records refuse to overwrite a row another process changed (SQLite and PostgreSQL)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, select

from engine.errors import Conflict
from engine.cases.simulate import SAMPLE_APPLICANT
from engine.cases.txn import Record, Txn
from engine.store.models import Case, Task
from engine.store.prepared import Prepared

TASKS = Task.__table__
WITA = timezone(timedelta(hours=8))


def _open_case(service, library):
    standard = library.standard("kaltim-data-agregat")
    reqs = [r["id"] for r in standard.requirements(None, None, {})]
    return service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs,
                             actor="disdukcapil-kaltim.petugas_layanan")


def test_prepared_values_round_trip_like_the_orm(service, library):
    case_id = _open_case(service, library)
    insert = Prepared(TASKS.insert().values({name: bindparam(name) for name in (
        "case_id", "office_id", "seq", "step_id", "kind", "role", "status", "created_at", "due_at", "data",
        "mirrored", "row_version")}).returning(TASKS.c.id))
    read = Prepared(select(TASKS.c.created_at, TASKS.c.due_at, TASKS.c.data, TASKS.c.mirrored, TASKS.c.status)
                    .where(TASKS.c.id == bindparam("id"), TASKS.c.status == "open"))
    created = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=WITA)  # an aware time in another zone
    data = {"uraian": "Pengolahan ✓", "jumlah": 3, "daftar": [1, None, "x"]}
    with service.store.transaction() as conn:
        task_id = insert.scalar(conn, case_id=case_id, office_id="disdukcapil-kaltim", seq=99, step_id="uji",
                                kind="form", role="operator", status="open", created_at=created, due_at=None,
                                data=data, mirrored=True, row_version=1)
        assert read.first(conn, id=task_id) == (created.astimezone(timezone.utc), None, data, True, "open")
    with service.store.read() as s:  # the ORM reads back what the prepared statement wrote
        row = s.get(Task, task_id)
        assert (row.created_at, row.due_at, row.data, row.mirrored) == (created, None, data, True)


def test_prepared_statements_refuse_what_they_cannot_bind(service):
    with service.store.transaction() as conn:
        with pytest.raises(ValueError, match="expanding IN"):
            Prepared(select(TASKS.c.id).where(TASKS.c.status.in_(("open", "claimed")))).rows(conn)
        with pytest.raises(Exception, match="value is required for bind parameter 'id'"):
            Prepared(select(TASKS.c.id).where(TASKS.c.id == bindparam("id"))).rows(conn)


def test_a_record_changed_by_someone_else_is_a_conflict_and_nothing_is_written(service, library):
    case_id = _open_case(service, library)
    with service.store.transaction() as conn:
        txn = Txn(conn, service.store.versions_by_id)
        case = txn.get(Case.__table__, case_id)
        assert isinstance(case, Record) and txn.get(Case.__table__, case_id) is case  # one record per row
        version = case.row_version
    service.claim(_open_task(service, case_id), "disdukcapil-kaltim.operator")  # moves the case's chain head
    with service.store.read() as s:
        assert s.get(Case, case_id).row_version == version + 1
    version += 1
    with service.store.write() as s:  # another process changes the case
        s.get(Case, case_id).close_reason = "diubah proses lain"
    with pytest.raises(Conflict, match="diubah bersamaan"):
        with service.store.transaction() as conn:
            txn = Txn(conn, service.store.versions_by_id)
            stale = txn.get(Case.__table__, case_id)
            stale.values["row_version"] = version  # as read before the other change
            stale.status = "done"
            txn.event(case_id, None, "uji", "sistem", None, datetime.now(timezone.utc), {})
            txn.finish()
    with service.store.read() as s:
        case = s.get(Case, case_id)
        assert case.status == "open" and case.close_reason == "diubah proses lain"


def _open_task(service, case_id):
    with service.store.read() as s:
        return s.scalar(select(Task.id).where(Task.case_id == case_id, Task.status == "open"))


def test_sqlite_datetimes_are_written_and_read_as_sqlalchemy_does():
    """UTCDateTime's one-step conversions on SQLite give exactly what SQLAlchemy's own DateTime gives."""
    from sqlalchemy import DateTime
    from sqlalchemy.dialects import sqlite

    from engine.store.models import UTCDateTime

    dialect = sqlite.dialect()
    fast_bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    fast_read = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    plain_bind = DateTime().dialect_impl(dialect).bind_processor(dialect)
    plain_read = DateTime().dialect_impl(dialect).result_processor(dialect, None)
    for value in (datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=WITA), datetime(2026, 1, 1, tzinfo=timezone.utc),
                  datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=timezone.utc),
                  datetime(2027, 2, 28, 23, 0, tzinfo=timezone(timedelta(hours=-3)))):
        utc = value.astimezone(timezone.utc)
        text = plain_bind(utc.replace(tzinfo=None))
        assert fast_bind(value) == text
        assert fast_read(text) == utc == plain_read(text).replace(tzinfo=timezone.utc)
    assert fast_bind(None) is None and fast_read(None) is None
    with pytest.raises(ValueError, match="naive"):
        fast_bind(datetime(2026, 1, 1))
