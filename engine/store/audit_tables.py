"""Tables of the audit chains (engine/store/chain.py): the system chain's head, the sealed checkpoints, and
the head of the single chain of the events written before per-case chains (migration 0011)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, aware


class AuditHead(Base):
    """The head of the chain written before migration 0011 (one chain of every event then, by id). It no
    longer moves; `layanan audit verify` still checks that chain against it."""
    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)


class ChainHead(Base):
    """The head of a chain that is not a case's: the system chain (events that belong to no case)."""
    __tablename__ = "audit_heads"
    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    seal: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """Every chain's head at a moment (those that moved since the checkpoint before), sealed, and linked to
    the checkpoint before it; the same line goes to the anchor file outside the database
    (engine/audit/checkpoints.py)."""
    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = aware("at", nullable=False)
    last_event_id: Mapped[int] = mapped_column(Integer)
    heads: Mapped[list] = mapped_column(JSON)  # [[case id or null, seq, hash], ...]
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    seal: Mapped[str] = mapped_column(String(64))
