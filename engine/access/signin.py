"""Officers' sign-in, throttled so that password guessing neither succeeds nor stalls the office.

Failed sign-ins are counted per address and per account name in a window. Past the limit the key is locked
for a while: further attempts are refused at once, before any password is hashed, with no write. A lockout
never lasts forever and never shuts out an officer's own browser: a browser in which the officer signed in
before holds a device token (engine.store.access_tables.TrustedDevice), and its attempts count against
that device alone, not against the account or the address (the "device cookie" scheme of OWASP's
guidance on slowing online guessing). An attacker can lock an account only for browsers it was never
used in, for LOCK minutes at a time.

Argon2 runs outside any transaction, in the caller's thread (pages call this from a worker thread, never
on the event loop), and one hash at a time per process, so a flood of guesses leaves the other cores to
the officers' work. Every lockout is logged and recorded in the history (event ``signin_locked``).
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError

from engine.store.db import Store
from engine.store.audit_writer import append_events
from engine.store.models import SigninThrottle, TrustedDevice, User

from . import passwords
from .sessions import Officer, Sessions, digest, utcnow

log = logging.getLogger("layanan.auth")
MAX_USERNAME = 80
DEVICES_KEPT = 20  # per officer: the most recently used browsers stay trusted
_HASHING = threading.BoundedSemaphore(1)


@dataclass(frozen=True)
class Limits:
    per_address: int = 10
    per_account: int = 5
    per_device: int = 5
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)
    # How long a refused attempt waits before it is answered (seconds; the web layer waits without holding a
    # thread or the event loop). A guessing loop then gets a handful of answers a second instead of hundreds,
    # each costing the server next to nothing.
    wrong_delay: float = 0.5
    locked_delay: float = 2.0


@dataclass(frozen=True)
class Attempt:
    """What a sign-in attempt came to: a session (token, officer, the device token to keep in the
    browser) or a refusal (an Indonesian message; status 401 or 429; seconds until it may be tried)."""
    officer: Officer | None = None
    token: str | None = None
    device_token: str | None = None
    refused: str | None = None
    status: int = 200
    retry_after: int = 0


WRONG = "Nama pengguna atau kata sandi salah."


class SignIn:
    def __init__(self, store: Store, sessions: Sessions, limits: Limits = Limits(), clock=utcnow):
        self.store = store
        self.sessions = sessions
        self.limits = limits
        self.clock = clock
        self.hashes = 0  # passwords verified by this process (the tests read it)
        self._locked_addresses: dict[str, datetime] = {}  # this process's view: refused before any query

    def delay(self, attempt: Attempt) -> float:
        """Seconds to wait before answering a refused attempt."""
        if not attempt.refused:
            return 0.0
        return self.limits.locked_delay if attempt.status == 429 else self.limits.wrong_delay

    def attempt(self, username: str, password: str, *, address: str, device: str | None = None) -> Attempt:
        now = self.clock()
        name = (username or "").strip()[:MAX_USERNAME]
        keys = (f"addr:{address}"[:160], f"user:{name.lower()}"[:160])
        known_lock = self._locked_addresses.get(keys[0])
        if not device and known_lock is not None and known_lock > now:
            return self._locked(known_lock, now, "alamat ini")  # a flood's attempts cost no query
        with self.store.read() as s:
            user = s.scalar(select(User).where(User.username == name))
            stored = user.password_hash if user is not None and user.active else None
            trusted = self._device(s, device, user)
            locks = {row.key: row.locked_until for row in s.scalars(
                select(SigninThrottle).where(SigninThrottle.key.in_(keys)))}
        if trusted is not None:
            if trusted.locked_until is not None and trusted.locked_until > now:
                return self._locked(trusted.locked_until, now, "perangkat ini")
        else:
            for key, until in locks.items():
                if until is not None and until > now:
                    if key == keys[0]:
                        self._locked_addresses[key] = until
                    return self._locked(until, now, "alamat ini" if key.startswith("addr:") else "akun ini")
        with _HASHING:
            self.hashes += 1
            ok = passwords.verify(stored, password)
        if not ok:
            self._failed(name, user, keys, trusted, address, now)
            return Attempt(refused=WRONG, status=401)
        return self._signed_in(user.id, password, trusted, keys[1], now)

    # ------------------------------------------------------------------ outcomes

    def _locked(self, until: datetime, now: datetime, what: str) -> Attempt:
        minutes = max(1, int((until - now).total_seconds() + 59) // 60)
        return Attempt(refused=f"Terlalu banyak percobaan masuk yang gagal dari {what}. Coba lagi dalam "
                               f"{minutes} menit, atau masuk dari perangkat yang biasa Anda pakai.",
                       status=429, retry_after=int((until - now).total_seconds()) + 1)

    def _signed_in(self, user_id: int, password: str, trusted: TrustedDevice | None, account_key: str,
                   now: datetime) -> Attempt:
        with self.store.write() as s:
            user = s.get(User, user_id)
            if user is None or not user.active or not user.password_hash:
                return Attempt(refused=WRONG, status=401)  # changed while the password was checked
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(password)
            token, officer = self.sessions.create(s, user)
            s.execute(delete(SigninThrottle).where(SigninThrottle.key == account_key))
            if trusted is not None:
                s.execute(update(TrustedDevice).where(TrustedDevice.token_hash == trusted.token_hash)
                          .values(failures=0, locked_until=None, last_used_at=now))
                device_token = None
            else:
                device_token = secrets.token_urlsafe(32)
                s.add(TrustedDevice(token_hash=digest(device_token), user_id=user.id, created_at=now,
                                    last_used_at=now, failures=0))
                stale = s.scalars(select(TrustedDevice.token_hash).where(TrustedDevice.user_id == user.id)
                                  .order_by(TrustedDevice.last_used_at.desc()).offset(DEVICES_KEPT)).all()
                if stale:
                    s.execute(delete(TrustedDevice).where(TrustedDevice.token_hash.in_(stale)))
        return Attempt(officer=officer, token=token, device_token=device_token)

    def _failed(self, name: str, user: User | None, keys: tuple[str, str], trusted: TrustedDevice | None,
                address: str, now: datetime) -> None:
        limits = self.limits
        with self.store.write() as s:
            if trusted is not None:
                failures = trusted.failures + 1
                locked = failures >= limits.per_device
                s.execute(update(TrustedDevice).where(TrustedDevice.token_hash == trusted.token_hash).values(
                    failures=0 if locked else failures, locked_until=now + limits.lock if locked else None))
                started = ["device"] if locked else []
            else:
                started = [kind for key, limit, kind in ((keys[0], limits.per_address, "addr"),
                                                         (keys[1], limits.per_account, "user"))
                           if self._count(s, key, limit, now)]
            # Stale counters go (attempts with made-up names would otherwise pile up).
            s.execute(delete(SigninThrottle).where(SigninThrottle.window_started_at < now - limits.window,
                                                   (SigninThrottle.locked_until.is_(None))
                                                   | (SigninThrottle.locked_until < now)))
            if started:
                known = user.username if user is not None else None
                append_events(s, [{"case_id": None, "task_id": None, "at": now, "actor_id": None,
                                   "actor": "sistem", "kind": "signin_locked",
                                   "data": {"locked": kind, "username": known, "address": address,
                                            "until": (now + limits.lock).isoformat()}} for kind in started])
        if "addr" in started:
            self._locked_addresses[keys[0]] = now + limits.lock
            for key in [k for k, until in self._locked_addresses.items() if until <= now]:
                del self._locked_addresses[key]
        for kind in started:
            log.warning("sign-in locked (%s) for %s from %s until %s", kind, name if user is not None else "?",
                        address, (now + limits.lock).isoformat(timespec="minutes"))

    def _count(self, s, key: str, limit: int, now: datetime) -> bool:
        """Count one failure of ``key``; True when it just reached its limit (the key is locked)."""
        fresh = SigninThrottle.window_started_at >= now - self.limits.window
        changed = s.execute(update(SigninThrottle).where(SigninThrottle.key == key).values(
            failures=case((fresh, SigninThrottle.failures + 1), else_=1),
            window_started_at=case((fresh, SigninThrottle.window_started_at), else_=now))).rowcount
        if not changed:
            try:
                with s.begin_nested():
                    s.add(SigninThrottle(key=key, failures=1, window_started_at=now))
            except IntegrityError:  # another attempt counted the first failure at the same moment
                return self._count(s, key, limit, now)
        failures = s.scalar(select(SigninThrottle.failures).where(SigninThrottle.key == key))
        if failures < limit:
            return False
        s.execute(update(SigninThrottle).where(SigninThrottle.key == key)
                  .values(failures=0, window_started_at=now, locked_until=now + self.limits.lock))
        return True

    @staticmethod
    def _device(s, token: str | None, user: User | None) -> TrustedDevice | None:
        if not token or user is None:
            return None
        found = s.get(TrustedDevice, digest(token))
        return found if found is not None and found.user_id == user.id else None
