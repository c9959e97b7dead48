"""Complaint deadlines for 100,000 open complaints recomputed (issue 21): goal under 1 s.

    .venv/bin/python bench/recompute.py --complaints 100000
    .venv/bin/python bench/recompute.py --complaints 100000 --url postgresql+psycopg://layanan:layanan@localhost/bench

The complaints (kaltim-pengaduan-masyarakat) are written straight into the case store: opened over 2026 on
working days, a tier each (or none yet), some with days the clock stood still, each with the due date the
engine would have given it. Then the recomputation runs: once with nothing to change (every case checked
against the calendar), and once after 1 % of the due dates were moved, as a new cuti bersama decree would
move them (checked and corrected, each with its event in the case's chain).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, time as clock, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
from sqlalchemy import insert, update  # noqa: E402

from bench.synthetic import bench_database  # noqa: E402

from engine.cases.frozen import calendar_for, freeze  # noqa: E402
from engine.sla.recompute import recompute  # noqa: E402
from engine.standard.model import load_library  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.models import Case, Event  # noqa: E402

STANDARD = "kaltim-pengaduan-masyarakat"


def build(store: Store, library, count: int, seed: int = 3) -> list[int]:
    from engine.cases.service import CaseService

    CaseService(store, library).directory.sync_offices()
    rng = np.random.default_rng(seed)
    standard = library.standard(STANDARD)
    with store.engine.begin() as conn:
        version = freeze(conn, standard.data, standard.office.data)
    calendar = calendar_for(version, None)
    tiers = [None] + list(standard.tiers)
    days_off = rng.integers(0, 300, count)
    rows, events = [], []
    for i in range(count):
        day = calendar.add_working_days(date(2026, 1, 2), int(days_off[i]))
        started = datetime.combine(day, clock(9, int(rng.integers(0, 60))), tzinfo=calendar.tz)
        tier = tiers[int(rng.integers(0, len(tiers)))]
        paused = int(rng.integers(1, 4)) if rng.random() < 0.1 else 0
        limit = standard.time_limit(None, tier)
        due = calendar.due(started, limit["working_days"] + paused, limit["start_day"])
        rows.append({"id": i + 1, "number": f"ADUAN-{i + 1:07d}", "receipt_code": f"A{i + 1:09d}",
                     "office_id": standard.office.id, "standard_version_id": version.id, "standard_id": STANDARD,
                     "channel": "web", "status": "open", "applicant": {}, "answers": {"isi": "x"},
                     "received_at": started, "clock_started_at": started, "due_at": due, "tier": tier,
                     "sla_mark": "", "sla_level": 0, "row_version": 1, "audit_seq": 0})
        if paused:
            events.append({"case_id": i + 1, "kind": "clock_resumed", "actor": "sistem", "at": started,
                           "seq": 0, "prev_hash": "", "hash": f"{i:064d}", "data": {"paused_working_days": paused}})
    with store.engine.begin() as conn:
        for chunk in range(0, count, 50_000):
            conn.execute(insert(Case), rows[chunk:chunk + 50_000])
        for chunk in range(0, len(events), 50_000):
            conn.execute(insert(Event), events[chunk:chunk + 50_000])
        conn.exec_driver_sql("ANALYZE")
    return [r["id"] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", help="a PostgreSQL database of the bench's own, emptied first")
    args = parser.parse_args()
    url = bench_database(args.url, "layanan-recompute-")
    library = load_library(ROOT / "standards")
    store = Store(url)
    started = time.perf_counter()
    ids = build(store, library, args.complaints)
    print(f"{args.complaints:,} open complaints written in {time.perf_counter() - started:.0f} s "
          f"({'PostgreSQL' if args.url else 'SQLite'})")
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        summary = recompute(store, write=False)
        times.append(time.perf_counter() - t0)
    assert not summary.changed, summary.changed[:3]
    print(f"{'checked, nothing to change':40} median {statistics.median(times) * 1000:6.0f} ms  "
          f"max {max(times) * 1000:6.0f} ms  ({summary.checked:,} cases)")
    moved = ids[:: 100]
    with store.engine.begin() as conn:
        conn.execute(update(Case).where(Case.id.in_(moved)).values(due_at=datetime(2027, 6, 30, 8, tzinfo=timezone.utc)
))
    t0 = time.perf_counter()
    summary = recompute(store)
    print(f"{'1 % moved: checked and corrected':40} {(time.perf_counter() - t0) * 1000:6.0f} ms  "
          f"({len(summary.changed):,} corrected, each with its event)")
    store.dispose()


if __name__ == "__main__":
    main()
