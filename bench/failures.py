"""Failures under load (issue 24), as a script a person can run and as the slow test tests/test_cluster.py:
`layanan cluster` on PostgreSQL (and Redis with two Prefect API servers), officers working through HTTP
(locust), and meanwhile `kill -9` of a web process, an orchestrator, a Prefect API server and Prefect's
background services, and a restart of PostgreSQL (when --pg-restart gives the command). Afterwards:

- no acknowledged completion lost: every step the web answered 200 for is done in the case store;
- none applied twice: no step has two completion events, no case two flow runs;
- every case's Prefect run caught up: no link pending, each flow run in the state of its case (suspended
  while people work on it, completed when it is closed);
- `layanan audit verify` clean.

    .venv/bin/python bench/failures.py --url postgresql+psycopg://layanan:layanan@localhost/bench_fail \\
        [--pg-restart "pg_ctlcluster 15 main restart"] [--cases 300] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import func, select  # noqa: E402

from bench.load import library_folder, run_locust, seed, stop_cluster  # noqa: E402

KILLS = ("web-1", "worker-1", "prefect-api-1", "prefect-services")


def start(env: dict, work: Path, port: int, api: int) -> tuple[subprocess.Popen, Path]:
    log = work / "cluster.log"
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "cluster", "--web", "2", "--workers", "2",
                             "--api", str(api), "--port", str(port), "--prefect-port", str(port + 100)],
                            cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if "siap:" in log.read_text():
            return proc, Path(env["LAYANAN_DATA_DIR"]) / "cluster" / "cluster.json"
        if proc.poll() is not None:
            raise RuntimeError(f"cluster stopped:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    raise RuntimeError("cluster not ready in 300 s")


def kill_during(state: Path, pg_restart: str | None, spacing: float, done: list) -> threading.Thread:
    def run():
        for name in KILLS:
            time.sleep(spacing)
            pid = json.loads(state.read_text())[name]["pid"]
            os.kill(pid, signal.SIGKILL)
            done.append((name, time.time()))
        if pg_restart:
            time.sleep(spacing)
            subprocess.run(shlex.split(pg_restart), check=True, capture_output=True)
            done.append(("postgresql", time.time()))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_caught_up(url: str, seconds: float) -> int:
    from engine.store.db import Store
    from engine.store.models import FlowLink

    store = Store(url)
    deadline = time.monotonic() + seconds
    left = None
    while time.monotonic() < deadline:
        with store.read() as s:
            left = s.scalar(select(func.count()).select_from(FlowLink).where(FlowLink.pending.is_(True)))
        if not left:
            break
        time.sleep(2)
    store.dispose()
    return left


def check(url: str, acks: Path, api_url: str, data_dir: Path) -> dict:
    """The four promises, measured: a dict of what was found (empty lists when all is well)."""
    from engine.store.db import Store
    from engine.store.models import Case, Event, FlowLink, Task

    store = Store(url)
    acked = {int(line.split("\t")[0]) for line in acks.read_text().splitlines() if line.strip()}
    with store.read() as s:
        status = dict(s.execute(select(Task.id, Task.status).where(Task.id.in_(acked))).all()) if acked else {}
        twice = s.execute(select(Event.task_id, func.count()).where(Event.kind == "task_completed",
                                                                    Event.task_id.is_not(None))
                          .group_by(Event.task_id).having(func.count() > 1)).all()
        links = s.execute(select(FlowLink.case_id, FlowLink.flow_run_id, FlowLink.pending, Case.status)
                          .join(Case, Case.id == FlowLink.case_id)).all()
    store.dispose()
    lost = sorted(t for t in acked if status.get(t) != "done")
    runs = [link for link in links if link.flow_run_id]
    states = asyncio.run(_prefect_states(api_url, [r.flow_run_id for r in runs]))
    wrong = []
    for link in runs:
        state = states.get(link.flow_run_id)
        want = "COMPLETED" if link.status in ("done", "rejected") else "PAUSED"
        if state != want:
            wrong.append((link.case_id, link.status, state))
    audit = subprocess.run([sys.executable, "-m", "engine.cli.main", "audit", "verify"], cwd=ROOT,
                           env=dict(os.environ, LAYANAN_DATABASE_URL=url, LAYANAN_DATA_DIR=str(data_dir)),
                           capture_output=True, text=True)
    return {"acknowledged": len(acked), "lost": lost, "twice": twice, "pending": [l.case_id for l in links if l.pending],
            "flow_runs": len(runs), "runs_per_case_unique": len({r.flow_run_id for r in runs}) == len(runs),
            "state_mismatch": wrong, "audit_ok": audit.returncode == 0, "audit": audit.stdout.strip()[-400:]}


async def _prefect_states(api_url: str, run_ids: list[str]) -> dict:
    """Each flow run's state type, read from the cluster's Prefect server (a client made for its URL: the
    settings of this process, loaded at import, may point elsewhere)."""
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    found = {}
    async with PrefectClient(api_url) as client:
        for start in range(0, len(run_ids), 200):
            chunk = run_ids[start:start + 200]
            for run in await client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=chunk))):
                found[str(run.id)] = run.state.type.value if run.state else None
    return found


def run(url: str, cases: int, duration: int, officers: int, pg_restart: str | None, port: int = 8700,
        api: int = 2, known_to_prefect: bool = True) -> dict:
    """``known_to_prefect``: Prefect catches up with the seeded cases before the load (each gets its flow
    run first); otherwise their links are marked caught up and Prefect meets each case at its first step."""
    from bench.synthetic import bench_database
    from engine.store.db import upgrade

    work = Path(tempfile.mkdtemp(prefix="layanan-failures-"))
    folder = library_folder(work)
    url = bench_database(url, "layanan-failures-")
    upgrade(url)
    seed(url, folder, cases, citizens=5, mark_synced=not known_to_prefect)
    env = dict(os.environ, LAYANAN_DATABASE_URL=url, LAYANAN_STANDARDS=str(folder),
               LAYANAN_DATA_DIR=str(work / "data"))
    proc, state = start(env, work, port, api)
    killed: list = []
    try:
        if wait_caught_up(url, 300):
            raise RuntimeError("Prefect did not catch up with the seeded cases before the load")
        acks = work / "acks.tsv"
        killer = kill_during(state, pg_restart, duration / (len(KILLS) + 2), killed)
        run_locust([f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"], duration, officers, work,
                   "failures", acks=acks)
        killer.join()
        left = wait_caught_up(url, 300)
        found = check(url, acks, f"http://127.0.0.1:{port + 100}/api", work / "data")
        found.update(killed=[name for name, _ in killed], pending_after_wait=left, work=str(work))
        return found
    finally:
        stop_cluster(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--pg-restart", help='e.g. "pg_ctlcluster 15 main restart" (run as a user allowed to)')
    args = parser.parse_args()
    found = run(args.url, args.cases, args.duration, args.officers, args.pg_restart)
    print(json.dumps({k: v for k, v in found.items()}, indent=2, default=str))
    ok = not found["lost"] and not found["twice"] and not found["pending"] and not found["state_mismatch"] \
        and found["audit_ok"] and found["runs_per_case_unique"]
    print("OK: 0 lost, 0 applied twice, every run caught up, audit chain verifies" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
