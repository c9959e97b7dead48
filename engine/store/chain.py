"""The hash chains over the event log (pure functions; the one writer is engine/store/audit_writer.py).

Every case has a chain of its own: each of its events' hash covers the event's content and the previous
event's hash in that case, so changing, inserting or removing an event breaks the chain from there on.
Events that belong to no case (a refused sign-in, a published standard) form the system chain. With one
chain per case, writers of different cases never wait for each other (a single head row serialised every
writer of the database before).

The chain's head, kept in the case row (the system chain's in ``audit_heads``), names the last event and
how many there are, sealed with the audit key: removing the last events and moving the head back would
need the key to seal the earlier head again. Periodic checkpoints (engine/audit/checkpoints.py), written
to a file outside the database as well, seal every head at a moment, so that even someone holding the key,
or an old copy of the database, cannot cut a chain below its last checkpoint unnoticed.

With an audit key (``LAYANAN_AUDIT_KEY``) every hash and seal is an HMAC-SHA256; without one, plain
SHA-256 (anyone who can write to the database could then recompute a consistent chain; only the anchored
checkpoints would show it).

Events written before these chains (migration 0011) keep the single chain they were written in, in the
order of their ids, with its head in ``audit_head``; ``layanan audit verify`` still checks it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime, timezone

GENESIS = "0" * 64
SYSTEM_CHAIN = "sistem"  # the chain of the events that belong to no case


def audit_key() -> bytes | None:
    key = os.environ.get("LAYANAN_AUDIT_KEY")
    return key.encode() if key else None


# json.dumps with these options would build a new encoder at every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode
_LAST_MOMENT = [(None, None)]  # the events of one step share their moment: its text is kept


def _moment(at: datetime) -> str:
    seen, text = _LAST_MOMENT[0]
    if seen is at:
        return text
    aware = at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
    text = aware.astimezone(timezone.utc).isoformat(timespec="microseconds")
    _LAST_MOMENT[0] = (at, text)  # one assignment: safe to share between threads
    return text


def canonical(value) -> bytes:
    """Compact JSON with sorted keys: the one form hashed (events, checkpoints, task data)."""
    return _CANONICAL(value).encode()


def payload(case_id, task_id, at: datetime, actor_id, actor, kind, data) -> bytes:
    """The event's content in one canonical form (the same before insertion and after reading back):
    the compact JSON array of its fields, keys sorted, time in UTC with microseconds."""
    return _CANONICAL([case_id, task_id, _moment(at), actor_id, actor, kind, data or {}]).encode()


def _digest(message: bytes, key: bytes | None) -> str:
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def link(previous: str, content: bytes, key: bytes | None = None) -> str:
    return _digest(previous.encode() + b"\n" + content, key)


def chain_name(case_id: int | None) -> str:
    return SYSTEM_CHAIN if case_id is None else f"kasus:{case_id}"


def seal(chain: str, seq: int, last: str, key: bytes | None = None) -> str:
    """The seal of a chain's head: its name, its length and its last hash."""
    return _digest(f"kepala\n{chain}\n{seq}\n{last}".encode(), key)


def data_digest(data) -> str:
    """SHA-256 of a step's form data (recorded with its completion; the data itself stays in the task)."""
    return hashlib.sha256(canonical(data or {})).hexdigest()
