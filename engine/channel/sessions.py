"""Citizens' sessions: the browser (or app) holds a random token, the store its SHA-256; apart from the
officers' sessions, so a citizen's token never opens an officer's page or API, nor the other way round."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from engine.store.db import Store
from engine.store.models import CitizenSession

SESSION_DAYS = 7
IDLE_HOURS = 24


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(store: Store, account_id: int, at: datetime) -> tuple[str, str]:
    """(token, csrf) of a new session."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with store.write() as s:
        s.execute(delete(CitizenSession).where(CitizenSession.expires_at < at))
        s.add(CitizenSession(token_hash=_digest(token), account_id=account_id, csrf_token=csrf, created_at=at,
                             last_seen_at=at, expires_at=at + timedelta(days=SESSION_DAYS)))
    return token, csrf


def lookup(store: Store, token: str | None, at: datetime) -> tuple[int, str] | None:
    """(account id, csrf) of a live session."""
    if not token or len(token) > 100:
        return None
    with store.read() as s:
        row = s.scalar(select(CitizenSession).where(CitizenSession.token_hash == _digest(token)))
        if row is None or row.expires_at <= at or row.last_seen_at <= at - timedelta(hours=IDLE_HOURS):
            return None
        stale = row.last_seen_at <= at - timedelta(minutes=5)
        found = (row.account_id, row.csrf_token)
    if stale:
        with store.write() as s:
            row = s.get(CitizenSession, _digest(token))
            if row is not None:
                row.last_seen_at = at
    return found


def end(store: Store, token: str | None) -> None:
    if token:
        with store.write() as s:
            s.execute(delete(CitizenSession).where(CitizenSession.token_hash == _digest(token)))


def end_all(session, account_id: int) -> None:
    session.execute(delete(CitizenSession).where(CitizenSession.account_id == account_id))
