"""Claims on the cases Prefect has to catch up with, so that several orchestrators can share one case store.

Each top-level case's outbox row (``flow_links``) names who claimed it and until when. An orchestrator
takes the pending cases no one holds (unclaimed, expired, or held by a process of this machine that is
gone) with one guarded UPDATE each, comparing the claim it saw: of two orchestrators reaching for one
case, exactly one gets it, so a case never gets two flow runs. It renews its claims while it works, and
gives each one back when the case is settled, fails, or is left for the next pass.

On Prefect's ephemeral API each process has its own Prefect database, so the orchestrators there also
hold the single ``orchestrator`` lease (engine/store/lease.py); against a Prefect server, which all of
them share, the claims alone divide the work.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, bindparam, or_, select, update

from .db import Store
from .lease import holder_name, is_dead_here
from .models import LINK_IS_PENDING, Case, FlowLink

LINKS, CASES = FlowLink.__table__, Case.__table__

_TAKE = update(LINKS).where(
    LINKS.c.case_id == bindparam("case"), LINK_IS_PENDING,
    or_(LINKS.c.claimed_by.is_(None), LINKS.c.claimed_by == bindparam("seen"))) \
    .values(claimed_by=bindparam("me"), claimed_until=bindparam("until"))


class Claims:
    def __init__(self, store: Store, ttl: timedelta = timedelta(seconds=60), holder: str | None = None):
        self.store = store
        self.ttl = ttl
        self.holder = holder or holder_name()

    def take(self, limit: int, now: datetime | None = None) -> list[tuple]:
        """Claim up to ``limit`` pending top-level cases, oldest change first: (case id, number, flow name,
        run id, state, revision) of each one claimed now."""
        now = now or datetime.now(timezone.utc)
        with self.store.transaction() as conn:
            holders = conn.execute(select(LINKS.c.claimed_by).where(
                LINK_IS_PENDING, LINKS.c.claimed_by.is_not(None), LINKS.c.claimed_by != self.holder,
                LINKS.c.claimed_until >= now)).scalars().all()
            dead = sorted(h for h in set(holders) if is_dead_here(h))
            free = or_(LINKS.c.claimed_by.is_(None), LINKS.c.claimed_until < now, LINKS.c.claimed_by == self.holder,
                       *([LINKS.c.claimed_by.in_(dead)] if dead else []))
            rows = conn.execute(select(LINKS.c.case_id, CASES.c.number, LINKS.c.flow_name, LINKS.c.flow_run_id,
                                       LINKS.c.state, LINKS.c.revision, LINKS.c.claimed_by)
                                .join(CASES, CASES.c.id == LINKS.c.case_id)
                                .where(LINK_IS_PENDING, CASES.c.parent_id.is_(None), free)
                                .order_by(LINKS.c.changed_at).limit(limit)
                                # PostgreSQL: rows another orchestrator is claiming now are passed over,
                                # not waited for (SQLite's write transactions take turns anyway).
                                .with_for_update(of=LINKS, skip_locked=True)).all()
            taken = []
            for row in rows:
                # The claim seen is compared: another orchestrator that took the case in between wins.
                done = conn.execute(_TAKE, {"case": row.case_id, "seen": row.claimed_by or self.holder,
                                            "me": self.holder, "until": now + self.ttl})
                if done.rowcount == 1:
                    taken.append(tuple(row)[:6])
            return taken

    def renew(self, now: datetime | None = None) -> int:
        """Keep this holder's claims for another ``ttl``; returns how many it still holds."""
        now = now or datetime.now(timezone.utc)
        with self.store.transaction() as conn:
            return conn.execute(update(LINKS).where(LINKS.c.claimed_by == self.holder)
                                .values(claimed_until=now + self.ttl)).rowcount

    def holds(self, case_id: int) -> bool:
        with self.store.transaction() as conn:
            return conn.execute(select(LINKS.c.claimed_by).where(LINKS.c.case_id == case_id)).scalar() == self.holder

    def release(self, case_ids=None) -> None:
        """Give back the claims on these cases (all of this holder's when None)."""
        mine = LINKS.c.claimed_by == self.holder
        where = mine if case_ids is None else and_(mine, LINKS.c.case_id.in_(list(case_ids)))
        with self.store.transaction() as conn:
            conn.execute(update(LINKS).where(where).values(claimed_by=None, claimed_until=None))
