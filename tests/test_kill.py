"""SIGKILL in the middle of a step and in the middle of a Prefect run, with real processes: once restarted,
nothing is lost and nothing is duplicated.

Each victim is a real `layanan` process (and, for the worker, the temporary Prefect API server it starts) in
its own process group. A crash point (engine/faults.py) holds it at the most damaging moment, the test kills
the whole group with SIGKILL, then checks the case store, restarts the command and checks again.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from engine.cases.simulate import SAMPLE_APPLICANT, sample_data
from engine.store.models import Case, Event, FlowLink, NumberSeries, Product, Task

from .conftest import ROOT, run_cli, signing_proof

pytestmark = pytest.mark.slow

STANDARD = "kaltim-data-agregat"  # intake -> form -> approval -> automated numbering -> signature -> handover
OFFICE = "disdukcapil-kaltim"


@pytest.fixture
def env(service, tmp_path):
    return {"LAYANAN_DATABASE_URL": service.store.url, "PREFECT_HOME": str(tmp_path / "prefect"),
            "LAYANAN_CRASH_MARKER": str(tmp_path / "crashed-at")}


def _kill_at(point: str, env: dict, *args) -> None:
    """Start `layanan ARGS` so that it blocks at the crash point, then SIGKILL its whole process group."""
    marker = env["LAYANAN_CRASH_MARKER"]
    if os.path.exists(marker):
        os.remove(marker)
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", *args], cwd=ROOT,
                            env=dict(os.environ, **env, LAYANAN_CRASH_AT=point), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 180
    while not os.path.exists(marker):
        if proc.poll() is not None:
            pytest.fail(f"`layanan {' '.join(args)}` ended before reaching {point}:\n{proc.stdout.read()}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"`layanan {' '.join(args)}` never reached {point}")
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL


def _snapshot(service, case_id: int) -> dict:
    """Everything a step may write, counted, so a lost or duplicated write shows up as a difference."""
    with service.store.read() as s:
        case = s.get(Case, case_id)
        tasks = s.execute(select(Task.step_id, Task.status, Task.assignee_id, Task.completed_at, Task.outcome)
                          .where(Task.case_id == case_id).order_by(Task.seq)).all()
        return {
            "case": (case.status, case.row_version, case.due_at),
            "tasks": [tuple(t) for t in tasks],
            # Prefect's bookkeeping, apart: a pass may legitimately record earlier steps before it dies.
            "mirrored": s.scalars(select(Task.mirrored).where(Task.case_id == case_id).order_by(Task.seq)).all(),
            "events": s.scalars(select(Event.kind).where(Event.case_id == case_id).order_by(Event.id)).all(),
            "products": s.execute(select(Product.product_id, Product.number, Product.seq)
                                  .where(Product.case_id == case_id)).all(),
            "series": s.execute(select(NumberSeries.series, NumberSeries.last)).all(),
        }


def _open_task(service, case_id: int) -> Task:
    with service.store.read() as s:
        return s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))


def _prefect_runs(env: dict, name: str) -> list[str]:
    """The state of every flow run named after the case, read by a separate process from Prefect's API."""
    script = (
        "import asyncio, json, sys\n"
        "from engine.orchestration import environment; environment.prepare()\n"
        "from prefect import get_client\n"
        "from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName\n"
        "async def main():\n"
        "    async with get_client() as c:\n"
        "        runs = await c.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[sys.argv[1]])))\n"
        "        print(json.dumps([r.state.type.value for r in runs]))\n"
        "asyncio.run(main())\n")
    out = subprocess.run([sys.executable, "-c", script, name], cwd=ROOT, env=dict(os.environ, **env),
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sigkill_mid_step_and_mid_prefect_run_loses_and_duplicates_nothing(service, library, env, tmp_path):
    standard = library.standard(STANDARD)
    requirements = [r["id"] for r in standard.requirements(None, None, {})]
    first = standard.procedure.steps[0]
    case_id = service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=requirements,
                                actor=f"{OFFICE}.{first['role']}")

    # 1. An officer's process killed after writing the step, before the commit: the step is still open.
    task = _open_task(service, case_id)
    with service.store.read() as s:
        data = sample_data(standard.procedure.by_id[task.step_id], s.get(Case, case_id))
    (tmp_path / "data.json").write_text(json.dumps(data))
    complete = ("task", "complete", str(task.id), "--as", f"{OFFICE}.{task.role}", "--data",
                str(tmp_path / "data.json"))
    before = _snapshot(service, case_id)
    _kill_at("complete.before_commit", env, *complete)
    assert _snapshot(service, case_id) == before
    done = run_cli(*complete, env=env)
    assert done.returncode == 0, done.stderr
    after_step = _snapshot(service, case_id)
    assert after_step["events"].count("task_completed") == before["events"].count("task_completed") + 1

    verify = _open_task(service, case_id)
    service.complete(verify.id, f"{OFFICE}.{verify.role}", outcome="setuju")
    with service.store.read() as s:
        numbering = s.scalar(select(Task).where(Task.case_id == case_id, Task.role == "sistem"))
        number = s.get(Case, case_id).number
    assert numbering.step_id == "penomoran" and numbering.status == "open"

    # 2. The worker killed inside the automated step's transaction: no number is taken, nothing is left half.
    before = _snapshot(service, case_id)
    _kill_at("automated.before_commit", env, "worker", "--once")
    killed = _snapshot(service, case_id)
    assert killed.pop("mirrored") == [True, True, True, False]
    before.pop("mirrored")
    assert killed == before
    with service.store.read() as s:
        link = s.get(FlowLink, case_id)
        run_id = link.flow_run_id
    assert run_id is not None and link.pending  # the flow run exists; Prefect still owes the case a pass
    assert _prefect_runs(env, number) == ["RUNNING"]  # killed mid-run: Prefect still believes it runs

    # 3. Killed after the step committed but before Prefect recorded it: the number is issued exactly once.
    _kill_at("automated.before_mirror", env, "worker", "--once")
    killed = _snapshot(service, case_id)
    assert [(p.product_id, p.seq) for p in killed["products"]] == [("surat_jawaban", 1)]
    assert [t[:2] for t in killed["tasks"]][3] == ("penomoran", "done") and killed["mirrored"][3] is False

    # Restarted: the same flow run starts over from the case's history, repeats no step, then waits again.
    worker = run_cli("worker", "--once", env=env, timeout=240)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert "1 diulang" in worker.stdout
    resumed = _snapshot(service, case_id)
    assert resumed["products"] == killed["products"] and resumed["series"] == killed["series"]
    assert resumed["events"] == killed["events"]
    assert resumed["mirrored"] == [True] * 4 + [False]  # every done step recorded; the signature waits
    with service.store.read() as s:
        assert s.get(FlowLink, case_id).flow_run_id == run_id
    assert _prefect_runs(env, number) == ["PAUSED"]

    # The case then runs to its end on the same single flow run.
    for _ in range(2):
        task = _open_task(service, case_id)
        signer = f"{OFFICE}.{task.role}"
        proof = signing_proof(service, signer) if task.kind == "signature" else None
        service.complete(task.id, signer, proof=proof)
    worker = run_cli("worker", "--once", env=env, timeout=240)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    final = _snapshot(service, case_id)
    assert final["case"][0] == "done"
    assert final["products"] == killed["products"]
    assert final["events"].count("product_issued") == 1
    with service.store.read() as s:
        per_task = s.execute(select(Event.task_id, func.count()).where(
            Event.case_id == case_id, Event.kind == "task_completed").group_by(Event.task_id)).all()
    assert per_task and all(count == 1 for _, count in per_task)
    assert _prefect_runs(env, number) == ["COMPLETED"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()
    except OSError:
        return False


def test_prefect_ephemeral_api_ends_with_a_killed_parent(tmp_path):
    """SIGKILL of the process that started Prefect's ephemeral API (only that process, not its group):
    the API server, unauthenticated on a local port, must not outlive it."""
    script = ("import time, engine.orchestration\n"
              "from prefect import get_client\n"
              "with get_client(sync_client=True) as client: client.api_healthcheck()\n"
              "print('ready', flush=True)\n"
              "time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect")), start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        servers = _children(proc.pid)
        assert servers, "no API server child found"
        proc.kill()
        proc.wait(10)
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in servers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in servers), "the API server outlived its parent"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
