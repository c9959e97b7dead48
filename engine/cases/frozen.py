"""Standards as cases run them: frozen copies in the case store, so that editing or deleting a YAML file
never changes or breaks a case that started on it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.spec.model import Office, Standard
from engine.store.models import StandardVersion


def _plain(data) -> dict:
    """JSON-safe copy (dates become ISO strings, as the calendar and the documents expect)."""
    return json.loads(json.dumps(data, default=str, sort_keys=True))


_DIGESTS: dict[tuple[int, int], tuple] = {}


def _digested(document: dict, office_document: dict) -> tuple[str, dict, dict]:
    """Plain copies and their digest, computed once per loaded document (the library's dicts are never
    changed after loading; the originals are kept so their ids cannot be reused)."""
    key = (id(document), id(office_document))
    found = _DIGESTS.get(key)
    if found is None or found[0] is not document or found[1] is not office_document:
        plain, plain_office = _plain(document), _plain(office_document)
        digest = hashlib.sha256(json.dumps([plain, plain_office], sort_keys=True).encode()).hexdigest()
        found = _DIGESTS[key] = (document, office_document, digest, plain, plain_office)
    return found[2], found[3], found[4]


def freeze(session: Session, document: dict, office_document: dict, kind: str = "standard") -> StandardVersion:
    """The stored version of this document, created on first use; identical content is stored once."""
    digest, document, office_document = _digested(document, office_document)
    found = session.scalar(select(StandardVersion).where(StandardVersion.standard_id == document["id"],
                                                         StandardVersion.digest == digest))
    if found:
        return found
    version = StandardVersion(standard_id=document["id"], version=str(document.get("version", "")), kind=kind,
                              digest=digest, document=document, office_document=office_document,
                              loaded_at=datetime.now(timezone.utc))
    session.add(version)
    session.flush()
    return version


_THAWED: dict[str, Standard] = {}
_CALENDARS: dict[tuple[str, str | None], WorkingCalendar] = {}


def thaw(version: StandardVersion) -> Standard:
    """The read-only standard view of a stored version (cached by digest: versions never change)."""
    found = _THAWED.get(version.digest)
    if found is None:
        found = Standard(version.document, Office(version.office_document, file=""), file="")
        _THAWED[version.digest] = found
    return found


def calendar_for(version: StandardVersion, unit: str | None) -> WorkingCalendar:
    key = (version.digest, unit)  # the digest covers the office document too
    found = _CALENDARS.get(key)
    if found is None:
        found = WorkingCalendar.from_office(version.office_document, unit)
        _CALENDARS[key] = found
    return found
