"""Group commit for the officers' actions submitted from an event loop (the web application).

Each officer's action (opening a case, claiming or completing a step) is one unit of work on the case
store. When several are submitted at once, committing each alone repeats for every one of them what they
could share: the commit, the write lock, the pages of the tables and indexes they all append to (the end of
the task and event tables). Here the actions submitted while the previous group is being written are run
together, in the order they came, as one transaction: each unit in a savepoint of its own (its events
chained in its cases' chains within it), so a unit that fails is undone alone and its caller gets its
error; one commit answers them all. A caller's action is durable when its await returns, as it would be
after its own commit.

On PostgreSQL a group is written in a worker thread, never on the event loop: every statement is a round
trip, and the loop serves every officer's page meanwhile. On SQLite it is written at the loop's next turn:
the group is Python and SQLite work that holds the GIL (a commit in WAL mode with synchronous=NORMAL does not
wait for the disk), so a thread would free nothing and its hand-over cost 10-20 % of the throughput with 16
officers at once (bench/engine.py, docs/performance.md). One group at a time per loop, so the actions keep
their order and the next group gathers what arrived during this one. Actions submitted from threads
(the command line, Prefect's tasks) keep their own transactions (``CaseService`` without ``_async``).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

from engine.store.db import Store

from .txn import Txn

MAX_GROUP = 64  # units per transaction; more wait for the next group


class _Failed(Exception):
    """The one unit of a group failed: its transaction is rolled back and its caller gets ``error``."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class _Queue:
    """The units waiting for the next group of one event loop."""

    def __init__(self):
        self.waiting: list[tuple[Callable, asyncio.Future]] = []
        self.running = False


class Batch:
    def __init__(self, store: Store):
        self.store = store
        self.in_thread = not store.url.startswith("sqlite")  # see the module's docstring
        # One queue per event loop: a service may be used from loops in several threads (each group still
        # takes the store's write transaction in turn).
        self._queues: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.groups = 0  # transactions run, and units in them (the benchmark reports the average)
        self.units = 0

    async def run(self, work: Callable[[Txn], object]):
        """Run ``work(txn)`` with whatever else is submitted meanwhile; returns its result once the group is
        committed, or raises its own error (nothing it did remains)."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future = loop.create_future()
        queue.waiting.append((work, future))
        if not queue.running:
            queue.running = True
            loop.call_soon(self._next_group, queue, loop)
        return await future

    def _next_group(self, queue: _Queue, loop) -> None:
        group, queue.waiting = queue.waiting[:MAX_GROUP], queue.waiting[MAX_GROUP:]
        group = [(work, future) for work, future in group if not future.cancelled()]
        if not group:
            queue.running = bool(queue.waiting)
            if queue.running:
                loop.call_soon(self._next_group, queue, loop)
            return
        self.groups += 1
        self.units += len(group)
        works = [work for work, _future in group]
        if self.in_thread:
            written = loop.run_in_executor(None, self._write, works)
            written.add_done_callback(lambda done: self._answer(queue, loop, group, done))
            return
        written = loop.create_future()
        try:
            written.set_result(self._write(works))
        except BaseException as exc:
            written.set_exception(exc)
        self._answer(queue, loop, group, written)

    def _answer(self, queue: _Queue, loop, group, done) -> None:
        """Back on the loop: every caller of the group gets its result or its error, then the next group."""
        try:
            answers = done.result()
        except BaseException as exc:  # nothing of the group was written
            answers = [(None, exc)] * len(group)
        for (_work, future), (result, error) in zip(group, answers):
            if future.done():
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
        queue.running = bool(queue.waiting)
        if queue.running:
            loop.call_soon(self._next_group, queue, loop)

    def _write(self, works: list[Callable]) -> list[tuple[object, BaseException | None]]:
        """One transaction for the group (in a worker thread): [(result, error)] in the group's order."""
        answers: list[tuple[object, BaseException | None]] = []
        try:
            with self.store.transaction() as conn:
                if len(works) == 1:  # alone: its own transaction, no savepoint
                    try:
                        answers.append((self._unit(conn, works[0]), None))
                    except Exception as exc:
                        raise _Failed(exc) from exc  # the transaction is rolled back
                else:
                    cursor = conn.connection.dbapi_connection.cursor()
                    for work in works:
                        cursor.execute("SAVEPOINT layanan_unit")
                        try:
                            result = self._unit(conn, work)
                        except Exception as exc:  # undone alone; the others go on
                            cursor.execute("ROLLBACK TO SAVEPOINT layanan_unit")
                            answers.append((None, exc))
                        else:
                            answers.append((result, None))
                        cursor.execute("RELEASE SAVEPOINT layanan_unit")
        except _Failed as failed:
            return [(None, failed.error)]
        except BaseException as exc:
            # Nothing of the group was written: every caller gets this error (its own if it had one).
            self.store.forget_uncommitted()
            own = [error for _result, error in answers] + [None] * (len(works) - len(answers))
            if not isinstance(exc, Exception):
                raise
            return [(None, error or exc) for error in own]
        return answers

    def _unit(self, conn, work):
        txn = Txn(conn, self.store.versions_by_id, self.store.public_url, self.store.notify_channels)
        result = work(txn)
        txn.finish()
        return result
