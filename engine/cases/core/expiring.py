"""The standard's waiting limit for a correction, pure: a case returned to its applicant that is not
corrected within ``correction.within`` working days of the return is closed as the standard says
(``correction.reason``; rejected). Read by engine/cases/expiring.py, which the SLA monitor runs."""

from __future__ import annotations

from datetime import date

DEFAULT_REASON = "Permohonan tidak diperbaiki pemohon dalam {days} hari kerja sejak dikembalikan"


def deadline(standard_doc: dict, returned_on: date, calendar) -> date | None:
    """The last day the applicant may correct a case returned on ``returned_on``; None without a limit."""
    settings = standard_doc.get("correction") or {}
    days = (settings.get("within") or {}).get("working_days")
    if not days:
        return None
    return calendar.add_working_days(returned_on, days)


def expired(standard_doc: dict, returned_on: date, today: date, calendar) -> bool:
    last = deadline(standard_doc, returned_on, calendar)
    return last is not None and today > last


def reason(standard_doc: dict) -> str:
    settings = standard_doc.get("correction") or {}
    days = (settings.get("within") or {}).get("working_days")
    return settings.get("reason") or DEFAULT_REASON.format(days=days)
