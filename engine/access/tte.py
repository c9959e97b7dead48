"""The signer's TTE passphrase: asked at every electronic signature, apart from the sign-in password.

A signature step is approved only with a ``SigningProof``, which only ``verify`` makes: the officer's
passphrase checked against its Argon2id hash, outside any transaction (the caller runs it in a thread).
Five wrong passphrases in 15 minutes lock that officer's signing for 15 minutes; the lock is logged and
recorded in the history (event ``tte_locked``). The passphrase itself is never stored, logged or recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from engine.errors import Forbidden, InvalidInput
from engine.store.audit_writer import append_events
from engine.store.db import Store
from engine.store.models import SigninThrottle, User

from . import passwords
from .sessions import utcnow

log = logging.getLogger("layanan.tte")
MIN_LENGTH = 8
MAX_LENGTH = 256
FAILURES, WINDOW, LOCK = 5, timedelta(minutes=15), timedelta(minutes=15)


@dataclass(frozen=True)
class SigningProof:
    """The officer ``username`` gave the right passphrase at ``at``."""
    username: str
    at: datetime


class SigningLocked(Forbidden):
    pass


def _key(username: str) -> str:
    return f"tte:{username}"


def set_passphrase(store: Store, username: str, passphrase: str) -> None:
    if not isinstance(passphrase, str) or not MIN_LENGTH <= len(passphrase) <= MAX_LENGTH:
        raise InvalidInput(f"frasa sandi TTE {MIN_LENGTH}–{MAX_LENGTH} karakter", "passphrase")
    hashed = passwords.hash_password(passphrase)
    with store.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise InvalidInput(f"pengguna '{username}' tidak dikenal", "username")
        user.passphrase_hash = hashed


def set_passphrase_hash(store: Store, username: str, hashed: str) -> None:
    """For the demo's officers, who share one known passphrase hashed once."""
    with store.write() as s:
        s.execute(update(User).where(User.username == username).values(passphrase_hash=hashed))


def verify(store: Store, username: str, passphrase: str, *, now: datetime | None = None) -> SigningProof:
    """The proof that ``username`` may sign now, or a refusal saying why (nothing else changes)."""
    now = now or utcnow()
    with store.read() as s:
        hashed = s.scalar(select(User.passphrase_hash).where(User.username == username, User.active.is_(True)))
        locked = s.scalar(select(SigninThrottle.locked_until).where(SigninThrottle.key == _key(username)))
    if locked is not None and locked > now:
        raise SigningLocked(f"penandatanganan dikunci sampai {locked.astimezone().strftime('%H.%M')} karena frasa "
                            "sandi salah berulang kali", "passphrase")
    if not hashed:
        raise Forbidden("frasa sandi TTE belum diatur untuk pengguna ini; minta admin mengaturnya", "passphrase")
    if not isinstance(passphrase, str) or not passphrase or len(passphrase) > MAX_LENGTH \
            or not passwords.verify(hashed, passphrase):
        _failed(store, username, now)
        raise InvalidInput("frasa sandi TTE salah", "passphrase")
    with store.write() as s:
        s.execute(update(SigninThrottle).where(SigninThrottle.key == _key(username))
                  .values(failures=0, locked_until=None))
    return SigningProof(username, now)


def _failed(store: Store, username: str, now: datetime) -> None:
    key = _key(username)
    with store.write() as s:
        fresh = SigninThrottle.window_started_at >= now - WINDOW
        changed = s.execute(update(SigninThrottle).where(SigninThrottle.key == key).values(
            failures=case((fresh, SigninThrottle.failures + 1), else_=1),
            window_started_at=case((fresh, SigninThrottle.window_started_at), else_=now))).rowcount
        if not changed:
            try:
                with s.begin_nested():
                    s.add(SigninThrottle(key=key, failures=1, window_started_at=now))
            except IntegrityError:
                s.execute(update(SigninThrottle).where(SigninThrottle.key == key)
                          .values(failures=SigninThrottle.failures + 1))
        failures = s.scalar(select(SigninThrottle.failures).where(SigninThrottle.key == key))
        if failures < FAILURES:
            return
        s.execute(update(SigninThrottle).where(SigninThrottle.key == key)
                  .values(failures=0, window_started_at=now, locked_until=now + LOCK))
        user_id = s.scalar(select(User.id).where(User.username == username))
        append_events(s, [{"case_id": None, "task_id": None, "kind": "tte_locked", "actor": username,
                           "actor_id": user_id, "at": now,
                           "data": {"until": (now + LOCK).isoformat(), "failures": FAILURES}}])
    log.warning("TTE signing locked for an officer after %d wrong passphrases", FAILURES)
