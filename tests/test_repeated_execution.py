"""A flow run executed again while its case has not changed (its process killed after the run suspended,
before the case's link was cleared; a PostgreSQL restart between the two) must suspend again, never
complete while the case is open; and a run that did complete too early is brought back by the next pass.

Found by tests/test_cluster.py under kills: Prefect refuses a pause key it has seen ("This suspend has
already fired") and lets the run go on, so a key made of the case's waiting state alone completed the run
of an open case. Real Prefect (the ephemeral API), in a process of its own with its own Prefect home."""

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import FlowLink

from .conftest import ROOT

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
STANDARD = "kaltim-data-agregat"

PASSES = """
import asyncio, json, sys
from engine.cases.service import CaseService
from engine.orchestration.orchestrator import Orchestrator  # first: layanan's Prefect settings
from prefect import get_client
from prefect.states import Completed
from sqlalchemy import update
from engine.store.db import Store
from engine.store.models import FlowLink

service = CaseService(Store(sys.argv[1]))
case_id = int(sys.argv[2])

def pending():  # as a killed process leaves it: Prefect owes the case a pass, the case itself unchanged
    with service.store.write() as s:
        s.execute(update(FlowLink).where(FlowLink.case_id == case_id).values(pending=True))

async def state(client):
    with service.store.read() as s:
        run_id = s.get(FlowLink, case_id).flow_run_id
    run = await client.read_flow_run(run_id)
    return run_id, run.state.type.value

async def main():
    seen = []
    async with get_client() as client:
        orchestrator = Orchestrator(service)
        await orchestrator.catch_up()
        seen.append(await state(client))
        for _ in range(2):  # the same waiting state, executed again twice
            pending()
            summary = await orchestrator.catch_up()
            seen.append(await state(client) + (summary.resumed, summary.failed))
        # A run that completed while its case is open (as the bug left them): the next pass brings it back.
        await client.set_flow_run_state(seen[0][0], Completed(), force=True)
        pending()
        summary = await orchestrator.catch_up()
        seen.append(await state(client) + (summary.restarted, summary.failed))
    print(json.dumps(seen))

asyncio.run(main())
"""


def test_an_unchanged_case_executed_again_suspends_again_and_an_early_completion_is_undone(service, library,
                                                                                           tmp_path):
    requirements = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    case_id = service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=requirements, at=NOW)
    done = subprocess.run([sys.executable, "-c", PASSES, service.store.url, str(case_id)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect")))
    assert done.returncode == 0, done.stderr[-3000:]
    first, again, third, healed = json.loads(done.stdout.strip().splitlines()[-1])
    run_id = first[0]
    assert first == [run_id, "PAUSED"]
    assert again == [run_id, "PAUSED", 1, 0]  # resumed, suspended again: not COMPLETED
    assert third == [run_id, "PAUSED", 1, 0]
    assert healed == [run_id, "PAUSED", 1, 0]  # restarted on the same run, waiting for the officer again
    with service.store.read() as s:
        link = s.scalar(select(FlowLink).where(FlowLink.case_id == case_id))
        assert not link.pending and link.state == "suspended" and link.flow_run_id == run_id
