"""Counter staffing by Erlang C (M/M/N): how many officers a counter needs so that a target share of
applicants is served within a target wait, at the arrivals and handling time measured.

Computed with Erlang B's recurrence (B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1))) and C = N·B / (N - A(1 - B)),
which stays exact where the textbook form's A^N / N! overflows (hundreds of erlangs). Checked against the
worked example of Call Centre Helper's "Erlang C formula made simple" (100 calls per 30 minutes, 180 s
handling, 80 % within 20 s, 30 % shrinkage: 14 officers, 20 with shrinkage) in tests/test_capacity.py.
Pure: no database, no clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_OFFICERS = 10_000


@dataclass(frozen=True)
class Staffing:
    officers: int  # on duty at once
    scheduled: int  # rostered, shrinkage included
    intensity: float  # erlangs: the work arriving, in officers' time
    service_level: float  # share served within the target wait, with ``officers``
    waiting_probability: float
    average_wait: float  # seconds
    occupancy: float

    def as_dict(self) -> dict:
        return {"officers": self.officers, "scheduled": self.scheduled, "intensity": round(self.intensity, 4),
                "service_level": round(self.service_level, 4),
                "waiting_probability": round(self.waiting_probability, 4),
                "average_wait_seconds": round(self.average_wait, 1), "occupancy": round(self.occupancy, 4)}


def intensity(arrivals: float, per_seconds: float, handling_seconds: float) -> float:
    if arrivals < 0 or per_seconds <= 0 or handling_seconds <= 0:
        raise ValueError("kedatangan tidak boleh negatif; periode dan lama layanan harus lebih dari 0")
    return arrivals / per_seconds * handling_seconds


def waiting_probability(officers: int, load: float) -> float:
    """Erlang C: the probability that an arrival waits (1 when the officers cannot keep up)."""
    if officers <= load:
        return 1.0
    blocking = 1.0
    for n in range(1, officers + 1):
        blocking = load * blocking / (n + load * blocking)
    return officers * blocking / (officers - load * (1 - blocking))


def service_level(officers: int, load: float, handling_seconds: float, within_seconds: float) -> float:
    if officers <= load:
        return 0.0
    waits = waiting_probability(officers, load)
    return max(0.0, 1 - waits * math.exp(-(officers - load) * within_seconds / handling_seconds))


def staffing(arrivals: float, per_seconds: float, handling_seconds: float, target: float, within_seconds: float,
             shrinkage: float = 0.0) -> Staffing:
    """The fewest officers reaching ``target`` (0-1) served within ``within_seconds``; rostered with
    ``shrinkage`` (0-1: breaks, leave, training)."""
    if not 0 < target < 1:
        raise ValueError("target harus antara 0 dan 100 persen (tidak termasuk)")
    if within_seconds < 0:
        raise ValueError("batas tunggu tidak boleh negatif")
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage harus dari 0 sampai kurang dari 100 persen")
    load = intensity(arrivals, per_seconds, handling_seconds)
    officers = max(1, math.floor(load) + 1)
    while service_level(officers, load, handling_seconds, within_seconds) < target:
        officers += 1
        if officers > MAX_OFFICERS:
            raise ValueError(f"lebih dari {MAX_OFFICERS} petugas: periksa angka kedatangan dan lama layanan")
    waits = waiting_probability(officers, load)
    return Staffing(officers, math.ceil(officers / (1 - shrinkage) - 1e-9), load,
                    service_level(officers, load, handling_seconds, within_seconds), waits,
                    waits * handling_seconds / (officers - load), load / officers)
