"""Every seed standard and bundle end to end with real Prefect (its local ephemeral API on a temporary home)
and a real SQLite case store; and no personal data in anything Prefect holds."""

import asyncio
import os

import pytest

from engine.cases.simulate import SAMPLE_APPLICANT

pytestmark = pytest.mark.slow


async def _all(read, **kwargs):
    """Every row of a Prefect listing (the API returns at most 200 per call)."""
    rows, offset = [], 0
    while True:
        page = await read(limit=200, offset=offset, **kwargs)
        rows += page
        if len(page) < 200:
            return rows
        offset += 200


@pytest.fixture(scope="module")
def demo_run(library, tmp_path_factory):
    from engine.cases.service import CaseService  # Prefect's home: the test process's (tests/conftest.py)
    from engine.orchestration.demo import run_demo
    from engine.store.db import Store

    from prefect._internal.observers import FlowRunSuspendingObserver
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as STARTUP

    # Prefect reads its settings once, when first imported: an earlier test of this process that imported it
    # before engine.orchestration left Prefect's 20-second start-up limit, which a loaded host exceeds.
    assert STARTUP.value() == 180, "Prefect was imported before engine.orchestration in this test process"

    watches = []  # Prefect's outside-suspension watches started (engine/orchestration/suspension.py)
    original = FlowRunSuspendingObserver.__aenter__

    async def counted(self):
        watches.append(self)
        return await original(self)

    FlowRunSuspendingObserver.__aenter__ = counted
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('store') / 'cases.db'}")
    service = CaseService(store, library)
    from datetime import datetime, timezone

    started = datetime.now(timezone.utc)
    try:
        results, summary = asyncio.run(run_demo(service))
    finally:
        FlowRunSuspendingObserver.__aenter__ = original
    summary.watches = len(watches)

    async def recorded():  # at once: the demo has ended, its process would now stop the ephemeral API
        from prefect import get_client

        from engine.orchestration.settling import recorded_task_runs

        async with get_client() as client:
            return await recorded_task_runs(client, started, sorted(set(library.standards) | set(library.bundles)))
    summary.recorded_at_end = asyncio.run(recorded())
    yield service, results, summary
    store.dispose()


def test_every_seed_standard_runs_to_the_end(demo_run, library):
    service, results, summary = demo_run
    assert summary.failed == 0, summary.errors
    assert {r["standard"] for r in results} == set(library.standards) | set(library.bundles)
    for r in results:
        assert r["status"] == ("rejected" if r["scenario"] == "reject" else "done"), r["number"]
    kinds = {t["kind"] for r in results for t in r["tasks"]}
    assert kinds == {"intake", "form", "approval", "signature", "automated", "handover", "applicant", "triage"}
    bundle = next(r for r in results if r["standard"] in library.bundles)
    assert len(bundle["parts"]) == len(library.bundles[bundle["standard"]].data["parts"])


def test_the_orchestrators_runs_start_no_outside_suspension_watch(demo_run):
    """Each run is a deployment's, for which Prefect would start a watch (a thread, a client, an event
    subscription) at every execution; the orchestrator's runs suspend themselves and start none."""
    _service, results, summary = demo_run
    assert summary.suspended > 0 and summary.resumed > 0  # the runs did suspend and were resumed
    assert summary.watches == 0


def test_every_task_run_is_recorded_before_the_demo_ends(demo_run):
    """Prefect's server records task runs in batches, every 5 s; stopped with a batch queued, it loses it
    (engine/orchestration/settling.py). When the demo returns, every step's task run is recorded."""
    from sqlalchemy import func, select

    from engine.store.models import Task

    service, _results, summary = demo_run
    with service.store.read() as s:
        mirrored = s.scalar(select(func.count()).select_from(Task).where(Task.mirrored.is_(True)))
    assert mirrored > 200 and summary.recorded_at_end >= mirrored  # a task run for each step mirrored


def test_prefects_server_met_no_locked_database_and_printed_nothing(demo_run):
    """Before its SQLite transactions began IMMEDIATE, a resume could be refused ("database is locked") and
    the ephemeral server printed its traceback on the demo's terminal; its output now goes to a log file,
    which must hold no such error either."""
    from engine.orchestration.api_server import log_path

    with open(log_path(), encoding="utf-8", errors="replace") as log:
        text = log.read()
    assert "database is locked" not in text and "Traceback" not in text, text[-3000:]


