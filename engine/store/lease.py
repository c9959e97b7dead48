"""Leases on jobs that must run in one process at a time against a case store: the orchestrator.

Two orchestrators on one database (say `layanan serve` and a `layanan worker` started beside it) would
both take the same pending case and give it two flow runs. A lease is a row naming its holder and when it
expires; taking or renewing it is one guarded UPDATE in a write transaction, so across processes (and
machines, on PostgreSQL) one holder at a time wins. A holder that dies keeps the lease until it expires;
on the same machine a holder whose process is gone is known dead at once, so a restart after a crash
does not wait.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .db import Store
from .models import Lease as LeaseRow

_LEASES = LeaseRow.__table__
_TAKE = update(_LEASES).where(_LEASES.c.name == bindparam("lease"),
                              (_LEASES.c.holder == bindparam("me")) | (_LEASES.c.expires_at < bindparam("now"))
                              | (_LEASES.c.holder == bindparam("dead"))) \
    .values(holder=bindparam("me"), expires_at=bindparam("until"))


@dataclass(frozen=True)
class Holder:
    """Who holds a lease, until when."""
    name: str
    until: datetime


def holder_name() -> str:
    """A name for this process as a holder: host:pid:token."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def is_dead_here(holder: str) -> bool:
    """A holder of this machine whose process no longer exists (holders are named host:pid:token)."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False


class Lease:
    def __init__(self, store: Store, name: str, ttl: timedelta = timedelta(seconds=60)):
        self.store = store
        self.name = name
        self.ttl = ttl
        self.holder = holder_name()

    def acquire(self, now: datetime | None = None) -> Holder | None:
        """Take or renew the lease for ``ttl``. None when it is ours now; else who holds it."""
        now = now or datetime.now(timezone.utc)
        values = {"lease": self.name, "me": self.holder, "now": now, "until": now + self.ttl, "dead": None}
        with self.store.transaction() as conn:
            current = conn.execute(select(_LEASES.c.holder, _LEASES.c.expires_at)
                                   .where(_LEASES.c.name == self.name)).first()
            if current is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(_LEASES).values(name=self.name, holder=self.holder,
                                                            expires_at=now + self.ttl))
                    return None
                except IntegrityError:  # taken by another process in the meantime
                    current = conn.execute(select(_LEASES.c.holder, _LEASES.c.expires_at)
                                           .where(_LEASES.c.name == self.name)).first()
            if current.holder != self.holder and is_dead_here(current.holder):
                values["dead"] = current.holder
            if conn.execute(_TAKE, values).rowcount == 1:
                return None
            return Holder(current.holder, current.expires_at)

    def release(self) -> None:
        """Give the lease up (only if it is still ours)."""
        with self.store.transaction() as conn:
            conn.execute(delete(_LEASES).where(_LEASES.c.name == self.name, _LEASES.c.holder == self.holder))
