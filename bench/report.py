"""A year's report for one office on a large case store (issue 6).

    .venv/bin/python bench/report.py [--cases 1000000] [--db /tmp/layanan-bench-1m.db] [--runs 3]

Uses the store of bench/monitor.py (bench/synthetic.py builds it when the file is missing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parents[1])] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from bench.synthetic import build as build_store  # noqa: E402
from engine.reports.report import build  # noqa: E402
from engine.store.db import Store  # noqa: E402

OFFICE = "disdukcapil-kaltim"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/layanan-bench-1m.db")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = Path(args.db)
    if not path.exists():
        made = build_store(path, args.cases)
        print(f"built {made['cases']} cases: {path}")
    store = Store(f"sqlite:///{path}")
    samples, report = [], None
    for _ in range(args.runs):
        started = time.perf_counter()
        report = build(store, OFFICE, date(2025, 1, 1), date(2025, 12, 31))
        samples.append(time.perf_counter() - started)
    t = report["totals"]
    print(f"report {OFFICE} 2025: {len(report['groups'])} groups, {t['received']} received, {t['completed']} "
          f"completed ({t['on_time_pct']}% on time), {t['breaches']} breaches, {t['products_issued']} products")
    print(f"  {args.runs} runs: median {statistics.median(samples):.2f} s, min {min(samples):.2f} s "
          f"(goal: under 5 s)")
    store.dispose()


if __name__ == "__main__":
    main()
