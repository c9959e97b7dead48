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


def payload(case_id, task_id, at: datetime, actor_id, actor, kind, data) -> bytes:
    """The event's content in one canonical form (the same before insertion and after reading back)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return json.dumps([case_id, task_id, at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
                       actor_id, actor, kind, data or {}], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str).encode()


def link(previous: str, content: bytes, key: bytes | None = None) -> str:
    message = previous.encode() + b"\n" + content
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()
