"""Tables of the case store.

Everything a case is lives here: the standard version it runs on, the applicant (personal data stays in
this database and nowhere else), requirements received, one task row per step instance (human or
automated), products with their numbers, signed documents, and an append-only event log. Prefect only
mirrors this history (``flow_links``); it is never asked what state a case is in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, aware as _aware, in_literals as _in_literals  # noqa: F401


class Office(Base):
    __tablename__ = "offices"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(64))
    # The office's working calendar as its file says now (engine/cases/frozen.py: calendar_part); running
    # cases follow it when a decree or closure is added (engine/sla/calendar_change.py).
    calendar: Mapped[dict | None] = mapped_column(JSON, nullable=True)


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
    # As the signed product names its signer: NIP, position (jabatan), rank (pangkat/golongan).
    nip: Mapped[str | None] = mapped_column(String(30), nullable=True)
    # The officer's last worklist search and filters (the page opens with them again).
    saved_search: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    position: Mapped[str | None] = mapped_column(String(200), nullable=True)
    rank: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The TTE passphrase asked at each signature (Argon2id; engine/access/tte.py).
    passphrase_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
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
    tier: Mapped[str | None] = mapped_column(String(40), nullable=True)  # given at triage; sets the time limit
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
    # The head of the case's event chain (engine/store/chain.py): the last event's hash, how many events,
    # and the seal over both.
    audit_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audit_seal: Mapped[str | None] = mapped_column(String(64), nullable=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": row_version}

    standard_version: Mapped[StandardVersion] = relationship(lazy="joined")


# Partial indexes hold only the rows a query looks for: a case of no bundle, or whose SLA moment is not
# set, costs no page write in them.
Index("ix_cases_parent_id", Case.parent_id, sqlite_where=Case.parent_id.is_not(None),
      postgresql_where=Case.parent_id.is_not(None))
Index("ix_cases_sla_next", Case.sla_next_at, sqlite_where=Case.sla_next_at.is_not(None),
      postgresql_where=Case.sla_next_at.is_not(None))


class CaseToken(Base):
    """What a case is found by (engine/cases/finding.py): the applicant's NIK and name words, the case
    number and its sequence, the receipt code and the product numbers, each folded to lower-case ASCII.
    A search term matches a token's beginning, read as a range of the (office, token) index: the same
    plan on SQLite and PostgreSQL, and no wildcard a search could smuggle in. Personal data: it stays in
    the case store with the case."""
    __tablename__ = "case_tokens"
    __table_args__ = (Index("ix_case_tokens_office_token", "office_id", "token", "case_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    office_id: Mapped[str] = mapped_column(String(80))
    # Byte order on PostgreSQL too ("C"): a locale's collation would sort '-' and '.' out of the range.
    token: Mapped[str] = mapped_column(String(120).with_variant(String(120, collation="C"), "postgresql"))


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
    # The step's own target (its ``target`` in the standard: working days or office hours from the moment
    # the task opened), apart from the case's due date. Last, as migration 0012 added it.
    step_due_at: Mapped[datetime | None] = _aware("step_due_at")
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
    # A signed document: the code its QR code and verification page name, and its sealed PDF (made once,
    # on first need, outside the signing transaction; engine/signing.py).
    verify_code: Mapped[str | None] = mapped_column(String(24), nullable=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


Index("ix_documents_verify_code", Document.verify_code, unique=True)


class Event(Base):
    """Append-only history: who did what to which case, when. Rows are never updated or deleted."""
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    # The event's place in its chain (its case's, or the system chain's); NULL for the events of the single
    # chain written before migration 0011, which verify in the order of their ids.
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), nullable=True)
    at: Mapped[datetime] = _aware("at", nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(80))  # username, 'pemohon' or 'sistem'
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # The hash chain (engine/store/chain.py), filled by the one writer (engine/store/audit_writer.py).
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# A case's events in the order of its chain (one entry per event: the place is unique); also how a case's
# history is read.
Index("ix_events_case_seq", Event.case_id, Event.seq, unique=True)


# The kinds of event looked up by kind: by reports over a period (breaches; returns and rejections, which
# are step completions; clock pauses) and by a supervisor's worklist (escalations). Only these are in the
# kind index: every kind in it costs a page write in each transaction that appends one, and a step appends
# several kinds.
KIND_INDEXED_EVENTS = ("task_completed", "sla_breached", "clock_resumed", "sla_escalated")
# The condition of that index, to be repeated in every query meant to use it (see _in_literals).
EVENT_KIND_IS_INDEXED = _in_literals(Event.kind, KIND_INDEXED_EVENTS)
Index("ix_events_kind_at", Event.kind, Event.at, sqlite_where=EVENT_KIND_IS_INDEXED,
      postgresql_where=EVENT_KIND_IS_INDEXED)


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
    # Which orchestrator is catching up with the case, until when (engine/store/claims.py).
    claimed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    claimed_until: Mapped[datetime | None] = _aware("claimed_until")


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


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _events_are_append_only(mapper, connection, target):
    raise PermissionError("riwayat kasus hanya dapat ditambah, tidak dapat diubah atau dihapus")


# Sign-in, sessions and devices, and the audit chains' heads and checkpoints (imported here so that this
# module names every table, for Alembic).
from .access_tables import SigninThrottle, TrustedDevice, WebSession  # noqa: E402,F401
from .audit_tables import AuditCheckpoint, AuditHead, ChainHead  # noqa: E402,F401
from .survey_tables import SurveyFollowUp, SurveyInvitation, SurveyResponse  # noqa: E402,F401
from .channel_tables import (CaseAccount, CitizenAccount, CitizenCode, CitizenSession, DownloadLink,  # noqa: E402,F401
                             Notification, Upload)
from .stock_tables import StockBalance, StockMovement  # noqa: E402,F401
from .queue_tables import QueueCounter, QueueTicket  # noqa: E402,F401
