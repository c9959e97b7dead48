"""A discrete-event simulation of a standard's procedure at an office (SimPy): applicants arrive at random
during office hours, each case goes through the standard's steps in order, every officers' step waits for
an officer of its role and takes a handling time drawn from those measured (or given), and steps outside
the office (the applicant's, the system's, another agency's) take their own delay. It answers what Erlang C
cannot: several roles in a row, measured (not exponential) handling times, and the share of cases within
the time limit in working days.

Time runs on the office's working minutes (``day_minutes`` a working day; nights, weekends, holidays and
cuti bersama are not on the axis), so the working-day time limit is counted as the standard counts it. Each
replication draws its own arrivals and times; the answers are the mean over replications with a 95 %
confidence interval (Student's t). Pure: no database, no clock; the numbers come from engine/capacity/history.py.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import deque
from dataclasses import dataclass, field

# Student's t at 97.5 % for 1..30 degrees of freedom; 1.96 beyond.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
         2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
         2.045, 2.042)


@dataclass(frozen=True)
class StepModel:
    id: str
    role: str | None  # the officers' role; None for a step no officer of the office does
    durations: tuple[float, ...]  # minutes: measured handling times (drawn from), or one typical value
    delay: float = 0.0  # working minutes spent outside the office (role None)


@dataclass(frozen=True)
class Model:
    steps: tuple[StepModel, ...]
    officers: dict  # role -> officers on duty
    arrivals_per_day: float
    limit_days: int | None  # the time limit in working days (None: no limit to meet)
    day_minutes: float = 480.0
    days: int = 250  # working days simulated after the warm-up
    warmup_days: int = 10
    limit_minutes: float | None = None  # a limit in office hours or minutes ("10 menit"), instead of days
    limit_text: str | None = None  # the limit as the standard words it ("10 menit", "3–4 hari kerja")


@dataclass
class Estimate:
    mean: float
    low: float
    high: float

    def as_dict(self, places: int = 4) -> dict:
        return {"mean": round(self.mean, places), "low": round(self.low, places), "high": round(self.high, places)}


@dataclass
class Result:
    replications: int
    cases: float  # mean cases finished per replication (after the warm-up)
    within_limit: Estimate | None
    time_in_office_days: Estimate  # arrival to the last step, working days
    waiting_minutes: dict = field(default_factory=dict)  # role -> Estimate of the wait for an officer
    queue_length: dict = field(default_factory=dict)  # role -> Estimate of the time-average queue
    utilisation: dict = field(default_factory=dict)  # role -> Estimate

    def as_dict(self) -> dict:
        return {"replications": self.replications, "cases": round(self.cases, 1),
                "within_limit": self.within_limit.as_dict() if self.within_limit else None,
                "time_in_office_days": self.time_in_office_days.as_dict(2),
                "waiting_minutes": {r: e.as_dict(1) for r, e in self.waiting_minutes.items()},
                "queue_length": {r: e.as_dict(2) for r, e in self.queue_length.items()},
                "utilisation": {r: e.as_dict(3) for r, e in self.utilisation.items()}}


def check(model: Model) -> None:
    """Refuse a model that cannot be simulated, in words."""
    if model.arrivals_per_day <= 0:
        raise ValueError("jumlah kedatangan per hari harus lebih dari 0 (belum ada riwayat permohonan?)")
    for step in model.steps:
        if step.role is not None:
            if model.officers.get(step.role, 0) < 1:
                raise ValueError(f"peran '{step.role}' (langkah {step.id}) tidak memiliki petugas: minimal 1")
            if not step.durations or any(d < 0 for d in step.durations):
                raise ValueError(f"lama langkah {step.id} belum diketahui (belum ada riwayat): berikan --handling")
    if model.day_minutes <= 0 or model.days < 1:
        raise ValueError("jam kerja per hari dan jumlah hari harus lebih dari 0")


def _share(values: list[float]) -> Estimate:
    """A share's estimate, its interval kept within 0-1."""
    found = _estimate(values)
    return Estimate(found.mean, max(0.0, found.low), min(1.0, found.high))


def _estimate(values: list[float]) -> Estimate:
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Estimate(mean, mean, mean)
    t = _T975[len(values) - 2] if len(values) - 1 <= len(_T975) else 1.96
    half = t * statistics.stdev(values) / math.sqrt(len(values))
    return Estimate(mean, mean - half, mean + half)


class _Desks:
    """The officers of one role: a first-come-first-served multi-server queue on SimPy events. Lighter than
    simpy.Resource (bench/simulation.py: a busy year's replication in about half the time): a free officer
    is taken without an event, and one finishing hands over straight to the longest waiting case."""

    __slots__ = ("env", "free", "waiting")

    def __init__(self, env, officers: int):
        self.env, self.free, self.waiting = env, officers, deque()

    def take(self):
        """None when an officer is free now (taken); otherwise the event of one's turn, to yield."""
        if self.free:
            self.free -= 1
            return None
        turn = self.env.event()
        self.waiting.append((turn, self.env.now))
        return turn

    def release(self) -> None:
        if self.waiting:
            self.waiting.popleft()[0].succeed()
        else:
            self.free += 1


