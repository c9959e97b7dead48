"""The hash chain over the event log: each event's hash covers its own content and the previous event's
hash, so changing, inserting or removing a row breaks the chain from that row on. With an audit key
(``LAYANAN_AUDIT_KEY``) the hash is an HMAC: someone who can write to the database but does not hold the
key cannot recompute a consistent chain after tampering."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime, timezone

GENESIS = "0" * 64


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


def payload(case_id, task_id, at: datetime, actor_id, actor, kind, data) -> bytes:
    """The event's content in one canonical form (the same before insertion and after reading back):
    the compact JSON array of its fields, keys sorted, time in UTC with microseconds."""
    return _CANONICAL([case_id, task_id, _moment(at), actor_id, actor, kind, data or {}]).encode()


def link(previous: str, content: bytes, key: bytes | None = None) -> str:
    message = previous.encode() + b"\n" + content
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()
