"""One orchestrator at a time per case store: the lease is taken, renewed, refused, expired and taken over
(across processes, on SQLite and PostgreSQL), and a holder whose process died on this machine is known dead
at once."""

import multiprocessing
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from engine.store.lease import Lease

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
TTL = timedelta(seconds=60)


def test_one_holder_at_a_time_until_it_expires_or_is_released(service):
    first, second = Lease(service.store, "orchestrator", TTL), Lease(service.store, "orchestrator", TTL)
    assert first.acquire(NOW) is None
    held = second.acquire(NOW + timedelta(seconds=5))
    assert held is not None and held.name == first.holder and held.until == NOW + TTL
    assert first.acquire(NOW + timedelta(seconds=50)) is None  # renewed: now until 09:01:50
    assert second.acquire(NOW + timedelta(seconds=100)).until == NOW + timedelta(seconds=110)
    assert second.acquire(NOW + timedelta(seconds=111)) is None  # expired: taken over
    assert first.acquire(NOW + timedelta(seconds=112)).name == second.holder
    first.release()  # not its lease any more: changes nothing
    assert first.acquire(NOW + timedelta(seconds=113)).name == second.holder
    second.release()
    assert first.acquire(NOW + timedelta(seconds=114)) is None
    assert Lease(service.store, "another job", TTL).acquire(NOW) is None  # leases are per name


def test_a_dead_holder_on_this_machine_is_taken_over_at_once(service):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = Lease(service.store, "orchestrator", TTL)
    dead.holder = f"{socket.gethostname()}:{int(gone.stdout)}:0000"
    assert dead.acquire(NOW) is None
    alive_elsewhere = Lease(service.store, "orchestrator", TTL)
    assert alive_elsewhere.acquire(NOW + timedelta(seconds=1)) is None  # long before the lease's end
    other_machine = Lease(service.store, "orchestrator", TTL)
    other_machine.holder = f"another-host:{int(gone.stdout)}:1111"
    assert alive_elsewhere.acquire(NOW + timedelta(seconds=2)) is None
    assert other_machine.acquire(NOW + timedelta(seconds=3)).name == alive_elsewhere.holder


def _take(url, start, done, results):
    from engine.store.db import Store

    lease = Lease(Store(url), "orchestrator", TTL)
    start.wait()
    results.put("held" if lease.acquire() is None else "refused")
    done.wait()  # alive until all have tried: a holder that ended would be known dead and taken over


def test_two_processes_racing_for_a_new_lease_get_one_holder(service):
    ctx = multiprocessing.get_context("spawn")
    start, done, results = ctx.Barrier(3), ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_take, args=(service.store.url, start, done, results)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert sorted(results.get(timeout=5) for _ in procs) == ["held", "refused", "refused"]
