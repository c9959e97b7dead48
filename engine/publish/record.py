"""`layanan publish`: record the published versions of standards in the case store. A version number names
one content: changing a published standard without raising its version is refused (nothing is written),
so the document the public read and the workflow that runs can always be matched by version. Cases stay on
the version they started with (engine/cases/frozen.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from engine.errors import Conflict
from engine.cases.frozen import freeze
from engine.store.audit_writer import append_events
from engine.store.models import Event, StandardVersion


@dataclass
class Recorded:
    standard: str
    version: str
    new: bool


def publish(service, standards) -> list[Recorded]:
    """Record every given standard's current content as its version, all or nothing."""
    for std in standards:
        if std.not_stated:
            names = ", ".join(std.not_stated)
            raise Conflict(f"{std.file}: standar {std.id} belum dapat diterbitkan: komponen yang tidak tercantum "
                           f"({names}) harus dilengkapi dulu", "not_stated")
    done = []
    at = datetime.now(timezone.utc)
    with service.store.write() as s:
        for std in standards:
            version = str(std.data.get("version", ""))
            before = {v.digest for v in s.scalars(select(StandardVersion).where(
                StandardVersion.standard_id == std.id, StandardVersion.version == version))}
            published = {e.data.get("digest") for e in s.scalars(select(Event).where(
                Event.kind == "standard_published", Event.case_id.is_(None)))
                if e.data.get("standard") == std.id and e.data.get("version") == version}
            frozen = freeze(s, std.data, std.office.data)
            if published and frozen.digest not in published:
                raise Conflict(f"{std.file}: isi standar {std.id} berubah tetapi versinya tetap {version}; "
                               f"naikkan 'version' (dan 'effective') sebelum menerbitkan", "version")
            is_new = frozen.digest not in published
            if is_new:
                append_events(s, [{"case_id": None, "task_id": None, "at": at, "actor_id": None, "actor": "sistem",
                                   "kind": "standard_published",
                                   "data": {"standard": std.id, "version": version, "digest": frozen.digest,
                                            "effective": str(std.data.get("effective") or ""),
                                            "first_use": frozen.digest not in before}}])
            done.append(Recorded(std.id, version, is_new))
    return done
