"""The SLA monitor's pass time on a large case store (issue 6): a full pass (every open case due for a
check, as on the first run), an incremental pass a day later (only the cases whose moment came), and a
repeat of it (nothing to do: the monitor is idempotent).

    .venv/bin/python bench/monitor.py [--cases 1000000] [--db /tmp/bench-1m.db]

The store is made by bench/synthetic.py (bulk inserts), or reused with --db when the file exists.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parents[1])] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import func, select  # noqa: E402

from bench.synthetic import START, DAYS, build  # noqa: E402
from engine.sla.monitor import run_pass  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.models import Case, Event  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/layanan-bench-1m.db")
    args = parser.parse_args()
    path = Path(args.db)
    if not path.exists():
        started = time.perf_counter()
        made = build(path, args.cases)
        print(f"built {made['cases']} cases ({made['open']} open) in {time.perf_counter() - started:.0f} s: {path}")
    working = path.with_suffix(".monitor.db")
    working.write_bytes(path.read_bytes())  # the monitor writes: keep the built store for the report bench
    store = Store(f"sqlite:///{working}")
    now = START + timedelta(days=DAYS)
    with store.read() as s:
        total = s.scalar(select(func.count()).select_from(Case))
        due = s.scalar(select(func.count()).select_from(Case).where(Case.sla_next_at <= now))
    print(f"{total} cases in the store, {due} due for a check")
    later = now + timedelta(days=1, hours=2)
    for label, at in (("full pass", now), ("incremental pass, a day later", later), ("the same pass again", later)):
        started = time.perf_counter()
        summary = run_pass(store, at)
        took = time.perf_counter() - started
        print(f"  {label}: {took:.2f} s, {summary.checked} cases checked, {summary.at_risk} at risk, "
              f"{summary.late} late, {summary.escalations} escalations")
    with store.read() as s:
        print(f"  {s.scalar(select(func.count()).select_from(Event).where(Event.kind.like('sla_%')))} SLA events "
              f"in the store")
    store.dispose()
    working.unlink()


if __name__ == "__main__":
    main()
