"""Tables of the satisfaction survey (engine/survey/): one invitation per case, the anonymous responses, and
the office's follow-up plan.

A response keeps no reference to a case or an invitation, and only the day it came: an officer (or anyone
reading the database) cannot tell whose answer it is. The invitation records only that it was used, and on
which day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, text
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
    """One respondent's answers: the nine elements as columns, every one answered (every channel asks all
    nine), summed by the database from a covering index for a report over a year of responses; the profile
    as columns; the office's own questions as JSON; the suggestion as text."""
    __tablename__ = "survey_responses"
    # Covering: a report sums the nine scores and counts channels and profiles of a year's or a quarter's
    # responses from this index alone (bench/survey.py); suggestions are read from their own partial index.
    __table_args__ = (Index("ix_survey_responses_period", "office_id", "year", "quarter", "standard_id", "channel",
                            "sex", "education", "occupation", "age", *[f"u{n}" for n in range(1, 10)]),
                      Index("ix_survey_responses_suggestions", "office_id", "year", "quarter", "id",
                            sqlite_where=text("suggestion IS NOT NULL"), postgresql_where=text("suggestion IS NOT NULL")))
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[str] = mapped_column(String(80))
    standard_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    unit_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    channel: Mapped[str] = mapped_column(String(20))  # daring, kios, kertas, impor
    submitted_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    extra: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # The respondent's profile, each optional (PermenPAN-RB 14/2017: age, sex, education, occupation).
    age: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    education: Mapped[str | None] = mapped_column(String(10), nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(12), nullable=True)
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
