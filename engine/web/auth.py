"""Passwords (Argon2id via argon2-cffi), server-side sessions and CSRF tokens for the web application."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from engine.store.db import Store
from engine.store.models import User, WebSession

SESSION_HOURS = 10  # one working day; an officer signs in again the next morning
_HASHER = PasswordHasher()
# Verifying against this keeps a wrong username as slow as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash("layanan-dummy-password")

MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_problem(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD:
        return f"kata sandi minimal {MIN_PASSWORD} karakter"
    return None


@dataclass(frozen=True)
class Officer:
    id: int
    username: str
    full_name: str
    office_id: str
    roles: frozenset[str]
    is_admin: bool
    is_auditor: bool
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, store: Store):
        self.store = store

    def login(self, username: str, password: str) -> tuple[str, Officer] | None:
        """A new session token for valid credentials of an active user, else None."""
        now = datetime.now(timezone.utc)
        with self.store.write() as s:
            user = s.scalar(select(User).where(User.username == (username or "").strip()))
            stored = user.password_hash if user is not None and user.active and user.password_hash else None
            try:
                _HASHER.verify(stored or _DUMMY_HASH, password or "")
            except (VerificationError, InvalidHashError):
                return None
            if stored is None:
                return None
            if _HASHER.check_needs_rehash(stored):
                user.password_hash = hash_password(password)
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            s.add(WebSession(token_hash=_digest(token), user_id=user.id, csrf_token=csrf, created_at=now,
                             last_seen_at=now, expires_at=now + timedelta(hours=SESSION_HOURS)))
            s.execute(delete(WebSession).where(WebSession.expires_at < now))
            return token, _officer(user, csrf)

    def lookup(self, token: str | None) -> Officer | None:
        if not token:
            return None
        now = datetime.now(timezone.utc)
        with self.store.read() as s:
            row = s.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
            if row is None or row.expires_at < now:
                return None
            user = s.scalars(select(User).options(joinedload(User.roles)).where(User.id == row.user_id)) \
                .unique().first()
            if user is None or not user.active:
                return None
            return _officer(user, row.csrf_token)

    def logout(self, token: str | None) -> None:
        if token:
            with self.store.write() as s:
                s.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def _officer(user: User, csrf: str) -> Officer:
    return Officer(user.id, user.username, user.full_name, user.office_id, frozenset(user.role_ids),
                   bool(user.is_admin), bool(user.is_auditor), csrf)


def csrf_ok(officer: Officer, submitted: str | None) -> bool:
    return bool(submitted) and secrets.compare_digest(officer.csrf, submitted)