def replicate(model: Model, seed: int) -> dict:
    """One replication: the measures of the cases that arrived after the warm-up."""
    import simpy

    check(model)
    rng = random.Random(seed)
    env = simpy.Environment()
    roles = sorted({s.role for s in model.steps if s.role is not None})
    desks = {role: _Desks(env, model.officers[role]) for role in roles}
    busy = dict.fromkeys(roles, 0.0)
    waits = {role: [] for role in roles}
    queue_area = dict.fromkeys(roles, 0.0)  # the integral of the queue's length over the horizon
    start = model.warmup_days * model.day_minutes
    end = start + model.days * model.day_minutes
    finished = []  # (arrival, completion)
    arrived_after_warmup = [0]
    rate = model.arrivals_per_day / model.day_minutes
    timeout = env.timeout

    def case(arrived):
        counted = arrived >= start
        if counted:
            arrived_after_warmup[0] += 1
        for step in model.steps:
            role = step.role
            if role is None:
                if step.delay:
                    yield timeout(step.delay)
                continue
            desk = desks[role]
            asked = env.now
            turn = desk.take()
            if turn is not None:
                yield turn
                # Each waiting case adds its wait, clipped to the horizon, to the queue's integral.
                queue_area[role] += max(0.0, min(env.now, end) - max(asked, start))
            if counted:
                waits[role].append(env.now - asked)
            began = env.now
            yield timeout(_draw(rng, step.durations))
            busy[role] += max(0.0, min(env.now, end) - max(began, start))
            desk.release()
        if counted:
            finished.append((arrived, env.now))

    def arrivals():
        while env.now < end:
            yield timeout(rng.expovariate(rate))
            if env.now < end:
                env.process(case(env.now))

    env.process(arrivals())
    env.run(until=end + 60 * model.day_minutes)  # let the last arrivals finish (60 working days at most)
    for role in roles:  # cases still waiting when the run stops: their wait within the horizon
        queue_area[role] += sum(max(0.0, end - max(asked, start)) for _turn, asked in desks[role].waiting)
    horizon = end - start
    times = [(done - arrived) / model.day_minutes for arrived, done in finished]
    within = None
    if model.limit_minutes is not None and arrived_after_warmup[0]:
        # Office time: the simulation's clock runs in office minutes only.
        within = sum(1 for arrived, done in finished if done - arrived <= model.limit_minutes) / arrived_after_warmup[0]
    elif model.limit_days is not None and arrived_after_warmup[0]:
        # A case still open when the run ends (an overloaded office) counts as late.
        within = sum(1 for arrived, done in finished
                     if math.floor(done / model.day_minutes) - math.floor(arrived / model.day_minutes)
                     <= model.limit_days) / arrived_after_warmup[0]
    return {"cases": len(finished), "within": within, "time": statistics.fmean(times) if times else 0.0,
            "waits": {r: statistics.fmean(w) if w else 0.0 for r, w in waits.items()},
            "queue": {r: queue_area[r] / horizon for r in roles},
            "utilisation": {r: busy[r] / (model.officers[r] * horizon) for r in roles}}


def _draw(rng: random.Random, durations: tuple[float, ...]) -> float:
    """A handling time: one of those measured, at random (the measured distribution, whatever its shape), or,
    with one typical value only, an exponential time of that mean (Erlang C's assumption)."""
    if len(durations) > 1:
        return durations[rng.randrange(len(durations))]
    return rng.expovariate(1 / durations[0]) if durations[0] > 0 else 0.0


def simulate(model: Model, replications: int = 20, seed: int = 1, workers: int = 1) -> Result:
    """``replications`` independent runs (seeds seed, seed+1, ...), in ``workers`` processes when more than
    one: the same seeds give the same answer either way."""
    check(model)
    seeds = [seed + n for n in range(replications)]
    if workers > 1 and replications > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, replications)) as pool:
            runs = list(pool.map(replicate, [model] * replications, seeds))
    else:
        runs = [replicate(model, s) for s in seeds]
    roles = sorted({s.role for s in model.steps if s.role is not None})
    within = [r["within"] for r in runs if r["within"] is not None]
    return Result(replications, statistics.fmean(r["cases"] for r in runs),
                  _share(within) if within else None, _estimate([r["time"] for r in runs]),
                  {role: _estimate([r["waits"][role] for r in runs]) for role in roles},
                  {role: _estimate([r["queue"][role] for r in runs]) for role in roles},
                  {role: _share([r["utilisation"][role] for r in runs]) for role in roles})
