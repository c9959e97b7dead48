"""Tables of the office's stock of consumables per service point (the KTP-el blanks): the balance of each
item at each unit, kept with the ledger of every movement that changed it (engine/cases/stock.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, aware


class StockBalance(Base):
    """What a unit holds of an item now: usable on hand, and spoiled ones held until their return. The
    database refuses a negative balance (the engine refuses it first, in words)."""
    __tablename__ = "stock_balances"
    __table_args__ = (CheckConstraint("on_hand >= 0", name="ck_stock_on_hand"),
                      CheckConstraint("spoiled_held >= 0", name="ck_stock_spoiled_held"))
    office_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    spoiled_held: Mapped[int] = mapped_column(Integer, default=0)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class StockMovement(Base):
    """One movement: received (with the delivery document), used by a case's step, spoiled (with the case
    and the reason), spoiled ones returned (with the berita acara), transferred out or in. ``quantity`` is
    what moved (positive); ``on_hand`` and ``spoiled_held`` are the balance after it."""
    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_unit", "office_id", "unit_id", "item_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[str] = mapped_column(String(80))
    unit_id: Mapped[str] = mapped_column(String(80))
    item_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # received | used | spoiled | returned | transfer_out | transfer_in
    quantity: Mapped[int] = mapped_column(Integer)
    on_hand: Mapped[int] = mapped_column(Integer)
    spoiled_held: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = aware("at", nullable=False)
