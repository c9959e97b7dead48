"""Tables of the case store.

Everything a case is lives here: the standard version it runs on, the applicant (personal data stays in
this database and nowhere else), requirements received, one task row per step instance (human or
automated), products with their numbers, signed documents, and an append-only event log. Prefect only
mirrors this history (``flow_links``); it is never asked what state a case is in.
"""

from __future__ import annotations

import weakref
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, bindparam, event, inspect, select
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from . import chain
from .base import Base, UTCDateTime, aware as _aware, in_literals as _in_literals  # noqa: F401
from .prepared import Prepared


class Office(Base):
    __tablename__ = "offices"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Read-only auditors (inspectorate, Ombudsman, supervisors): reports and histories, no steps.
    is_auditor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    roles: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_ids(self) -> set[str]:
        return {r.role_id for r in self.roles}


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role_id: Mapped[str] = mapped_column(String(80), primary_key=True)


class StandardVersion(Base):
    """A frozen copy of a standard (and its office) as a case started on it; identical copies are shared."""
    __tablename__ = "standard_versions"
    __table_args__ = (UniqueConstraint("standard_id", "digest"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # standard | bundle
    digest: Mapped[str] = mapped_column(String(64))
    # Deferred: loaded only when a process meets a version for the first time (frozen.thaw caches it by
    # digest), not with every case row.
    document: Mapped[dict] = mapped_column(JSON, deferred=True)
    office_document: Mapped[dict] = mapped_column(JSON, deferred=True)
    loaded_at: Mapped[datetime] = _aware("loaded_at", nullable=False)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_office_status", "office_id", "status"),
        # Reports read an office's cases by when they came in (covering the count per standard, variant and
        # channel) and when they closed.
        Index("ix_cases_office_received", "office_id", "received_at", "standard_id", "variant", "channel"),
        Index("ix_cases_office_closed", "office_id", "closed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    receipt_code: Mapped[str] = mapped_column(String(20), unique=True)
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.id"))
    unit_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    standard_version_id: Mapped[int] = mapped_column(ForeignKey("standard_versions.id"))
    standard_id: Mapped[str] = mapped_column(String(120))
    variant: Mapped[str | None] = mapped_column(String(80), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(80), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    part_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # open | incomplete (requirements missing, clock not started) | waiting_applicant (clock stopped)
    # | done | rejected
    status: Mapped[str] = mapped_column(String(20))
    applicant: Mapped[dict] = mapped_column(JSON)  # personal data: never leaves the case store
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = _aware("received_at", nullable=False)
    clock_started_at: Mapped[datetime | None] = _aware("clock_started_at")
    clock_paused_at: Mapped[datetime | None] = _aware("clock_paused_at")
    due_at: Mapped[datetime | None] = _aware("due_at")
    closed_at: Mapped[datetime | None] = _aware("closed_at")
    close_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # SLA monitoring: the worst mark reached (""/at_risk/late), how far it was escalated, and when the
    # next change can happen (None while the clock is stopped or nothing more can happen).
    sla_mark: Mapped[str] = mapped_column(String(12), default="", server_default="")
    sla_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sla_next_at: Mapped[datetime | None] = _aware("sla_next_at")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": row_version}

    standard_version: Mapped[StandardVersion] = relationship(lazy="joined")


# Partial indexes hold only the rows a query looks for: a case of no bundle, or whose SLA moment is not
# set, costs no page write in them.
Index("ix_cases_parent_id", Case.parent_id, sqlite_where=Case.parent_id.is_not(None),
      postgresql_where=Case.parent_id.is_not(None))
Index("ix_cases_sla_next", Case.sla_next_at, sqlite_where=Case.sla_next_at.is_not(None),
      postgresql_where=Case.sla_next_at.is_not(None))


class CaseRequirement(Base):
    __tablename__ = "case_requirements"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    requirement_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    received: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime | None] = _aware("received_at")


class Task(Base):
    """One step instance of a case: a human step waiting in a worklist, or an automated step for Prefect."""
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    office_id: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(Integer)  # position in the case's history
    step_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12))  # open | claimed | done | cancelled
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = _aware("created_at", nullable=False)
    # The case's due date, copied (and kept in step when the clock starts or resumes) so the worklist can
    # sort open tasks from the tasks index alone.
    due_at: Mapped[datetime | None] = _aware("due_at")
    claimed_at: Mapped[datetime | None] = _aware("claimed_at")
    completed_at: Mapped[datetime | None] = _aware("completed_at")
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(80), nullable=True)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    mirrored: Mapped[bool] = mapped_column(Boolean, default=False)  # recorded as a Prefect task run
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": row_version}


