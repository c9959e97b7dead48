"""Sealed checkpoints of the audit chains, anchored outside the database.

A checkpoint records the head (length and last hash) of every chain that moved since the checkpoint
before, links to that one's digest, and is sealed with the audit key. It is stored in the database and the
same line is appended to the anchor file (``LAYANAN_AUDIT_ANCHORS``, default ``data/jangkar-audit.jsonl``),
which should live where the database's writers cannot rewrite it: another machine's share, a write-once
folder, or a copy printed or mailed to the inspectorate (``layanan audit checkpoint`` prints the line).
``layanan audit verify`` then refuses a database whose chains were cut below a checkpoint, whose
checkpoints were removed, or which was put back to an older copy than the last anchor line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from engine.store import chain
from engine.store.audit_tables import AuditCheckpoint, ChainHead
from engine.store.db import Store, data_dir
from engine.store.models import Event


def anchors_path() -> Path:
    return Path(os.environ.get("LAYANAN_AUDIT_ANCHORS") or data_dir() / "jangkar-audit.jsonl")


def digest_of(ident: int, at: datetime, last_event_id: int, heads: list, prev_digest: str) -> str:
    import hashlib

    return hashlib.sha256(chain.canonical({"id": ident, "at": at.astimezone(timezone.utc).isoformat(),
                                           "last_event_id": last_event_id, "heads": heads,
                                           "prev": prev_digest})).hexdigest()


def seal_of(digest: str, key: bytes | None) -> str:
    return chain.seal("titik-periksa", 0, digest, key)


def anchor_line(point: AuditCheckpoint, database: str, first_event: str | None) -> str:
    """The checkpoint's line in the anchor file. ``database`` names the database it belongs to: the digest
    of that database's first checkpoint (one anchor file may serve several databases, or outlive one);
    ``first_event``, the hash of its first event, recognises it even after its checkpoints were removed."""
    return json.dumps({"database": database, "first_event": first_event, "id": point.id, "at": point.at.astimezone(timezone.utc).isoformat(),
                       "last_event_id": point.last_event_id, "digest": point.digest, "seal": point.seal},
                      sort_keys=True)


def _identity(s, point: AuditCheckpoint | None = None) -> str | None:
    first = s.get(AuditCheckpoint, 1)
    return first.digest if first is not None else (point.digest if point is not None and point.id == 1 else None)


def first_event_hash(s) -> str | None:
    return s.scalar(select(Event.hash).order_by(Event.id).limit(1))


def _anchor_lines(anchors: Path):
    """(line number, parsed line or None when unreadable) of the anchor file."""
    if not anchors.exists():
        return
    for number, line in enumerate(anchors.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            anchor = json.loads(line)
            yield number, (anchor if isinstance(anchor, dict) else None)
        except ValueError:
            yield number, None


@dataclass
class Made:
    checkpoint: AuditCheckpoint | None
    line: str | None
    heads: int


def make_checkpoint(store: Store, *, at: datetime | None = None, anchors: Path | None = None,
                    key: bytes | None = None) -> Made:
    """Seal the heads of every chain that moved since the last checkpoint (nothing when none moved), then
    append its line to the anchor file. A line missed because a process died between the two is appended
    by the next checkpoint."""
    key = key if key is not None else chain.audit_key()
    at = at or datetime.now(timezone.utc)
    anchors = anchors or anchors_path()
    with store.write() as s:
        last = s.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1).with_for_update())
        _catch_up_anchors(s, anchors)
        since = last.last_event_id if last is not None else 0
        newest = s.scalar(select(func.max(Event.id))) or 0
        if newest <= since:
            return Made(None, None, 0)
        moved = s.execute(select(Event.case_id, func.max(Event.seq)).where(Event.id > since, Event.id <= newest,
                                                                           Event.seq.is_not(None))
                          .group_by(Event.case_id)).all()
        heads = []
        for case_id, seq in sorted(moved, key=lambda r: (r[0] is not None, r[0] or 0)):
            same_chain = Event.case_id == case_id if case_id is not None else Event.case_id.is_(None)
            heads.append([case_id, seq, s.scalar(select(Event.hash).where(same_chain, Event.seq == seq))])
        ident = (last.id + 1) if last is not None else 1
        prev = last.digest if last is not None else chain.GENESIS
        digest = digest_of(ident, at, newest, heads, prev)
        point = AuditCheckpoint(id=ident, at=at, last_event_id=newest, heads=heads, prev_digest=prev,
                                digest=digest, seal=seal_of(digest, key))
        s.add(point)
        s.flush()
        line = anchor_line(point, _identity(s, point), first_event_hash(s))
    _append(anchors, [line])
    return Made(point, line, len(heads))


def _append(anchors: Path, lines: list[str]) -> None:
    anchors.parent.mkdir(parents=True, exist_ok=True)
    with open(anchors, "a", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in lines))
        out.flush()
        os.fsync(out.fileno())


def _catch_up_anchors(s, anchors: Path) -> None:
    """Append the lines of this database's committed checkpoints newer than its last line in the file."""
    database = _identity(s)
    if database is None:
        return
    last = 0
    for _number, anchor in _anchor_lines(anchors):
        try:
            if anchor["database"] == database:
                last = max(last, int(anchor["id"]))
        except (KeyError, TypeError, ValueError):
            continue
    missed = s.scalars(select(AuditCheckpoint).where(AuditCheckpoint.id > last).order_by(AuditCheckpoint.id)).all()
    if missed:
        first = first_event_hash(s)
        _append(anchors, [anchor_line(point, database, first) for point in missed])


