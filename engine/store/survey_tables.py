"""Tables of the satisfaction survey (engine/survey/): one invitation per case, the anonymous responses, and
the office's follow-up plan.

A response keeps no reference to a case or an invitation, and only the day it came: an officer (or anyone
reading the database) cannot tell whose answer it is. The invitation records only that it was used, and on
which day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, aware


class SurveyInvitation(Base):
    """The link (its token) by which the applicant of a case answers the survey once."""
    __tablename__ = "survey_invitations"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    office_id: Mapped[str] = mapped_column(String(80))
    standard_id: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    issued_at: Mapped[datetime] = aware("issued_at", nullable=False)
    used_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class SurveyResponse(Base):
    """One respondent's answers: the nine elements as columns (summed by the database for a report over a
    year of responses), the office's own questions, the profile and the suggestion as JSON."""
    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_period", "office_id", "year", "quarter", "standard_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[str] = mapped_column(String(80))
    standard_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    unit_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    channel: Mapped[str] = mapped_column(String(20))  # daring, kios, kertas, impor
    submitted_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    u1: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u2: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u3: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u4: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u5: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u6: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u7: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u8: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u9: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    extra: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    profile: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    suggestion: Mapped[str | None] = mapped_column(Text, nullable=True)
    entered_by: Mapped[str | None] = mapped_column(String(120), nullable=True)  # the officer typing a paper form


class SurveyFollowUp(Base):
    """The office's follow-up plan (rencana tindak lanjut) for an element of a period's results."""
    __tablename__ = "survey_followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[str] = mapped_column(String(80), index=True)
    period: Mapped[str] = mapped_column(String(10))  # 2026-Q3, 2026-S2, 2026
    element: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # rencana, berjalan, selesai
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = aware("updated_at", nullable=False)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
