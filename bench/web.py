"""The worklist page's latency with many open cases in SQLite (issue 5), through the whole web stack:
HTTP request, session lookup, worklist query, SLA status per row, Jinja2 rendering.

    .venv/bin/python bench/engine.py --only memory --open-cases 100000 --keep-db /tmp/open100k.db
    .venv/bin/python bench/web.py --db /tmp/open100k.db [--requests 300]

Without --db it opens --open-cases cases itself first (about 8 ms each through the case service). The app
runs under uvicorn in this process's background thread; requests come from a real HTTP client.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds calendar.py, which would shadow the standard library's calendar module for our imports.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from engine.cases.service import CaseService  # noqa: E402
from engine.cases.simulate import SAMPLE_APPLICANT, users_for  # noqa: E402
from engine.standard.model import load_library  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.models import Task  # noqa: E402
from engine.web.app import create_app  # noqa: E402
from engine.web.auth import hash_password  # noqa: E402

PASSWORD = "bench-password-2026"
OFFICE = "disdukcapil-kaltim"


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def library(work: Path):
    folder = work / "library"
    if not folder.exists():
        shutil.copytree(ROOT / "standards" / "offices", folder / "offices")
        shutil.copy(ROOT / "bench" / "data" / "bench-surat.yaml", folder)
    return load_library(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a database with open cases (from bench/engine.py --keep-db)")
    parser.add_argument("--open-cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="layanan-bench-web-"))
    try:
        if args.db:
            db = work / "web.db"
            shutil.copy(args.db, db)  # never touch the kept original
        else:
            db = work / "web.db"
        service = CaseService(Store(f"sqlite:///{db}"), library(work))
        service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
        service.directory.sync_offices()
        users_for(service)
        if not args.db:
            start = time.perf_counter()
            for _ in range(args.open_cases):
                service.open_case("bench-surat", dict(SAMPLE_APPLICANT), requirements=["surat_permohonan", "ktp"],
                                  actor=f"{OFFICE}.petugas_layanan")
            print(f"opened {args.open_cases} cases in {time.perf_counter() - start:.0f} s")
        service.directory.set_password(f"{OFFICE}.operator", hash_password(PASSWORD))
        with service.store.read() as s:
            open_tasks = s.scalar(select(func.count()).select_from(Task).where(Task.status == "open"))
            mine = s.scalar(select(func.count()).select_from(Task).where(
                Task.status == "open", Task.office_id == OFFICE, Task.role == "operator"))

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base) as client:
            client.post("/masuk", data={"username": f"{OFFICE}.operator", "password": PASSWORD})
            for _ in range(10):  # warm-up: caches, compiled statements, templates
                assert client.get("/kerja").status_code == 200
            samples = []
            for _ in range(args.requests):
                start = time.perf_counter()
                response = client.get("/kerja")
                samples.append(1000 * (time.perf_counter() - start))
                assert response.status_code == 200 and "DISDUKCAPIL-KALTIM" in response.text
            size = len(response.content)
        server.should_exit = True
        thread.join(10)
        ms = samples
        print(f"worklist page /kerja over HTTP: {open_tasks} open tasks in the store, {mine} of them in this "
              f"officer's worklist (the page shows 200); {args.requests} requests, page {size // 1024} KiB")
        print(f"  p50 {percentile(ms, .5):.1f} ms, p95 {percentile(ms, .95):.1f} ms, max {max(ms):.1f} ms, "
              f"mean {statistics.mean(ms):.1f} ms (goal: p95 under 100 ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("LAYANAN_DATA_DIR", tempfile.mkdtemp(prefix="layanan-bench-data-"))
    main()