@dataclass
class Expectations:
    """What the checkpoints say the chains held: {case id or None: (length, last hash)} at the newest
    checkpoint that names each chain, and the problem found in the checkpoints themselves, if any."""
    heads: dict
    problem: str | None
    count: int
    other_databases: int = 0  # anchor lines of other databases (ignored; noted when this one has none)


def check_checkpoints(s, key: bytes | None, anchors: Path) -> Expectations:
    heads: dict = {}
    previous, count = chain.GENESIS, 0
    stored = {}
    for point in s.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        count += 1
        stored[point.id] = point
        if point.prev_digest != previous or point.id != count:
            return Expectations(heads, f"titik periksa #{point.id} tidak menyambung dengan sebelumnya: ada titik "
                                       f"periksa yang dihapus", count)
        if digest_of(point.id, point.at, point.last_event_id, point.heads, point.prev_digest) != point.digest \
                or seal_of(point.digest, key) != point.seal:
            return Expectations(heads, f"titik periksa #{point.id} diubah (segelnya tidak cocok"
                                       + ("" if key else "; atau kunci audit LAYANAN_AUDIT_KEY berbeda") + ")", count)
        for case_id, seq, digest in point.heads:
            heads[case_id] = (seq, digest)
        previous = point.digest
    problem, others = _check_anchors(stored, key, anchors, first_event_hash(s))
    return Expectations(heads, problem, count, others)


def _check_anchors(stored: dict, key: bytes | None, anchors: Path,
                   first_event: str | None) -> tuple[str | None, int]:
    """The problem the anchor file shows for this database, and how many lines of other databases it has."""
    if not anchors.exists():
        return (f"berkas jangkar {anchors} tidak ditemukan, padahal ada {len(stored)} titik periksa"
                if stored else None), 0
    database = stored[1].digest if 1 in stored else None
    seen, others = set(), 0
    for number, anchor in _anchor_lines(anchors):
        try:
            ident, digest, seal = int(anchor["id"]), anchor["digest"], anchor["seal"]
            owner = anchor.get("database")
        except (KeyError, TypeError, ValueError, AttributeError):
            return f"{anchors}:{number}: baris jangkar rusak", others
        if seal_of(digest, key) != seal:
            return f"{anchors}:{number}: segel jangkar #{ident} tidak cocok", others
        if database is None and first_event is not None and anchor.get("first_event") == first_event:
            return (f"{anchors}:{number}: titik periksa #{ident} basis data ini tercatat di berkas jangkar, tetapi "
                    f"basis data tidak lagi memiliki titik periksa: semuanya dihapus"), others
        if owner != database or database is None:
            others += 1
            continue
        point = stored.get(ident)
        if point is None or point.digest != digest:
            return (f"titik periksa #{ident} tercatat di berkas jangkar tetapi tidak ada (atau lain) di basis data: "
                    f"basis data dipotong atau dikembalikan ke salinan lama"), others
        seen.add(ident)
    missing = sorted(set(stored) - seen)
    if missing:
        return (f"titik periksa #{missing[0]} tidak ada di berkas jangkar {anchors}: berkas jangkar dipotong atau "
                f"diganti"), others
    return None, others


def system_head(s):
    return s.get(ChainHead, chain.SYSTEM_CHAIN)
