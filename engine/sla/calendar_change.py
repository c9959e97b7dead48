"""Running cases follow their office's working calendar when it changes: a cuti bersama decree added for a
year that had none (their due dates were provisional), an office closure added or moved, a unit's own days.

A case runs on the standard version it started with, and that version holds the office's file as it was
then (engine/cases/frozen.py). The calendar is not part of what the public was promised, though: it is the
days the office is open. So when the office's file (copied into the store by ``Directory.sync_offices``
whenever the library is loaded) has another calendar than a running case's version, the case moves to the
same standard content with the new calendar (a version of its own, frozen once), its history records
``calendar_followed``, and its due date is computed again from its rules (engine/sla/recompute.py), with a
``due_recomputed`` event when it moved. Run by the SLA monitor at each pass and by ``layanan sla recompute``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select, update

from engine.cases.frozen import calendar_part, freeze, with_calendar
from engine.store.audit_writer import append_events
from engine.store.db import Store
from engine.store.models import Case, Office, StandardVersion

from .recompute import Recomputed, recompute


def _digest(part: dict) -> str:
    return hashlib.sha256(json.dumps(part, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass
class Followed:
    moved: list = field(default_factory=list)  # (case id, old version id, new version id)
    recomputed: Recomputed | None = None


def follow_office_calendars(store: Store, at: datetime | None = None, office_id: str | None = None) -> Followed:
    """Move the running cases whose version holds another calendar than their office's current one; then
    compute their due dates again. One transaction for the moves; nothing happens when nothing changed."""
    at = at or datetime.now(timezone.utc)
    found = Followed()
    with store.write() as s:
        offices = {row.id: row.calendar for row in s.scalars(select(Office)) if row.calendar is not None
                   and (office_id is None or row.id == office_id)}
        if not offices:
            return found
        running = s.execute(select(Case.standard_version_id, Case.office_id).where(
            Case.closed_at.is_(None), Case.office_id.in_(list(offices))).distinct()).all()
        targets: dict[int, int] = {}
        for version_id, office in running:
            version = s.get(StandardVersion, version_id)
            current = offices[office]
            if _digest(calendar_part(version.office_document)) == _digest(current):
                continue
            moved_to = freeze(s, version.document, with_calendar(version.office_document, current),
                              kind=version.kind)
            targets[version_id] = moved_to.id
        if not targets:
            return found
        events = []
        for old, new in targets.items():
            ids = s.scalars(select(Case.id).where(Case.standard_version_id == old, Case.closed_at.is_(None))).all()
            s.execute(update(Case).where(Case.id.in_(ids)).values(standard_version_id=new,
                                                                  row_version=Case.row_version + 1))
            for case_id in ids:
                found.moved.append((case_id, old, new))
                events.append({"case_id": case_id, "task_id": None, "kind": "calendar_followed", "actor": "sistem",
                               "actor_id": None, "at": at, "data": {"version_before": old, "version": new}})
        append_events(s, events)
    found.recomputed = recompute(store, office_id, at, reason="kalender kerja kantor berubah (keputusan cuti "
                                                              "bersama atau hari tutup kantor)")
    return found
