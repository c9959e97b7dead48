"""The queue's hot paths (issue 23's goals): call-next p95 under 20 ms with 10 counters and 500 waiting
tickets, and the TV display seeing a call within 1 s.

    .venv/bin/python bench/floor_queue.py                                     # SQLite file in /tmp
    .venv/bin/python bench/floor_queue.py --url postgresql+psycopg://layanan:layanan@localhost/bench

Call-next: 500 tickets waiting at Bontang's MPP (a quarter of them priority), ten counters open, ten
threads (one per counter, as ten officers clicking) each calling the next ticket until --calls have been
called; each call timed. The display: the web application under uvicorn in this process, a real HTTP
client reading the server-sent events of /peristiwa; a counter calls every 2 s and the time from the
call's commit to the event naming it arriving is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bench.synthetic import bench_database  # noqa: E402
from engine.cases.service import CaseService  # noqa: E402
from engine.floor.queue import Floor  # noqa: E402
from engine.standard.model import load_library  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.web.app import create_app  # noqa: E402

OFFICE, UNIT = "disdukcapil-bontang", "mpp-bontang"
WITA = ZoneInfo("Asia/Makassar")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ten_counters(library) -> Floor:
    floor = Floor(library, OFFICE, UNIT)
    floor.services = {code: {k: v for k, v in s.items() if k != "daily_quota"} for code, s in floor.services.items()}
    floor.counters = {f"loket-{n}": {"id": f"loket-{n}", "name": f"Loket {n}", "services": ["A", "B"]}
                      for n in range(1, 11)}
    return floor


def call_next(store, floor, waiting: int, calls: int, at: datetime, think: float) -> list[float]:
    """``think``: seconds an officer takes between calls (0: back to back, a stress test)."""
    import random

    for n in range(waiting):
        floor.issue(store, "AB"[n % 2], at + timedelta(seconds=n), "lansia" if n % 4 == 0 else None)
    for counter in floor.counters:
        floor.open_counter(store, counter, f"petugas-{counter}", at)
    samples, left, lock = [], [calls], threading.Lock()
    rng = random.Random(3)

    def officer(counter):
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
                pause = rng.expovariate(1 / think) if think else 0.0
            time.sleep(pause)
            started = time.perf_counter()
            floor.call_next(store, counter, f"petugas-{counter}", at + timedelta(hours=1))
            took = 1000 * (time.perf_counter() - started)
            with lock:
                samples.append(took)

    threads = [threading.Thread(target=officer, args=(c,)) for c in floor.counters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def display_latency(service, floor, at: datetime, calls: int) -> list[float]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(service, clock=lambda: at + timedelta(hours=2))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    seen, called, samples = {}, {}, []
    done = threading.Event()

    def listen():
        with httpx.stream("GET", f"http://127.0.0.1:{port}/antrean/{OFFICE}/{UNIT}/peristiwa", timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    now = time.perf_counter()
                    if os.environ.get("BENCH_DEBUG"):
                        print(line[:300])
                    for call in json.loads(line[6:])["calls"]:
                        seen.setdefault(call["label"], now)
                if done.is_set():
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(1.0)
    store = service.store
    for n in range(calls):
        ticket = floor.call_next(store, "loket-1", "petugas-loket-1", at + timedelta(hours=2, seconds=n))
        called[ticket.label] = time.perf_counter()
        time.sleep(2.0)
    done.set()
    server.should_exit = True
    for label, when in called.items():
        if label in seen:
            samples.append(1000 * (seen[label] - when))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url")
    parser.add_argument("--waiting", type=int, default=500)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--display-calls", type=int, default=10)
    parser.add_argument("--think", type=float, default=0.5, help="seconds between an officer's calls")
    args = parser.parse_args()
    url = bench_database(args.url, "layanan-bench-queue-")
    library = load_library(ROOT / "standards")
    service = CaseService(Store(url), library)
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    floor = ten_counters(library)
    at = datetime(2026, 12, 1, 8, 0, tzinfo=WITA)
    for think, what in ((0.0, "back to back"), (args.think, f"{args.think:g} s apart on average")):
        ms = call_next(service.store, floor, args.waiting, args.calls, at, think)
        print(f"call next ({url.split(':')[0]}), {what}: {args.waiting} waiting, 10 counters in 10 threads, "
              f"{len(ms)} calls: p50 {percentile(ms, .5):.1f} ms, p95 {percentile(ms, .95):.1f} ms, "
              f"p99 {percentile(ms, .99):.1f} ms, max {max(ms):.1f} ms (goal: p95 under 20 ms)")
        last, at = at, at + timedelta(days=1)  # a new day: 500 waiting again
    lag = display_latency(service, floor, last, args.display_calls)
    print(f"display: {len(lag)} of {args.display_calls} calls seen over server-sent events: "
          f"mean {statistics.fmean(lag):.0f} ms, max {max(lag):.0f} ms (goal: within 1 s)")


if __name__ == "__main__":
    os.environ.setdefault("LAYANAN_DATA_DIR", tempfile.mkdtemp(prefix="layanan-bench-data-"))
    main()
