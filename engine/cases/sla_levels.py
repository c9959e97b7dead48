"""The moments of a case's SLA levels (pure: no database, no clock): when it becomes at risk, late, and
late for one more working day, and when its level can next rise. The case engine plans its next check
with them; the SLA monitor (engine/sla/monitor.py) raises levels with them; the worklist shows them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from engine.standard.durations import UNITS, Duration

from .frozen import calendar_for, thaw

AT_RISK_SHARE = 0.75  # the share of the time limit used at which a case is at risk, unless its standard says


def risk_threshold(limit: dict) -> int:
    """Working days left at which a case becomes at risk."""
    duration = Duration.of(limit)
    total = duration.unit.risk_days(duration.amount) if duration else 1
    return int(total * (1 - limit.get("at_risk_share", AT_RISK_SHARE)))


def thresholds(version, unit, variant, due_at: datetime, tier: str | None = None) -> tuple[datetime, datetime, datetime]:
    """When a case becomes at risk, late, and late for one more working day (``tier``: the case's, when
    triage gave it one: its time limit sets the share)."""
    calendar = calendar_for(version, unit)
    due = due_at.astimezone(calendar.tz)
    limit = thaw(version).time_limit(variant, tier)
    duration = Duration.of(limit) or Duration(UNITS["working_days"], 1)
    risk_at = duration.risk_moment(calendar, due, limit.get("at_risk_share", AT_RISK_SHARE))
    return risk_at, due_at, calendar.due(due.date(), 1)


def next_moment(moments: tuple, level: int) -> datetime | None:
    if level >= 3:
        return None
    risk_at, due_at, escalate_at = moments
    return (risk_at, due_at + timedelta(microseconds=1), escalate_at)[level].astimezone(timezone.utc)


def level_at(moments: tuple, at: datetime) -> int:
    risk_at, due_at, escalate_at = moments
    return 3 if at >= escalate_at else 2 if at > due_at else 1 if at >= risk_at else 0


def next_check(case, version) -> datetime | None:
    """The moment the case's SLA level can next rise (None: the clock is stopped or all levels are reached).
    ``case`` is any object with the case's columns; ``version`` its stored standard version."""
    if case.due_at is None or case.closed_at is not None or case.clock_paused_at is not None:
        return None
    return next_moment(thresholds(version, case.unit_id, case.variant, case.due_at, getattr(case, "tier", None)),
                       case.sla_level or 0)


def step_due(calendar, at: datetime, target: dict | None) -> datetime | None:
    """When a step opened at ``at`` is due by its own ``target``: working days (a fraction counts as a
    whole day) to the office's closing, or hours and minutes of office time (engine/calendar)."""
    duration = Duration.of(target)
    if duration is None:
        return None
    if duration.unit.key == "working_days":  # a fraction of a day counts as a whole day
        duration = Duration(duration.unit, math.ceil(duration.amount))
    return duration.due(calendar, at).astimezone(timezone.utc)
