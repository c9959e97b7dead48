"""A case's or a period's trail, row by row, with the chain's hashes so the export can be checked too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from engine.errors import NotFound
from engine.store.db import Store
from engine.store.models import Case, Event, Task

FIELDS = ["id", "at", "case", "step", "actor", "kind", "data", "prev_hash", "hash"]


def trail(store: Store, *, case: str | None = None, start: datetime | None = None,
          end: datetime | None = None) -> Iterator[dict]:
    with store.read() as s:
        query = (select(Event.id, Event.at, Case.number, Task.step_id, Event.actor, Event.kind, Event.data,
                        Event.prev_hash, Event.hash)
                 .outerjoin(Case, Case.id == Event.case_id).outerjoin(Task, Task.id == Event.task_id))
        if case:
            found = s.scalar(select(Case.id).where(Case.number == case))
            if found is None:
                raise NotFound(f"kasus '{case}' tidak ditemukan", "case")
            query = query.where((Event.case_id == found) | Event.case_id.in_(
                select(Case.id).where(Case.parent_id == found)))
        if start:
            query = query.where(Event.at >= start)
        if end:
            query = query.where(Event.at <= end)
        for row in s.execute(query.order_by(Event.id).execution_options(yield_per=5000)):
            yield dict(zip(FIELDS, (row[0], row[1].isoformat(), *row[2:])))
