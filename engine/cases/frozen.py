"""Standards as cases run them: frozen copies in the case store, so that editing or deleting a YAML file
never changes or breaks a case that started on it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from engine.calendar import WorkingCalendar
from engine.standard.model import Office, Standard
from engine.store.models import StandardVersion
from engine.store.prepared import Prepared


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


class FrozenVersion:
    """A stored standard version as the engine reads it (immutable once stored, so cacheable)."""

    __slots__ = ("id", "standard_id", "version", "kind", "digest", "document", "office_document")

    def __init__(self, row):
        for name in self.__slots__:
            setattr(self, name, getattr(row, name) if not isinstance(row, dict) else row[name])


VERSION_COLUMNS = [getattr(StandardVersion, name) for name in FrozenVersion.__slots__]
_READ_VERSION = Prepared(select(*VERSION_COLUMNS).where(StandardVersion.id == bindparam("id")))


def stored_version(conn, version_id: int, cache: dict) -> FrozenVersion:
    """A committed standard version by id, read once into ``cache`` (id -> FrozenVersion; the store keeps
    one): a stored version never changes."""
    found = cache.get(version_id)
    if found is None:
        row = _READ_VERSION.first(conn, id=version_id)
        found = cache[version_id] = FrozenVersion(dict(zip(FrozenVersion.__slots__, row)))
    return found


def freeze(conn, document: dict, office_document: dict, kind: str = "standard",
           cache: dict | None = None) -> FrozenVersion:
    """The stored version of this document, created on first use; identical content is stored once.
    ``conn`` is a Connection or a Session; ``cache`` ((standard id, digest) -> version) holds versions read back from the
    store (never one inserted by a transaction that could still roll back)."""
    digest, document, office_document = _digested(document, office_document)
    found = cache.get((document["id"], digest)) if cache is not None else None
    if found is not None:
        return found
    row = conn.execute(select(*VERSION_COLUMNS).where(StandardVersion.standard_id == document["id"],
                                                      StandardVersion.digest == digest)).first()
    if row is not None:
        found = FrozenVersion(row)
        if cache is not None:
            cache[(document["id"], digest)] = found
        return found
    values = {"standard_id": document["id"], "version": str(document.get("version", "")), "kind": kind,
              "digest": digest, "document": document, "office_document": office_document}
    try:
        # In a savepoint: two processes opening the first case of a new version at the same instant both
        # insert it; the second is refused by the unique (standard, digest) and reads the first's row.
        with conn.begin_nested():
            result = conn.execute(StandardVersion.__table__.insert(),
                                  dict(values, loaded_at=datetime.now(timezone.utc)))
    except IntegrityError:
        row = conn.execute(select(*VERSION_COLUMNS).where(StandardVersion.standard_id == document["id"],
                                                          StandardVersion.digest == digest)).first()
        return FrozenVersion(row)
    return FrozenVersion(dict(values, id=result.inserted_primary_key[0]))


def calendar_part(office_document: dict) -> dict:
    """What of an office's file makes its working calendar: its ``calendar`` and each unit's."""
    units = [{"id": u.get("id"), "calendar": u.get("calendar")} for u in office_document.get("units") or []
             if isinstance(u, dict) and u.get("calendar")]
    return {"calendar": office_document.get("calendar") or {}, "units": units}


def with_calendar(office_document: dict, part: dict) -> dict:
    """The office's document with another working calendar (the units' calendars replaced by id)."""
    units = {u["id"]: u.get("calendar") for u in part.get("units") or []}
    patched = dict(office_document, calendar=part.get("calendar") or {})
    if not patched["calendar"]:
        patched.pop("calendar")
    if office_document.get("units"):
        patched["units"] = [dict({k: v for k, v in u.items() if k != "calendar"},
                                 **({"calendar": units[u.get("id")]} if units.get(u.get("id")) else {}))
                            for u in office_document["units"]]
    return patched


_THAWED: dict[str, Standard] = {}
_CALENDARS: dict[tuple[str, str | None], WorkingCalendar] = {}


def thaw(version) -> Standard:
    """The read-only standard view of a stored version (a StandardVersion row or a FrozenVersion; cached by
    digest: versions never change)."""
    found = _THAWED.get(version.digest)
    if found is None:
        found = Standard(version.document, Office(version.office_document, file=""), file="")
        _THAWED[version.digest] = found
    return found


def role_calendar(version, unit: str | None, role: str | None) -> WorkingCalendar:
    """The working calendar of a role's steps: a partner agency's own (its role's ``calendar``), else the
    office's (or its unit's)."""
    office = version.office_document
    own = next((r.get("calendar") for r in office.get("roles") or [] if r.get("id") == role), None)
    if not own:
        return calendar_for(version, unit)
    key = (version.digest, f"role:{role}")
    found = _CALENDARS.get(key)
    if found is None:
        found = WorkingCalendar.from_office({**office, "calendar": own, "units": []}, None)
        _CALENDARS[key] = found
    return found


def calendar_for(version, unit: str | None) -> WorkingCalendar:
    key = (version.digest, unit)  # the digest covers the office document too
    found = _CALENDARS.get(key)
    if found is None:
        found = WorkingCalendar.from_office(version.office_document, unit)
        _CALENDARS[key] = found
    return found
