"""Several orchestrators on one case store: each pending case is claimed by exactly one of them
(engine/store/claims.py), an expired or dead holder's claims are taken over, and two orchestrators run
side by side against one Prefect API give every case exactly one flow run (real Prefect)."""

import json
import os
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.claims import Claims
from engine.store.db import Store
from engine.store.models import FlowLink

from .conftest import ROOT

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
TTL = timedelta(seconds=60)
STANDARD = "kaltim-data-agregat"


def _open(service, library, count: int) -> list[int]:
    requirements = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    return [service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=requirements,
                              at=NOW + timedelta(minutes=n)) for n in range(count)]


def test_a_claimed_case_is_not_taken_by_another_holder_until_given_back(service, library):
    cases = _open(service, library, 5)
    first, second = Claims(service.store, TTL), Claims(service.store, TTL)
    assert [row[0] for row in first.take(2, NOW)] == cases[:2]  # oldest change first
    assert [row[0] for row in second.take(10, NOW)] == cases[2:]
    assert [row[0] for row in first.take(10, NOW + timedelta(seconds=30))] == cases[:2]  # its own, renewed
    first.release([cases[0]])
    assert [row[0] for row in second.take(10, NOW)] == [cases[0]] + cases[2:]
    assert first.holds(cases[1]) and not first.holds(cases[0]) and second.holds(cases[0])
    second.release()
    assert {row[0] for row in first.take(10, NOW)} == set(cases)


def test_expired_claims_are_taken_over_and_renewed_ones_are_not(service, library):
    cases = _open(service, library, 2)
    first, second = Claims(service.store, TTL), Claims(service.store, TTL)
    assert len(first.take(10, NOW)) == 2
    assert first.renew(NOW + timedelta(seconds=50)) == 2  # now until 01:01:50
    assert second.take(10, NOW + timedelta(seconds=100)) == []
    assert [row[0] for row in second.take(10, NOW + timedelta(seconds=111))] == cases  # expired
    assert first.renew(NOW + timedelta(seconds=112)) == 0  # it knows it lost them


def test_the_claims_of_a_dead_holder_on_this_machine_are_taken_at_once(service, library):
    cases = _open(service, library, 2)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = Claims(service.store, TTL, holder=f"{socket.gethostname()}:{int(gone.stdout)}:0000")
    elsewhere = Claims(service.store, TTL, holder="another-host:1:0000")
    assert [row[0] for row in elsewhere.take(1, NOW)] == cases[:1]
    assert [row[0] for row in dead.take(1, NOW)] == cases[1:]
    mine = Claims(service.store, TTL)
    assert [row[0] for row in mine.take(10, NOW + timedelta(seconds=1))] == cases[1:]  # not the live one's


def test_holders_racing_for_the_same_cases_each_get_their_own(service, library):
    cases = _open(service, library, 40)
    taken, barrier = {}, threading.Barrier(4)

    def keep(n: int) -> None:  # each holder asks for more than its share, at the same moment
        store = Store(service.store.url)
        claims = Claims(store, TTL)
        barrier.wait()
        taken[n] = [row[0] for row in claims.take(15, NOW)]
        store.dispose()

    threads = [threading.Thread(target=keep, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    everything = [case for got in taken.values() for case in got]
    assert sorted(everything) == cases  # every case claimed, by exactly one holder
    with service.store.read() as s:
        assert len(set(s.scalars(select(FlowLink.claimed_by)).all())) > 1


SIDE_BY_SIDE = """
import asyncio, json, sys
from engine.cases.service import CaseService
from engine.orchestration.orchestrator import Orchestrator
from engine.store.db import Store
from prefect import get_client

service = CaseService(Store(sys.argv[1]))

async def side_by_side():
    async with get_client() as client:  # the one API both use, up before they start (in one process, two
        await client.hello()             # first clients at once would each start it)
    first, second = Orchestrator(service, shared_api=True), Orchestrator(service, shared_api=True)
    return await asyncio.gather(first.catch_up(limit=3), second.catch_up(limit=3))

print(json.dumps([[s.created, s.errors] for s in asyncio.run(side_by_side())]))
"""


def test_two_orchestrators_on_one_prefect_api_give_each_case_one_flow_run(service, library, tmp_path):
    """In a process of its own (with its own Prefect home), as a worker would run."""
    cases = _open(service, library, 6)
    done = subprocess.run([sys.executable, "-c", SIDE_BY_SIDE, service.store.url], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect")))
    assert done.returncode == 0, done.stderr[-3000:]
    (one, one_errors), (two, two_errors) = json.loads(done.stdout.strip().splitlines()[-1])
    assert one_errors == [] and two_errors == []
    assert one == 3 and two == 3  # the work divided, not done twice
    with service.store.read() as s:
        links = s.scalars(select(FlowLink).where(FlowLink.case_id.in_(cases))).all()
        assert len({link.flow_run_id for link in links}) == 6 and all(link.flow_run_id for link in links)
        assert all(link.claimed_by is None for link in links)  # given back at the end of the pass
