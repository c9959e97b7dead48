"""The survey's results on a year of responses (issue 21): IKM and grades per service and quarter for
1,000,000 responses, goal under 1 s; and the SKM report's results for one quarter of the office.

    .venv/bin/python bench/survey.py --responses 1000000                       # SQLite file in /tmp
    .venv/bin/python bench/survey.py --responses 1000000 --url postgresql+psycopg://layanan:layanan@localhost/bench

Responses are written straight into the table (the bench measures reading them), spread over the year,
over the office's standards, with random scores 1-4 leaning to 3.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bench.synthetic import bench_database  # noqa: E402

from engine.skm.periods import parse  # noqa: E402
from engine.standard.model import load_library  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.models import SurveyResponse  # noqa: E402
from engine.survey.results import results, year_table  # noqa: E402

OFFICE = "disdukcapil-kaltim"


def build(store: Store, library, count: int, year: int, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    standards = [s.id for s in library.standards.values() if s.office.id == OFFICE]
    days = rng.integers(0, 365, count)
    picks = rng.integers(0, len(standards), count)
    scores = rng.choice([1, 2, 3, 4], size=(count, 9), p=[0.04, 0.16, 0.5, 0.3])
    start = date(year, 1, 1)
    rows = []
    with store.engine.begin() as conn:
        for i in range(count):
            day = start + timedelta(days=int(days[i]))
            row = {"office_id": OFFICE, "standard_id": standards[picks[i]], "unit_id": None, "channel": "kios",
                   "submitted_on": day, "year": year, "quarter": (day.month - 1) // 3 + 1, "extra": None,
                   "suggestion": "Antrean lama" if i % 50 == 0 else None, "entered_by": None,
                   "age": int(18 + days[i] % 50), "sex": "LP"[i % 2], "education": "SMA", "occupation": "SWASTA"}
            row.update({f"u{n + 1}": int(scores[i, n]) for n in range(9)})
            rows.append(row)
            if len(rows) == 50_000:
                conn.execute(insert(SurveyResponse), rows)
                rows = []
        if rows:
            conn.execute(insert(SurveyResponse), rows)
        conn.exec_driver_sql("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", help="a PostgreSQL database of the bench's own, emptied first")
    args = parser.parse_args()
    url = bench_database(args.url, "layanan-skm-", "skm.db")
    library = load_library(ROOT / "standards")
    store = Store(url)
    started = time.perf_counter()
    build(store, library, args.responses, 2026)
    print(f"{args.responses:,} responses written in {time.perf_counter() - started:.0f} s "
          f"({'PostgreSQL' if args.url else 'SQLite'})")
    office = library.offices[OFFICE]
    titles = {s.id: s.title for s in library.standards.values()}
    for name, work in (("per service and quarter, whole year", lambda: year_table(store, office, 2026)),
                       ("the SKM report's results, one quarter", lambda: results(store, office, parse("2026-Q3"),
                                                                                titles=titles))):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            found = work()
            times.append(time.perf_counter() - t0)
        size = len(found) if isinstance(found, dict) and "overall" not in found else found["overall"].respondents
        print(f"{name:40} median {statistics.median(times) * 1000:7.0f} ms   max {max(times) * 1000:7.0f} ms   "
              f"({size:,} {'cells' if 'overall' not in found else 'respondents'})")
    store.dispose()


if __name__ == "__main__":
    main()
