"""How fast Prefect catches up on its server (issue 24's "two orchestrators carry 1.7x one"): a backlog of
--cases new cases (each a flow run to create and execute until it suspends for the data entry), then the
same cases after one officer's step each (each a suspended run to resume and execute), drained by
`layanan cluster` with the given orchestrators and per-orchestrator concurrency; cases per second for each.

    .venv/bin/python bench/prefect_drain.py --url postgresql+psycopg://layanan:layanan@localhost/bench_drain \\
        --cases 300 --configs 1x1 1x8 2x8

A config WxC is W orchestrators, each running C cases at a time (LAYANAN_ORCHESTRATOR_CONCURRENCY). One
Prefect API server, no web process; each config on a fresh database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import func, select  # noqa: E402

from bench.load import STANDARD, library_folder, seed, stop_cluster  # noqa: E402


def pending(store) -> int:
    from engine.store.models import FlowLink

    with store.read() as s:
        return s.scalar(select(func.count()).select_from(FlowLink).where(FlowLink.pending.is_(True)))


def drain(store, seconds: float = 900) -> float:
    started = time.perf_counter()
    while pending(store) and time.perf_counter() - started < seconds:
        time.sleep(0.5)
    return time.perf_counter() - started


def one_step_each(url: str, folder: Path) -> int:
    """The data entry of every open case, as its operator (through the case service)."""
    from engine.cases.service import CaseService
    from engine.standard.model import load_library
    from engine.store.db import Store
    from engine.store.models import Task

    service = CaseService(Store(url), load_library(folder))
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    with service.store.read() as s:
        tasks = s.scalars(select(Task.id).where(Task.step_id == "pengolahan", Task.status == "open")).all()
    for task_id in tasks:
        service.complete(task_id, "beban.operator.1", data={"uraian": "diolah"})
    service.store.dispose()
    return len(tasks)


def run(url: str, cases: int, workers: int, concurrency: int, port: int) -> tuple[float, float]:
    import subprocess

    from bench.synthetic import bench_database
    from engine.store.db import Store, upgrade

    work = Path(tempfile.mkdtemp(prefix="layanan-drain-"))
    folder = library_folder(work)
    url = bench_database(url, "layanan-drain-")
    upgrade(url)
    seed(url, folder, cases, citizens=0, mark_synced=False)
    env = dict(os.environ, LAYANAN_DATABASE_URL=url, LAYANAN_STANDARDS=str(folder), LAYANAN_DATA_DIR=str(work / "data"),
               LAYANAN_ORCHESTRATOR_CONCURRENCY=str(concurrency))
    log = work / "cluster.log"
    store = Store(url)
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "cluster", "--web", "1", "--workers", str(workers),
                             "--api", "1", "--port", str(port), "--prefect-port", str(port + 100)],
                            cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True)
    try:
        while "siap:" not in log.read_text():
            if proc.poll() is not None:
                raise SystemExit(log.read_text()[-2000:])
            time.sleep(0.3)
        created = cases / drain(store)
        stepped = one_step_each(url, folder)
        resumed = stepped / drain(store)
    finally:
        stop_cluster(proc)
        store.dispose()
    return created, resumed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--configs", nargs="+", default=["1x1", "1x8", "2x8"])
    parser.add_argument("--port", type=int, default=8950)
    args = parser.parse_args()
    print(f"{args.cases} cases of {STANDARD}; cases per second Prefect caught up with")
    for config in args.configs:
        workers, concurrency = (int(x) for x in config.split("x"))
        created, resumed = run(args.url, args.cases, workers, concurrency, args.port)
        print(f"{workers} orchestrator(s) x {concurrency} at a time: new cases {created:.2f}/s, "
              f"after a step {resumed:.2f}/s", flush=True)


if __name__ == "__main__":
    main()
