"""A second orchestrator on the same case store does nothing while the first holds the lease, and takes
over at once when the first one's process is killed (real processes, real Prefect)."""

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import FlowLink

from .conftest import ROOT, run_cli

pytestmark = pytest.mark.slow

HOLD = ("import sys, time\n"
        "from engine.store.db import Store\n"
        "from engine.orchestration.orchestrator import LEASE_TTL\n"
        "from engine.store.lease import Lease\n"
        "assert Lease(Store(), 'orchestrator', LEASE_TTL).acquire() is None\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n")


def test_a_second_orchestrator_waits_for_the_lease_then_takes_over(service, library, tmp_path):
    standard = library.standard("kaltim-data-agregat")
    case_id = service.open_case(standard.id, dict(SAMPLE_APPLICANT),
                                requirements=[r["id"] for r in standard.requirements(None, None, {})])
    env = {"LAYANAN_DATABASE_URL": service.store.url, "PREFECT_HOME": str(tmp_path / "prefect")}
    holder = subprocess.Popen([sys.executable, "-c", HOLD], cwd=ROOT, env=dict(os.environ, **env),
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = run_cli("worker", "--once", env=env, timeout=120)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "Orkestrator lain sedang berjalan" in refused.stdout and f":{holder.pid}:" in refused.stdout
        with service.store.read() as s:
            assert s.get(FlowLink, case_id).flow_run_id is None  # nothing was done
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(30)
    # Its process is gone: the lease is taken over at once, not after it expires.
    worker = run_cli("worker", "--once", env=env, timeout=240)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert "1 flow run dibuat" in worker.stdout
    with service.store.read() as s:
        link = s.get(FlowLink, case_id)
        assert link.flow_run_id is not None
        assert s.scalars(select(FlowLink.flow_run_id)).all() == [link.flow_run_id]