OPEN_TASK_STATUSES = ("open", "claimed")
# The condition of the worklist's index, to be repeated in every query meant to use it (see _in_literals).
TASK_IS_OPEN = _in_literals(Task.status, OPEN_TASK_STATUSES)
# A task's place in its case's history is unique (the engine numbers the next task after the open one).
Index("ix_tasks_case", Task.case_id, Task.seq, unique=True)
# The worklist: open tasks of an office's roles by due date, without touching cases. Only open tasks are in
# it, so completing a step removes one entry instead of moving it, and the index stays the size of the
# worklists, not of the history.
Index("ix_tasks_open", Task.office_id, Task.status, Task.role, Task.due_at, Task.created_at,
      sqlite_where=TASK_IS_OPEN, postgresql_where=TASK_IS_OPEN)


class NumberSeries(Base):
    """The last number given per office, series (product code) and year."""
    __tablename__ = "number_series"
    office_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    series: Mapped[str] = mapped_column(String(80), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("case_id", "product_id"),
        UniqueConstraint("office_id", "series", "year", "seq"),
        Index("ix_products_office_issued", "office_id", "issued_at"),  # reports: products of a period
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    product_id: Mapped[str] = mapped_column(String(80))
    office_id: Mapped[str] = mapped_column(String(80))
    series: Mapped[str | None] = mapped_column(String(80), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number: Mapped[str | None] = mapped_column(String(120), nullable=True)
    issued_at: Mapped[datetime] = _aware("issued_at", nullable=False)
    handed_over_at: Mapped[datetime | None] = _aware("handed_over_at")


class Document(Base):
    """A rendered product document; signatures refer to its SHA-256."""
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    product_id: Mapped[str] = mapped_column(String(80))
    media_type: Mapped[str] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _aware("created_at", nullable=False)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    signed_at: Mapped[datetime | None] = _aware("signed_at")


class Event(Base):
    """Append-only history: who did what to which case, when. Rows are never updated or deleted."""
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), nullable=True)
    at: Mapped[datetime] = _aware("at", nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(80))  # username, 'pemohon' or 'sistem'
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # The hash chain (engine/store/chain.py), filled when the event is flushed.
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def content(self) -> bytes:
        return chain.payload(self.case_id, self.task_id, self.at, self.actor_id, self.actor, self.kind,
                             self.data)


# The kinds of event looked up by kind: by reports over a period (breaches; returns and rejections, which
# are step completions; clock pauses) and by a supervisor's worklist (escalations). Only these are in the
# kind index: every kind in it costs a page write in each transaction that appends one, and a step appends
# several kinds.
KIND_INDEXED_EVENTS = ("task_completed", "sla_breached", "clock_resumed", "sla_escalated")
# The condition of that index, to be repeated in every query meant to use it (see _in_literals).
EVENT_KIND_IS_INDEXED = _in_literals(Event.kind, KIND_INDEXED_EVENTS)
Index("ix_events_kind_at", Event.kind, Event.at, sqlite_where=EVENT_KIND_IS_INDEXED,
      postgresql_where=EVENT_KIND_IS_INDEXED)


class AuditHead(Base):
    """The chain's last hash and length; appending events locks this row, so the chain has one order."""
    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)


class FlowLink(Base):
    """Outbox to Prefect: which flow run mirrors a case and whether Prefect has caught up with it."""
    __tablename__ = "flow_links"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    flow_name: Mapped[str] = mapped_column(String(120))
    flow_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="new")  # new | suspended | completed | failed
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumped by every change of the case
    changed_at: Mapped[datetime] = _aware("changed_at", nullable=False)
    synced_at: Mapped[datetime | None] = _aware("synced_at")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


# The cases Prefect has to catch up with, oldest change first. Only pending links are in the index; every
# change of a case moves its entry to the end, so a step rewrites one index page, the same for all cases.
LINK_IS_PENDING = FlowLink.pending.is_(True)
Index("ix_flow_links_pending", FlowLink.changed_at, sqlite_where=LINK_IS_PENDING, postgresql_where=LINK_IS_PENDING)


class Lease(Base):
    """A job that must run in one process at a time against this database (the orchestrator): who holds
    it and until when (engine/store/lease.py)."""
    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = _aware("expires_at", nullable=False)


