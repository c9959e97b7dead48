"""Tables of the citizens' online channel (engine/channel/): applicants' accounts, their one-time codes and
sessions, the requirements they upload, the notification outbox, and the download links of signed products.

Personal data stays here, in the case store (UU 27/2022): an account's NIK, name and contacts; an upload's
file lives under the data directory (or an object store) and only its key and digest are here. Codes,
session tokens and PINs are kept only as digests: a copy of the database lets nobody sign in or download.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, aware


class CitizenAccount(Base):
    """An applicant's account: one per NIK, one per e-mail address."""
    __tablename__ = "citizen_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    email_verified_at: Mapped[datetime | None] = aware("email_verified_at")
    created_at: Mapped[datetime] = aware("created_at", nullable=False)
    created_from: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the address, for abuse review


class CitizenCode(Base):
    """A one-time code sent to an account's e-mail: to verify it, to reset the password, or to sign in."""
    __tablename__ = "citizen_codes"
    __table_args__ = (Index("ix_citizen_codes_account", "account_id", "purpose"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("citizen_accounts.id"))
    purpose: Mapped[str] = mapped_column(String(20))  # verify | reset | signin
    code_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the same code as a link's token
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = aware("created_at", nullable=False)
    expires_at: Mapped[datetime] = aware("expires_at", nullable=False)
    used_at: Mapped[datetime | None] = aware("used_at")


class CitizenSession(Base):
    """A signed-in applicant's browser (or app): only the token's SHA-256 is kept. Apart from the officers'
    sessions (web_sessions): a citizen's token is never an officer's."""
    __tablename__ = "citizen_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("citizen_accounts.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = aware("created_at", nullable=False)
    last_seen_at: Mapped[datetime] = aware("last_seen_at", nullable=False)
    expires_at: Mapped[datetime] = aware("expires_at", nullable=False)


class CaseAccount(Base):
    """Whose account filed a case online, and for whom: the account holder, or a member of the family
    (the applicant's NIK on the same Kartu Keluarga)."""
    __tablename__ = "case_accounts"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("citizen_accounts.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))  # sendiri | keluarga
    filed_at: Mapped[datetime] = aware("filed_at", nullable=False)


class Upload(Base):
    """A requirement's scan, uploaded for a case. The file is kept by the upload store under ``storage_key``;
    a newer upload of the same requirement replaces it (``replaced_at``); retention deletes the file and
    sets ``deleted_at``, keeping the row and its digest for the record."""
    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_case", "case_id", "requirement_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    requirement_id: Mapped[str] = mapped_column(String(80))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_accounts.id"), nullable=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = aware("created_at", nullable=False)
    replaced_at: Mapped[datetime | None] = aware("replaced_at")
    deleted_at: Mapped[datetime | None] = aware("deleted_at")


class Notification(Base):
    """The outbox: a message to an applicant, written in the same transaction as the event that causes it,
    delivered afterwards by the notifier (engine/notify/). ``key`` makes it once per cause and channel.
    status: pending | sent | failed (retried ``attempts`` times, shown to officers) | held (no transport
    configured for its channel)."""
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at",
                            sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
                      Index("ix_notifications_case", "case_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    office_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    channel: Mapped[str] = mapped_column(String(20))  # email | sms | whatsapp
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(40), nullable=True)  # a PIN: in the body when sent, then erased
    cause: Mapped[str] = mapped_column(String(40))  # what it tells: returned, ready, signed, code...
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = aware("created_at", nullable=False)
    next_attempt_at: Mapped[datetime] = aware("next_attempt_at", nullable=False)
    claimed_until: Mapped[datetime | None] = aware("claimed_until")
    sent_at: Mapped[datetime | None] = aware("sent_at")
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class DownloadLink(Base):
    """A signed product's download link sent to the applicant with a PIN: the token and the PIN kept as
    digests; wrong PINs counted, and the link locked after too many."""
    __tablename__ = "download_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    product_id: Mapped[str] = mapped_column(String(80))
    pin_hash: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = aware("locked_until")
    created_at: Mapped[datetime] = aware("created_at", nullable=False)
    expires_at: Mapped[datetime] = aware("expires_at", nullable=False)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
