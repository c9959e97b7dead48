"""A busy kecamatan's year simulated (issue 23's goal: 100,000 cases, 20 replications, under 30 s).

The model: 400 applications per working day for 250 working days (100,000 cases), five steps as
Balikpapan's printing has them (reception, SIAK entry, verification, printing, hand-over) with exponential
handling times, officers sized for about 80 % utilisation, a one-working-day limit.

    .venv/bin/python -m bench.simulation [--replications 20] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import time

from engine.capacity.simulation import Model, StepModel, simulate

STEPS = (StepModel("penerimaan", "front_office", (5.0,)), StepModel("input_siak", "operator", (10.0,)),
         StepModel("verifikasi", "verifikator", (5.0,)), StepModel("pencetakan", "operator", (5.0,)),
         StepModel("penyerahan", "front_office", (3.0,)))
OFFICERS = {"front_office": 9, "operator": 16, "verifikator": 6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--per-day", type=float, default=400.0)
    args = parser.parse_args()
    model = Model(STEPS, OFFICERS, args.per_day, 1, 480.0, days=250)
    for workers in args.workers:
        started = time.perf_counter()
        result = simulate(model, args.replications, workers=workers)
        took = time.perf_counter() - started
        print(f"workers {workers}: {args.replications} replications of {result.cases:,.0f} cases in {took:.1f} s "
              f"({args.replications * result.cases / took:,.0f} cases/s); within limit "
              f"{result.within_limit.mean * 100:.1f} %; utilisation "
              + ", ".join(f"{r} {u.mean * 100:.0f} %" for r, u in result.utilisation.items()))


if __name__ == "__main__":
    main()