def test_one_flow_per_standard_one_run_per_case_and_every_step_mirrored(demo_run):
    service, results, _ = demo_run
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentTaskRunId

    async def read():
        async with get_client() as client:
            runs = await _all(client.read_flow_runs, flow_run_filter=FlowRunFilter(
                parent_task_run_id=FlowRunFilterParentTaskRunId(is_null_=True)))
            flows = {f.id: f.name for f in await _all(client.read_flows)}
            tasks = await _all(client.read_task_runs)
            return runs, flows, tasks
    runs, flows, task_runs = asyncio.run(read())
    by_name = {r.name: r for r in runs}
    for r in results:
        run = by_name[r["number"]]
        assert flows[run.flow_id] == r["standard"]
        assert run.state.is_completed()
        assert run.parameters == {"case_id": r["id"]}
    assert len(by_name) == len(results)  # one flow run per case
    # The auditor's way between the two: from a case to its flow run, and from a flow run to its case.
    from engine.cases.queries import case_view

    for r in results[:5]:
        view = case_view(service.store, r["number"])
        assert view["flow_run"]["id"] == str(by_name[r["number"]].id)
        assert case_view(service.store, view["flow_run"]["id"])["number"] == r["number"]
    assert len(task_runs) >= sum(len(r["tasks"]) for r in results)


def test_a_pass_readies_every_run_before_executing_any(demo_run):
    """The demo's cases were all pending at the orchestrator's first pass: every case's flow run was created
    before the first one started (a run created right after another's execution draws the ephemeral API's
    SQLite 503s, engine/orchestration/tuning.py)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentTaskRunId

    async def read():
        async with get_client() as client:
            return await _all(client.read_flow_runs, flow_run_filter=FlowRunFilter(
                parent_task_run_id=FlowRunFilterParentTaskRunId(is_null_=True)))
    _service, results, _summary = demo_run
    numbers = {r["number"] for r in results}
    runs = [r for r in asyncio.run(read()) if r.name in numbers]
    assert len(runs) == len(results) and all(r.start_time for r in runs)
    assert max(r.created for r in runs) < min(r.start_time for r in runs)


def test_no_personal_data_in_prefect(demo_run):
    from prefect import get_client

    async def read():
        async with get_client() as client:
            runs = await _all(client.read_flow_runs)
            tasks = await _all(client.read_task_runs)
            logs = await _all(client.read_logs)
            return runs, tasks, logs
    runs, tasks, logs = asyncio.run(read())
    secrets = [SAMPLE_APPLICANT[k] for k in ("nik", "name", "address", "phone", "email")]
    texts = [r.name for r in runs] + [repr(r.parameters) for r in runs] + [t.name for t in tasks] \
        + [repr(t.task_inputs) for t in tasks] + [log.message for log in logs]
    assert texts
    for text in texts:
        for secret in secrets:
            assert secret not in text
    home = os.environ["PREFECT_HOME"]
    for folder, _dirs, files in os.walk(home):
        for name in files:
            if name.endswith((".db", ".db-wal")):
                data = open(os.path.join(folder, name), "rb").read()
                for secret in secrets:
                    assert secret.encode() not in data, f"{secret} found in {name}"


def test_the_sla_monitor_is_a_scheduled_deployment_run_by_the_orchestrator(demo_run):
    service, _, _ = demo_run
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    from engine.orchestration.orchestrator import Orchestrator

    orchestrator = Orchestrator(service)
    assert asyncio.run(orchestrator.monitor_sla()) == "Completed"
    assert asyncio.run(orchestrator.monitor_sla()) is None  # not due again before the interval

    async def read():
        async with get_client() as client:
            deployment = await client.read_deployment_by_name("sla-monitor/layanan-sla")
            runs = await client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["sla-monitor"])))
            return deployment, runs
    deployment, runs = asyncio.run(read())
    assert deployment.schedules and deployment.schedules[0].schedule.interval.total_seconds() == 600
    assert [r.state.name for r in runs] == ["Completed"] and runs[0].parameters == {}


def test_flow_entrypoints_load_every_standard_and_importing_them_does_nothing(tmp_path):
    """A Prefect worker loads each flow from flows/case_flows.py with Prefect's own loader; importing the
    module opens no database (the first flow asked for builds them all)."""
    import subprocess
    import sys

    from .conftest import ROOT
    from engine.orchestration.flows import entrypoint_name
    from engine.standard.model import load_library

    library = load_library(ROOT / "standards")
    idents = sorted(set(library.standards) | set(library.bundles))
    script = ("import json, os, sys, importlib.util\n"
              "spec = importlib.util.spec_from_file_location('case_flows', 'flows/case_flows.py')\n"
              "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
              "opened = os.path.exists(os.environ['LAYANAN_DATABASE_URL'].removeprefix('sqlite:///'))\n"
              "from prefect.flows import load_flow_from_entrypoint\n"
              "names = [load_flow_from_entrypoint('flows/case_flows.py:' + n).name for n in sys.argv[1:]]\n"
              "print(json.dumps({'opened_at_import': opened, 'names': names}))\n")
    env = dict(os.environ, LAYANAN_DATABASE_URL=f"sqlite:///{tmp_path / 'e.db'}", PREFECT_HOME=str(tmp_path / "p"))
    done = subprocess.run([sys.executable, "-c", script, *map(entrypoint_name, idents)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    found = __import__("json").loads(done.stdout.splitlines()[-1])
    assert found["opened_at_import"] is False
    assert sorted(found["names"]) == idents
