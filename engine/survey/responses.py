"""Recording responses. The applicant's link carries a token of their case's invitation, good for one
response once the case is closed; the kiosk, a typed paper form and an imported spreadsheet record a
response for the office (and a service). A response keeps no case and only its day (anonymous)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict, InvalidInput, NotFound
from engine.skm.answers import Answers
from engine.cases.core.state import CLOSED_STATUSES
from engine.skm.periods import quarter_of
from engine.skm.sheet import Response
from engine.store.db import Store
from engine.store.models import Case, SurveyInvitation, SurveyResponse

CHANNELS = {"daring": "tautan pemohon", "kios": "kios di loket", "kertas": "formulir kertas",
            "impor": "impor lembar kerja"}


@dataclass(frozen=True)
class Invitation:
    token: str
    case_id: int
    office_id: str
    standard_id: str
    unit_id: str | None
    used_on: date | None
    case_closed: bool


def invitation_for(store: Store, case_id: int, at: datetime) -> str:
    """The token of the case's invitation, made on first need (a receipt, the case or status page)."""
    with store.read() as s:
        found = s.scalar(select(SurveyInvitation.token).where(SurveyInvitation.case_id == case_id))
        if found:
            return found
        case = s.get(Case, case_id)
        if case is None:
            raise NotFound("kasus tidak ditemukan", "case")
        values = {"case_id": case_id, "token": secrets.token_urlsafe(16), "office_id": case.office_id,
                  "standard_id": case.standard_id, "unit_id": case.unit_id, "issued_at": at}
    try:
        with store.write() as s:
            s.execute(insert(SurveyInvitation), values)
    except IntegrityError:  # another request made it at the same moment: theirs stands
        pass
    with store.read() as s:
        return s.scalar(select(SurveyInvitation.token).where(SurveyInvitation.case_id == case_id))


def invitation(store: Store, token: str) -> Invitation | None:
    if not token or len(token) > 40:
        return None
    with store.read() as s:
        row = s.execute(select(SurveyInvitation, Case.status).join(Case, Case.id == SurveyInvitation.case_id)
                        .where(SurveyInvitation.token == token)).first()
    if row is None:
        return None
    inv, status = row
    return Invitation(inv.token, inv.case_id, inv.office_id, inv.standard_id, inv.unit_id, inv.used_on,
                      status in CLOSED_STATUSES)


def _row(office_id: str, standard_id: str | None, unit_id: str | None, channel: str, day: date, scores: dict,
         extra: dict | None, profile: dict | None, suggestion: str | None, entered_by: str | None) -> dict:
    row = {"office_id": office_id, "standard_id": standard_id, "unit_id": unit_id, "channel": channel,
           "submitted_on": day, "year": day.year, "quarter": quarter_of(day), "extra": extra or None,
           "suggestion": suggestion or None, "entered_by": entered_by}
    row.update({key: (profile or {}).get(key) for key in ("age", "sex", "education", "occupation")})
    row.update({f"u{n}": scores[f"U{n}"] for n in range(1, 10)})  # every channel asks all nine
    return row


def answer_invitation(store: Store, token: str, answers: Answers, day: date) -> None:
    """The applicant's response through their link: once, and only once the case is closed."""
    found = invitation(store, token)
    if found is None:
        raise NotFound("tautan survei tidak dikenal; periksa tautan pada tanda terima Anda", "token")
    if not found.case_closed:
        raise InvalidInput("survei dapat diisi setelah layanan Anda selesai", "token")
    with store.write() as s:
        claimed = s.execute(update(SurveyInvitation).where(SurveyInvitation.token == token,
                                                           SurveyInvitation.used_on.is_(None))
                            .values(used_on=day)).rowcount
        if claimed != 1:
            raise Conflict("survei untuk permohonan ini sudah diisi; terima kasih", "token")
        s.execute(insert(SurveyResponse), _row(found.office_id, found.standard_id, found.unit_id, "daring", day,
                                               answers.scores, answers.extra, answers.profile, answers.suggestion,
                                               None))


def record(store: Store, office_id: str, standard_id: str | None, unit_id: str | None, channel: str,
           answers: Answers, day: date, entered_by: str | None = None) -> None:
    """A response from the kiosk or a typed paper form."""
    if channel not in ("kios", "kertas"):
        raise InvalidInput("kanal survei tidak dikenal", "channel")
    with store.write() as s:
        s.execute(insert(SurveyResponse), _row(office_id, standard_id, unit_id, channel, day, answers.scores,
                                               answers.extra, answers.profile, answers.suggestion, entered_by))


def import_responses(store: Store, office_id: str, standard_id: str | None, unit_id: str | None,
                     responses: list[Response], day: date, entered_by: str) -> int:
    """Responses read from a spreadsheet (engine/skm/sheet.py), all in one transaction."""
    rows = [_row(office_id, standard_id, unit_id, "impor", day, r.scores, None, r.profile, r.suggestion,
                 entered_by) for r in responses]
    with store.write() as s:
        for chunk in range(0, len(rows), 5000):
            s.execute(insert(SurveyResponse), rows[chunk:chunk + 5000])
    return len(rows)
