"""The outbox's delivery: claim the due messages, send them through their channel's transport, and record
what happened, each message in its own small transaction.

A message is claimed for ``CLAIM`` (two notifiers on one store never send the same one: PostgreSQL skips
the rows another holds, SQLite writes one transaction at a time); sent, it is marked sent and its secret
erased; refused, it is tried again after a growing pause, and after ``MAX_ATTEMPTS`` (or at once, when the
refusal is permanent) it is marked failed and shown to officers, who may send it again. A message of a
channel with no transport configured is held until one is.

Delivery is at least once: a notifier killed after its transport accepted a message and before the mark
sends it again when the claim runs out, with the same Message-ID (an e-mail client shows one message), so
the window is one message per crash. A notifier killed anywhere else sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from engine import faults
from engine.store.db import Store
from engine.store.models import Notification

from .transports import DeliveryError, Message

N = Notification.__table__
MAX_ATTEMPTS = 6
CLAIM = timedelta(minutes=2)
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30),
           timedelta(hours=2))


@dataclass
class Delivered:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    by_channel: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"sent": self.sent, "retried": self.retried, "failed": self.failed, "held": self.held,
                "by_channel": self.by_channel}


def _due(now: datetime):
    return and_(N.c.status == "pending", N.c.next_attempt_at <= now,
                or_(N.c.claimed_until.is_(None), N.c.claimed_until < now))


def has_due(store: Store, now: datetime) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(select(N.c.id).where(_due(now)).limit(1)).first() is not None


def claim(store: Store, now: datetime, limit: int = 200) -> list[Message]:
    """Up to ``limit`` due messages, oldest first, claimed for this notifier."""
    with store.transaction() as conn:
        statement = select(N.c.id, N.c.key, N.c.channel, N.c.recipient, N.c.subject, N.c.body, N.c.secret) \
            .where(_due(now)).order_by(N.c.next_attempt_at, N.c.id).limit(limit)
        if conn.dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = conn.execute(statement).all()
        if rows:
            conn.execute(update(N).where(N.c.id.in_([r.id for r in rows]))
                         .values(claimed_until=now + CLAIM, row_version=N.c.row_version + 1))
    return [Message(r.id, r.key, r.channel, r.recipient, r.subject, _filled(r.body, r.secret)) for r in rows]


def _filled(body: str, secret: str | None) -> str:
    """The body with its secrets in their slots: {rahasia}, {rahasia2}... (one per line of ``secret``)."""
    for n, value in enumerate((secret or "").split("\n")):
        body = body.replace("{rahasia%s}" % (n + 1 if n else ""), value)
    return body


def mark_sent(store: Store, message_id: int, now: datetime) -> None:
    with store.transaction() as conn:
        conn.execute(update(N).where(N.c.id == message_id).values(
            status="sent", sent_at=now, secret=None, claimed_until=None, attempts=N.c.attempts + 1,
            last_error=None, row_version=N.c.row_version + 1))


def mark_refused(store: Store, message_id: int, now: datetime, error: str, permanent: bool) -> str:
    """Record a refusal: tried again later ('pending') or given up ('failed'); returns which."""
    with store.transaction() as conn:
        attempts = conn.execute(select(N.c.attempts).where(N.c.id == message_id)).scalar_one() + 1
        final = permanent or attempts >= MAX_ATTEMPTS
        pause = BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
        conn.execute(update(N).where(N.c.id == message_id).values(
            status="failed" if final else "pending", attempts=attempts, claimed_until=None,
            next_attempt_at=now + pause, last_error=error[:300], row_version=N.c.row_version + 1))
    return "failed" if final else "pending"


def hold(store: Store, message_id: int, channel: str) -> None:
    with store.transaction() as conn:
        conn.execute(update(N).where(N.c.id == message_id).values(
            status="held", claimed_until=None, row_version=N.c.row_version + 1,
            last_error=f"saluran {channel} belum dikonfigurasi"))


def release_held(store: Store, channels, now: datetime) -> int:
    """Held messages of channels that now have a transport go out again."""
    with store.transaction() as conn:
        return conn.execute(update(N).where(N.c.status == "held", N.c.channel.in_(list(channels))).values(
            status="pending", next_attempt_at=now, last_error=None, row_version=N.c.row_version + 1)).rowcount


def send_again(store: Store, message_id: int, now: datetime) -> bool:
    """An officer sends a failed message again (its attempts counted afresh)."""
    with store.transaction() as conn:
        return conn.execute(update(N).where(N.c.id == message_id, N.c.status.in_(("failed", "held"))).values(
            status="pending", attempts=0, next_attempt_at=now, claimed_until=None,
            row_version=N.c.row_version + 1)).rowcount == 1


def deliver(store: Store, transports: dict, now: datetime, limit: int = 200) -> Delivered:
    """One batch: claim what is due and send it, channel by channel, over one session per transport."""
    result = Delivered()
    messages = claim(store, now, limit)
    by_channel: dict[str, list[Message]] = {}
    for message in messages:
        by_channel.setdefault(message.channel, []).append(message)
    for channel, batch in by_channel.items():
        transport = transports.get(channel)
        if transport is None:
            for message in batch:
                hold(store, message.id, channel)
            result.held += len(batch)
            continue
        done: set[int] = set()
        try:
            with transport.session() as send:
                for message in batch:
                    faults.point("notify.before_send")
                    try:
                        send(message)
                    except DeliveryError as exc:
                        done.add(message.id)
                        _count(result, mark_refused(store, message.id, now, str(exc), exc.permanent))
                        continue
                    faults.point("notify.after_send")
                    mark_sent(store, message.id, now)
                    done.add(message.id)
                    result.sent += 1
                    result.by_channel[channel] = result.by_channel.get(channel, 0) + 1
        except Exception as exc:  # the transport itself (connection, sign-in): the rest of the batch waits
            for message in batch:
                if message.id not in done:
                    _count(result, mark_refused(store, message.id, now, f"{channel}: {_why(exc)}", False))
    return result


def _count(result: Delivered, outcome: str) -> None:
    if outcome == "failed":
        result.failed += 1
    else:
        result.retried += 1


def _why(exc: Exception) -> str:
    """A transport's failure in words an officer can act on (never a traceback)."""
    if isinstance(exc, (ConnectionRefusedError, TimeoutError)) or "timed out" in str(exc):
        return "server tidak dapat dihubungi"
    if type(exc).__name__ == "SMTPAuthenticationError":
        return "nama pengguna atau sandi server surel salah"
    return f"gagal terhubung ({type(exc).__name__})"


def counts(store: Store) -> dict:
    with store.engine.connect() as conn:
        return dict(conn.execute(select(N.c.status, func.count()).group_by(N.c.status)).all())
