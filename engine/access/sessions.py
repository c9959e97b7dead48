"""Officers' sessions in the case store: the browser holds a random token, the store only its SHA-256 (a
copy of the database lets nobody sign in). A session ends at logout, after SESSION_HOURS, after
IDLE_MINUTES without a request, and whenever the officer's password, roles or standing change
(``end_sessions_of``, called in the same transaction as the change)."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from engine.store.db import Store
from engine.store.models import User, WebSession

from .policy import Actor

SESSION_HOURS = 10  # one working day; an officer signs in again the next morning
IDLE_MINUTES = int(os.environ.get("LAYANAN_SESSION_IDLE_MINUTES", "60"))
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often per session


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Officer:
    """A signed-in user as the pages and the API see them."""
    id: int
    username: str
    full_name: str
    office_id: str
    roles: frozenset[str]
    is_admin: bool
    is_auditor: bool
    csrf: str

    @property
    def actor(self) -> Actor:
        """The officer as engine.access.policy sees them."""
        return Actor(self.username, self.office_id, self.roles, self.is_admin, self.is_auditor, id=self.id)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def officer_of(user: User, csrf: str) -> Officer:
    return Officer(user.id, user.username, user.full_name, user.office_id, frozenset(user.role_ids),
                   bool(user.is_admin), bool(user.is_auditor), csrf)


def end_sessions_of(session, user_id: int) -> None:
    """Sign the user out everywhere (within the caller's transaction)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


class Sessions:
    def __init__(self, store: Store, clock=utcnow, idle_minutes: int = IDLE_MINUTES):
        self.store = store
        self.clock = clock
        self.idle = timedelta(minutes=idle_minutes)

    def create(self, session, user: User) -> tuple[str, Officer]:
        """A new session for ``user`` in the caller's write transaction: (token, officer)."""
        now = self.clock()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(WebSession(token_hash=digest(token), user_id=user.id, csrf_token=csrf, created_at=now,
                               last_seen_at=now, expires_at=now + timedelta(hours=SESSION_HOURS)))
        session.execute(delete(WebSession).where((WebSession.expires_at < now)
                                                 | (WebSession.last_seen_at < now - self.idle)))
        return token, officer_of(user, csrf)

    def lookup(self, token: str | None) -> Officer | None:
        if not token:
            return None
        now = self.clock()
        hashed = digest(token)
        with self.store.read() as s:
            row = s.scalar(select(WebSession).where(WebSession.token_hash == hashed))
            if row is None or row.expires_at < now or row.last_seen_at < now - self.idle:
                return None
            user = s.scalars(select(User).options(joinedload(User.roles)).where(User.id == row.user_id)) \
                .unique().first()
            if user is None or not user.active:
                return None
            found, seen = officer_of(user, row.csrf_token), row.last_seen_at
        if now - seen >= TOUCH_EVERY:
            with self.store.write() as s:
                s.execute(update(WebSession).where(WebSession.token_hash == hashed).values(last_seen_at=now))
        return found

    def end(self, token: str | None) -> None:
        if token:
            with self.store.write() as s:
                s.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))
