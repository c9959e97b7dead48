"""How the case engine's write actions run: each in its own transaction, or batched with the others
submitted from the event loop at the same turn (engine/cases/batch.py)."""

from __future__ import annotations

import functools
from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def action(build):
    """A write action of the service. ``build(service, ...)`` checks what it can alone and returns the unit
    of work, ``work(txn)``. Called, the action runs the unit in its own transaction and returns its result;
    its ``batched`` form, ``await service.<action>_async(...)``, runs it in one transaction with the other
    actions submitted from the event loop at the same time (engine.cases.batch). Either way the caller's
    action is committed when it returns, and when it fails nothing it did remains."""

    @functools.wraps(build)
    def run(self, *args, **kwargs):
        return self._run_unit(build(self, *args, **kwargs))

    @functools.wraps(build)
    async def run_batched(self, *args, **kwargs):
        return await self.batch.run(build(self, *args, **kwargs))

    run.batched = run_batched
    return run
