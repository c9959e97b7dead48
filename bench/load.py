"""The load test of issue 24: layanan on Prefect's server (`layanan cluster`) with N web processes and N
orchestrators, 50 officers and a few citizens working through HTTP (locust), the SLA monitor running, on a
case store with --open-cases open cases. Bounded: --duration seconds of load, 127.0.0.1 only.

    .venv/bin/python bench/load.py --url postgresql+psycopg://layanan:layanan@localhost/bench_load \\
        --open-cases 100000 --processes 1 2 --duration 60

Prints per action the count, throughput and p50/p95/p99 (locust's), errors, completed steps per second,
the backlog left when the load stops with the time Prefect then took to drain it, and Prefect's catch-up
lag (a case's change in the case store to its flow run in the same state: ``synced_at - changed_at`` of
every case changed during the load, measured once the backlog is drained). --pace S paces each officer to
an action per S seconds at most: the lag at a rate Prefect can follow.

Seeding: the open cases are opened through the case service (every row, event and audit chain as an
officer's intake makes them), in worker processes; their Prefect links are then marked caught up, as if
Prefect had followed them before the test (catching up with 100,000 new cases at Prefect's few runs a
second would take hours). Prefect meets each case at its first step during the test: a flow run is
created then, and mirrors the intake and that step. --reuse keeps a seeded database for the next run.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import func, select, text, update  # noqa: E402

PASSWORD = "beban-uji-2026"
STANDARD = "bench-layanan-cepat"
OFFICE = "disdukcapil-kaltim"
ROLES = {"operator": 40, "subkoor_piak": 30, "petugas_layanan": 30}


def library_folder(work: Path) -> Path:
    folder = work / "standards"
    if not folder.exists():
        shutil.copytree(ROOT / "standards", folder)
        shutil.copy(ROOT / "bench" / "data" / f"{STANDARD}.yaml", folder)
    return folder


def nik(n: int, region: str = "647201") -> str:
    """A NIK that passes the checks (region, date of birth, a sequence 0001-9999), unique per n."""
    k, seq = divmod(n, 9999)
    return f"{region}{1 + k % 28:02d}{1 + (k // 28) % 12:02d}{(90 + k // 336) % 100:02d}{seq + 1:04d}"


def _open_some(args) -> int:
    url, folder, first, count = args
    from engine.cases.service import CaseService
    from engine.standard.model import load_library
    from engine.store.db import Store

    service = CaseService(Store(url), load_library(folder))
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    applicant = {"nik": "", "name": "Pemohon Uji Beban"}
    for n in range(first, first + count):
        service.open_case(STANDARD, {**applicant, "nik": nik(n)}, requirements=["ktp"],
                          actor="beban.petugas_layanan.1")
    service.store.dispose()
    return count


def seed(url: str, folder: Path, cases: int, citizens: int, workers: int = 2, mark_synced: bool = True) -> None:
    from engine.access.passwords import hash_password
    from engine.cases.service import CaseService
    from engine.standard.model import load_library
    from engine.store.db import Store
    from engine.store.models import CitizenAccount, FlowLink

    store = Store(url)
    service = CaseService(store, load_library(folder))
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    service.directory.sync_offices()
    hashed = hash_password(PASSWORD)
    for role, count in ROLES.items():
        for n in range(1, count + 1):
            service.directory.add_user(f"beban.{role}.{n}", f"Petugas uji {role} {n}", OFFICE, [role])
            service.directory.set_password(f"beban.{role}.{n}", hashed)
    with store.write() as s:
        for n in range(1, citizens + 1):
            s.add(CitizenAccount(nik=nik(n, "647105"), name=f"Warga Uji {n}", email=f"beban.warga.{n}@contoh.test",
                                 phone=None, password_hash=hashed, email_verified_at=datetime.now(timezone.utc),
                                 created_at=datetime.now(timezone.utc)))
    started = time.perf_counter()
    share = -(-cases // workers)
    jobs = [(url, folder, 1 + n * share, min(share, cases - n * share)) for n in range(workers) if cases > n * share]
    with ProcessPoolExecutor(workers) as pool:
        opened = sum(pool.map(_open_some, jobs))
    if mark_synced:
        with store.transaction() as conn:
            conn.execute(update(FlowLink.__table__).values(pending=False, state="new", synced_at=func.now()))
    print(f"seeded {opened:,} open cases in {time.perf_counter() - started:.0f} s"
          f"{' (their Prefect links marked caught up)' if mark_synced else ''}; {sum(ROLES.values())} officers, "
          f"{citizens} citizens", flush=True)
    store.dispose()


def start_cluster(processes: int, env: dict, work: Path, port: int) -> tuple[subprocess.Popen, list[str]]:
    log = open(work / f"cluster-{processes}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "cluster", "--web", str(processes),
                             "--workers", str(processes), "--api", "1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        text_ = (work / f"cluster-{processes}.log").read_text()
        if "siap:" in text_:
            return proc, [f"http://127.0.0.1:{port + n}" for n in range(processes)]
        if proc.poll() is not None:
            raise SystemExit(f"cluster stopped:\n{text_[-3000:]}")
        time.sleep(0.5)
    raise SystemExit("cluster not ready in 240 s")


def stop_cluster(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def run_locust(hosts: list[str], duration: int, officers: int, work: Path, tag: str, acks: Path | None = None,
               pace: float = 0) -> dict:
    share = {"LOAD_OPERATORS": round(officers * 0.4), "LOAD_VERIFIERS": round(officers * 0.3)}
    share["LOAD_HANDOVER"] = officers - sum(share.values())
    env = dict(os.environ, LOAD_HOSTS=",".join(hosts), LOAD_PASSWORD=PASSWORD, LOAD_CITIZENS="5",
               **{k: str(v) for k, v in share.items()})
    if acks is not None:
        env["LOAD_ACKS"] = str(acks)
    if pace:
        env["LOAD_PACE"] = str(pace)
    prefix = work / f"locust-{tag}"
    users = officers + 5
    subprocess.run([str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "load" / "locustfile.py"),
                    "--headless", "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--host", hosts[0],
                    "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0"],
                   env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def prefect_lag(url: str, since: datetime, until: datetime, drain_seconds: int = 900) -> dict:
    """Waits until Prefect has caught up (at most ``drain_seconds``), then measures, for every case changed
    during the load, its last change there to its flow run in the same state (``synced_at - changed_at``):
    the changes Prefect followed during the load and those it met only while draining alike."""
    from engine.store.db import Store
    from engine.store.models import FlowLink

    store = Store(url)
    links = FlowLink.__table__
    with store.read() as s:
        backlog = s.scalar(select(func.count()).select_from(links).where(links.c.pending.is_(True)))
    started = time.perf_counter()
    left = backlog
    while left and time.perf_counter() - started < drain_seconds:
        time.sleep(2)
        with store.read() as s:
            left = s.scalar(select(func.count()).select_from(links).where(links.c.pending.is_(True)))
    drained_in = time.perf_counter() - started if not left else None
    with store.read() as s:
        lags = sorted(s.execute(select(links.c.synced_at - links.c.changed_at).where(
            links.c.changed_at >= since, links.c.changed_at <= until, links.c.pending.is_(False),
            links.c.synced_at.is_not(None))).scalars().all())
    store.dispose()
    seconds = [max(0.0, lag.total_seconds()) for lag in lags]

    def pct(q):
        return seconds[min(len(seconds) - 1, int(q * (len(seconds) - 1)))] if seconds else None

    return {"synced": len(seconds), "p50": pct(.5), "p95": pct(.95), "p99": pct(.99),
            "max": seconds[-1] if seconds else None, "backlog": backlog, "drained_in": drained_in, "left": left}


def report(tag: str, stats: dict, duration: int, lag: dict) -> None:
    print(f"\n== {tag}")
    print(f"{'action':<28}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}")
    for name, row in stats.items():
        print(f"{name:<28}{row['Request Count']:>9}{row['Failure Count']:>9}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}")
    completed = int(stats.get("complete", {}).get("Request Count", 0)) - int(stats.get("complete", {}).get("Failure Count", 0))
    print(f"completed human steps: {completed} in {duration} s = {completed / duration:.1f}/s")
    if lag["synced"]:
        print(f"Prefect catch-up lag over the {lag['synced']} cases changed during the load: p50 {lag['p50']:.1f} s, "
              f"p95 {lag['p95']:.1f} s, p99 {lag['p99']:.1f} s, max {lag['max']:.1f} s; backlog at the end "
              f"{lag['backlog']}, drained in "
              + (f"{lag['drained_in']:.0f} s" if lag['drained_in'] is not None else f"(not drained: {lag['left']} left)"))
    else:
        print(f"Prefect synced nothing during the load; backlog {lag['backlog']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="an empty PostgreSQL database of the bench's own")
    parser.add_argument("--open-cases", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reuse", action="store_true", help="the database is seeded already")
    parser.add_argument("--port", type=int, default=8600)
    parser.add_argument("--pace", type=float, default=0,
                        help="each officer's actions at least this many seconds apart (a paced load; 0: no pause)")
    args = parser.parse_args()
    from bench.synthetic import bench_database

    work = Path(tempfile.mkdtemp(prefix="layanan-bench-load-"))
    folder = library_folder(work)
    url = args.url
    if not args.reuse:
        url = bench_database(args.url, "layanan-bench-load-")
        from engine.store.db import upgrade

        upgrade(url)
        seed(url, folder, args.open_cases, citizens=5)
    env = dict(os.environ, LAYANAN_DATABASE_URL=url, LAYANAN_STANDARDS=str(folder),
               LAYANAN_DATA_DIR=str(work / "data"))
    for processes in args.processes:
        proc, hosts = start_cluster(processes, env, work, args.port)
        try:
            since = datetime.now(timezone.utc)
            stats = run_locust(hosts, args.duration, args.officers, work, str(processes), pace=args.pace)
            until = datetime.now(timezone.utc)
            lag = prefect_lag(url, since, until)
        finally:
            stop_cluster(proc)
        report(f"{processes} web process(es), {processes} orchestrator(s), 1 Prefect API server; "
               f"{args.officers} officers + 5 citizens{f' paced at {args.pace} s' if args.pace else ''}, "
               f"{args.duration} s", stats, args.duration, lag)
    print(f"\nlogs: {work}")


if __name__ == "__main__":
    main()
