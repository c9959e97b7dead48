"""Working-day deadlines: one at a time (pure Python) and one million at once (numpy).

    .venv/bin/python bench/calendar.py
"""

import os
import sys

# This file shares its name with the stdlib `calendar`, which `holidays` imports: keep it from shadowing.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import datetime as dt  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

from engine.calendar import national_calendar  # noqa: E402


def main() -> None:
    cal = national_calendar()
    start = dt.date(2026, 3, 17)
    cal.add_working_days(start, 3)  # builds the index once
    timer = timeit.Timer(lambda: cal.add_working_days(start, 3))
    loops = 100_000
    samples = [t / loops * 1e6 for t in timer.repeat(repeat=7, number=loops)]
    print(f"one deadline (add_working_days)        median {statistics.median(samples):6.2f} µs  (goal < 10 µs)")
    timer = timeit.Timer(lambda: cal.due(start, 3))
    samples = [t / loops * 1e6 for t in timer.repeat(repeat=7, number=loops)]
    print(f"one deadline with WITA close (due)     median {statistics.median(samples):6.2f} µs")

    rng = np.random.default_rng(0)
    first = np.datetime64("2024-01-01")
    starts = first + rng.integers(0, 365 * 2 + 300, size=1_000_000).astype("timedelta64[D]")
    days = rng.integers(1, 51, size=1_000_000)
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        due = cal.add_working_days_many(starts, days)
        runs.append(time.perf_counter() - t0)
    print(f"1,000,000 deadlines (vectorised)       median {statistics.median(runs) * 1000:6.1f} ms  (goal < 1 s)")
    check = [cal.add_working_days(s.astype(dt.date), int(n)) for s, n in zip(starts[:1000], days[:1000])]
    assert [d.astype(dt.date) for d in due[:1000]] == check
    t0 = time.perf_counter()
    fresh = national_calendar()
    fresh.add_working_days(start, 1)
    print(f"cold start: build the index            {(time.perf_counter() - t0) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
