"""Finding a case and opening its page on 100,000 cases (issue 20): search p95 under 50 ms, a case page
under 100 ms, on SQLite and on PostgreSQL.

    .venv/bin/python bench/finding.py --cases 100000                      # SQLite, a fresh synthetic store
    .venv/bin/python bench/finding.py --cases 100000 --url postgresql+psycopg://layanan:layanan@localhost/bench

The store is bench/synthetic.py's (varied applicants' names and NIKs, case numbers, receipt codes, product
numbers, the search tokens the engine writes). Each kind of search runs --runs times with different values,
through engine.cases.finding.find (the page's query: the total and one page of 25); the case page is
GET /kasus/NUMBER through the web application in process (session, case view, dossier, rendering).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench import synthetic  # noqa: E402
from engine.cases.finding import Search, find  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.models import Case, Product  # noqa: E402

OFFICE = "disdukcapil-kaltim"


def percentile(values, q):
    return float(np.percentile(np.array(values) * 1000, q))


def _searches(store, rng, runs: int) -> dict:
    with store.read() as s:
        cases = s.execute(select(Case.id, Case.number, Case.receipt_code, Case.applicant)
                          .where(Case.office_id == OFFICE)).all()
        products = s.scalars(select(Product.number).where(Product.office_id == OFFICE)).all()
    pick = [cases[int(i)] for i in rng.integers(0, len(cases), runs)]
    return {
        "NIK": [Search(text=c.applicant["nik"]) for c in pick],
        "one name word (common)": [Search(text=c.applicant["name"].split()[0]) for c in pick],
        "whole name": [Search(text=c.applicant["name"]) for c in pick],
        "name word beginning (3 letters)": [Search(text=c.applicant["name"].split()[-1][:3]) for c in pick],
        "case number": [Search(text=c.number) for c in pick],
        "receipt code": [Search(text=c.receipt_code) for c in pick],
        "product number": [Search(text=products[int(i)]) for i in rng.integers(0, len(products), runs)],
        "name + status + SLA filters": [Search(text=c.applicant["name"].split()[0], status="done", sla="on_time")
                                        for c in pick],
        "no text, open and late": [Search(status="open", sla="late") for _ in pick],
        "no text, page 40 of all": [Search(page=40) for _ in pick],
        "pasted text (10 KB)": [Search(text="x" * 10_240) for _ in pick],
    }, [c.number for c in pick]


def _case_pages(store, numbers: list[str]) -> list[float]:
    from fastapi.testclient import TestClient

    from engine.cases.service import CaseService
    from engine.standard.model import load_library
    from engine.web.app import create_app
    from engine.web.auth import hash_password

    service = CaseService(store, load_library(ROOT / "standards"))
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    username = f"{OFFICE}.petugas_layanan"
    service.directory.set_password(username, hash_password("bench-password-2026"))

    async def no_wait(seconds):
        pass

    client = TestClient(create_app(service, public_url="http://testserver", sleep=no_wait))
    page = client.get("/masuk")
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    client.post("/masuk", data={"username": username, "password": "bench-password-2026", "csrf": token})
    times = []
    for number in [numbers[0]] * 5 + numbers:  # the first ones warm the caches
        started = time.perf_counter()
        response = client.get(f"/kasus/{number}")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:300]
    return times[5:]


def _exports(store) -> None:
    """The case list's whole export (every case of the office) as CSV and as Excel through the web
    application: rows, seconds, and the process's peak memory growth while it streams."""
    import os

    from fastapi.testclient import TestClient

    from engine.cases.service import CaseService
    from engine.standard.model import load_library
    from engine.web.app import create_app

    async def no_wait(seconds):
        pass

    service = CaseService(store, load_library(ROOT / "standards"))
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    client = TestClient(create_app(service, public_url="http://testserver", sleep=no_wait))
    page = client.get("/masuk")
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    client.post("/masuk", data={"username": f"{OFFICE}.petugas_layanan", "password": "bench-password-2026",
                                "csrf": token})
    page_size = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * page_size

    print(f"\n{'export of the whole list':34} {'seconds':>8} {'MB sent':>8} {'peak RSS growth MB':>20}")
    import threading

    for kind in ("csv", "xlsx"):
        before = rss()
        peak, done = [before], threading.Event()

        def sample():  # the application runs in TestClient's own thread: sample the whole process
            while not done.wait(0.01):
                peak[0] = max(peak[0], rss())

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        sent = 0
        with client.stream("GET", f"/cari/ekspor.{kind}") as response:
            assert response.status_code == 200
            for block in response.iter_bytes():
                sent += len(block)
        done.set()
        sampler.join()
        grown = (peak[0] - before) / 1e6
        print(f"{kind:34} {time.perf_counter() - started:8.1f} {sent / 1e6:8.1f} {grown:20.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--export", action="store_true", help="also the whole list's CSV and Excel export")
    parser.add_argument("--url", help="a PostgreSQL database of the bench's own, emptied first (default: a SQLite "
                                      "file in /tmp)")
    args = parser.parse_args()
    target = synthetic.bench_database(args.url, "layanan-find-")
    started = time.perf_counter()
    built = synthetic.build(target, args.cases)
    print(f"{args.cases:,} cases built in {time.perf_counter() - started:.0f} s "
          f"({'PostgreSQL' if args.url else 'SQLite'}); {OFFICE} holds most of them")
    store = Store(target if "://" in target else f"sqlite:///{target}")
    with store.engine.begin() as conn:  # statistics, as a store in use has them (autovacuum, sqlite's optimize)
        conn.exec_driver_sql("ANALYZE")
    at = built["now"] + timedelta(hours=1)
    rng = np.random.default_rng(11)
    searches, numbers = _searches(store, rng, args.runs)
    print(f"\n{'search (total + a page of 25)':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean hits':>10}")
    for name, batch in searches.items():
        find(store, batch[0], offices=[OFFICE], at=at)  # warm
        times, hits = [], []
        for search in batch:
            t0 = time.perf_counter()
            result = find(store, search, offices=[OFFICE], at=at)
            times.append(time.perf_counter() - t0)
            hits.append(result["total"])
        print(f"{name:34} {percentile(times, 50):8.1f} {percentile(times, 95):8.1f} {max(times) * 1000:8.1f} "
              f"{statistics.mean(hits):10.0f}")
    pages = _case_pages(store, numbers[:args.runs])
    print(f"\n{'case page GET /kasus/NUMBER':34} {percentile(pages, 50):8.1f} {percentile(pages, 95):8.1f} "
          f"{max(pages) * 1000:8.1f}")
    if args.export:
        _exports(store)
    store.dispose()


if __name__ == "__main__":
    main()