def _advance_chain(session, items: list, content, set_hashes) -> None:
    """Chain items after the head (locked for the rest of the transaction), in the given order."""
    head = session.info.get("audit_head")  # read and locked once per transaction, not at every flush
    if head is None:
        head = session.get(AuditHead, 1, with_for_update=True)
        if head is None:
            head = AuditHead(id=1, hash=chain.GENESIS, count=0)
            session.add(head)
        session.info["audit_head"] = head
    key, last = chain.audit_key(), head.hash
    for item in items:
        digest = chain.link(last, content(item), key)
        set_hashes(item, last, digest)
        last = digest
    head.hash, head.count = last, head.count + len(items)


_HEAD = AuditHead.__table__
_READ_HEAD = Prepared(select(_HEAD.c.hash, _HEAD.c.count).where(_HEAD.c.id == 1).with_for_update())
_MOVE_HEAD = Prepared(_HEAD.update().where(_HEAD.c.id == 1).values(hash=bindparam("h"), count=bindparam("n")))
# Moves the head only from the hash this process believes it has (see insert_chained).
_MOVE_HEAD_FROM = Prepared(_HEAD.update().where(_HEAD.c.id == 1, _HEAD.c.hash == bindparam("was"),
                                                 _HEAD.c.count == bindparam("count_was"))
                           .values(hash=bindparam("h"), count=bindparam("n")))
_NEW_HEAD = Prepared(_HEAD.insert().values(id=1, hash=chain.GENESIS, count=0))
_EVENT_COLUMNS = ("case_id", "task_id", "at", "actor_id", "actor", "kind", "data", "prev_hash", "hash")
_INSERT_EVENT = Prepared(Event.__table__.insert().values({name: bindparam(name) for name in _EVENT_COLUMNS}))
# Connection pool (one per database and Store) -> (hash, count) this process last moved the head to.
_LAST_HEAD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _chain(rows: list[dict], last: str) -> str:
    key = chain.audit_key()
    for row in rows:
        row["prev_hash"] = last
        row["hash"] = last = chain.link(last, chain.payload(row["case_id"], row["task_id"], row["at"],
                                                            row["actor_id"], row["actor"], row["kind"],
                                                            row["data"]), key)
    return last


def insert_chained(conn, rows: list[dict]) -> None:
    """Chain ``rows`` (event columns without the hashes) after the audit head, locked until the transaction
    ends, and insert them at once: the engine's write path and ``append_events`` both come here.

    The head is usually where this process left it (on SQLite one process writes at a time, and the busy
    one is usually the same). So the rows are first chained after that head and the head is moved in one
    UPDATE guarded by its expected hash, which also locks it; only when another process moved it in between
    (or the transaction that moved it rolled back) is it read, and the rows chained again."""
    if not rows:
        return
    pool = conn.engine.pool
    known = _LAST_HEAD.get(pool)
    if known is not None:
        last = _chain(rows, known[0])
        if _MOVE_HEAD_FROM.run(conn, was=known[0], count_was=known[1], h=last, n=known[1] + len(rows)) == 1:
            _LAST_HEAD[pool] = (last, known[1] + len(rows))
            _INSERT_EVENT.run_many(conn, rows)
            return
    head = _READ_HEAD.first(conn)
    if head is None:
        _NEW_HEAD.run(conn)
        head = (chain.GENESIS, 0)
    last = _chain(rows, head[0])
    _MOVE_HEAD.run(conn, h=last, n=head[1] + len(rows))
    _LAST_HEAD[pool] = (last, head[1] + len(rows))
    _INSERT_EVENT.run_many(conn, rows)


def append_events(session, rows: list[dict]) -> None:
    """Insert many events at once from an ORM session, chained after any the session added itself."""
    if not rows:
        return
    session.flush()  # events added through the ORM take their place in the chain first
    head = session.info.pop("audit_head", None)
    if head is not None:
        session.expire(head)  # moved below the ORM; read again if the session chains more events
    insert_chained(session.connection(), rows)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_audit_head(session):
    session.info.pop("audit_head", None)


@event.listens_for(Session, "before_flush")
def _chain_new_events(session, _flush_context, _instances):
    new = [obj for obj in session.new if isinstance(obj, Event)]
    if not new:
        return

    def set_hashes(item, previous, digest):
        item.prev_hash, item.hash = previous, digest

    _advance_chain(session, sorted(new, key=lambda obj: inspect(obj).insert_order), Event.content, set_hashes)


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _events_are_append_only(mapper, connection, target):
    raise PermissionError("riwayat kasus hanya dapat ditambah, tidak dapat diubah atau dihapus")


# Sign-in, sessions and devices (imported here so that this module names every table, for Alembic).
from .access_tables import SigninThrottle, TrustedDevice, WebSession  # noqa: E402,F401
