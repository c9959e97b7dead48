"""Tables of the queue at a service point (engine/floor/queue.py): the day's tickets and the counters'
state. A ticket's number is unique per unit, day and service (the database refuses a second A-001)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, aware


class QueueTicket(Base):
    """status: booked | waiting | called | serving | finished | no_show | cancelled. A booking made online
    (channel 'booking') is a ticket numbered at booking for its day, with its own code; it joins the waiting
    line when the applicant checks in at the kiosk with that code."""
    __tablename__ = "queue_tickets"
    __table_args__ = (UniqueConstraint("office_id", "unit_id", "day", "service", "number", name="uq_queue_number"),
                      UniqueConstraint("booking_code", name="uq_queue_booking_code"),
                      Index("ix_queue_waiting", "office_id", "unit_id", "day", "status", "service"))
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[str] = mapped_column(String(80))
    unit_id: Mapped[str] = mapped_column(String(80))
    day: Mapped[date] = mapped_column(Date)
    service: Mapped[str] = mapped_column(String(2))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(12))
    priority: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel: Mapped[str] = mapped_column(String(12))  # kiosk | booking
    status: Mapped[str] = mapped_column(String(12))
    issued_at: Mapped[datetime] = aware("issued_at", nullable=False)
    called_at: Mapped[datetime | None] = aware("called_at")
    serving_at: Mapped[datetime | None] = aware("serving_at")
    finished_at: Mapped[datetime | None] = aware("finished_at")
    counter_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    called_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    booking_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_accounts.id"), nullable=True)


class QueueCounter(Base):
    """A counter at a unit: open (with its officer) or closed; how many it called since it opened."""
    __tablename__ = "queue_counters"
    office_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    counter_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    officer: Mapped[str | None] = mapped_column(String(120), nullable=True)
    opened_at: Mapped[datetime | None] = aware("opened_at")
    calls: Mapped[int] = mapped_column(Integer, default=0)
