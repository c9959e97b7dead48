"""Group commit for the officers' actions submitted from an event loop (the web application).

Each officer's action (opening a case, claiming or completing a step) is one unit of work on the case
store. When several are submitted at once, committing each alone repeats for every one of them what they
could share: the commit, the write lock, the pages of the tables and indexes they all append to (the end of
the task and event tables). Here the actions submitted while the event loop is busy are run together, in
the order they came, as one transaction: each unit in a savepoint of its own (its events chained in its
cases' chains within it), so a unit that fails is undone alone and its caller gets its error; one commit
answers them all. A caller's action is durable when its await
returns, as it would be after its own commit.

The group is run on the event loop itself, at its next turn: the transaction is a few milliseconds of work
for SQLite, and a worker thread would only add a hand-over per group. Actions submitted from threads (the
command line, Prefect's tasks) keep their own transactions (``CaseService`` without ``_async``).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

from engine.store.db import Store

from .txn import Txn

MAX_GROUP = 64  # units per transaction; more wait for the next turn of the loop


class _Failed(Exception):
    """The one unit of a group failed: its transaction is rolled back and its caller gets ``error``."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class _Queue:
    """The units waiting for the next group of one event loop."""

    def __init__(self):
        self.waiting: list[tuple[Callable, asyncio.Future]] = []
        self.scheduled = False


class Batch:
    def __init__(self, store: Store):
        self.store = store
        # One queue per event loop: a service may be used from loops in several threads (each group still
        # takes the store's write transaction in turn).
        self._queues: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.groups = 0  # transactions run, and units in them (the benchmark reports the average)
        self.units = 0

    async def run(self, work: Callable[[Txn], object]):
        """Run ``work(txn)`` with whatever else is submitted at this turn of the loop; returns its result
        once the group is committed, or raises its own error (nothing it did remains)."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future = loop.create_future()
        queue.waiting.append((work, future))
        if not queue.scheduled:
            queue.scheduled = True
            loop.call_soon(self._run_group, queue)
        return await future

    def _run_group(self, queue: _Queue) -> None:
        group, queue.waiting = queue.waiting[:MAX_GROUP], queue.waiting[MAX_GROUP:]
        queue.scheduled = bool(queue.waiting)
        if queue.scheduled:
            asyncio.get_running_loop().call_soon(self._run_group, queue)
        group = [(work, future) for work, future in group if not future.cancelled()]
        if not group:
            return
        self.groups += 1
        self.units += len(group)
        answers: list[tuple[asyncio.Future, object, BaseException | None]] = []
        try:
            with self.store.transaction() as conn:
                if len(group) == 1:  # alone: its own transaction, no savepoint
                    work, future = group[0]
                    try:
                        answers.append((future, self._unit(conn, work), None))
                    except Exception as exc:
                        raise _Failed(exc) from exc  # the transaction is rolled back
                else:
                    cursor = conn.connection.dbapi_connection.cursor()
                    for work, future in group:
                        cursor.execute("SAVEPOINT layanan_unit")
                        try:
                            result = self._unit(conn, work)
                        except Exception as exc:  # undone alone; the others go on
                            cursor.execute("ROLLBACK TO SAVEPOINT layanan_unit")
                            answers.append((future, None, exc))
                        else:
                            answers.append((future, result, None))
                        cursor.execute("RELEASE SAVEPOINT layanan_unit")
        except _Failed as failed:
            group[0][1].set_exception(failed.error)
            return
        except BaseException as exc:
            # Nothing of the group was written: every caller gets this error (its own if it had one).
            self.store.forget_uncommitted()
            for work, future in group:
                own = next((error for f, _r, error in answers if f is future and error is not None), None)
                if not future.done():
                    future.set_exception(own or exc)
            if not isinstance(exc, Exception):
                raise
            return
        for future, result, error in answers:
            if future.done():
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)

    def _unit(self, conn, work):
        txn = Txn(conn, self.store.versions_by_id)
        result = work(txn)
        txn.finish()
        return result
