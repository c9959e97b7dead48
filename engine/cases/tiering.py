"""The effects of a triage step (engine/standard/kinds/triage.py): a case given a tier takes that tier's time
limit (its due date moves by the difference, keeping any time the file stood still), and a complaint found
outside the office's competence is recorded with where it was sent and why."""

from __future__ import annotations

from datetime import datetime

from engine.access.policy import Actor
from engine.errors import InvalidInput
from engine.standard.kinds.triage import TIER_FIELD

from . import clock
from .issued import calendar_of, record_event, standard_of
from .txn import Record, Txn


def set_tier(txn: Txn, case: Record, task: Record, step: dict, user: Actor | None, actor: str,
             at: datetime) -> None:
    data = task.data or {}
    tier, reason = data.get(TIER_FIELD), str(data.get("alasan_tingkat") or "").strip()
    tiers = step.get("tiers") or {}
    if tier not in tiers:
        raise InvalidInput("pilih tingkat untuk memproses", f"data.{TIER_FIELD}")
    if not reason:
        raise InvalidInput("alasan pemilihan tingkat wajib diisi", "data.alasan_tingkat")
    change_tier(txn, case, tier, reason, actor, user, at, task)


def change_tier(txn: Txn, case: Record, tier: str, reason: str, actor: str, user: Actor | None, at: datetime,
                task: Record | None = None) -> None:
    """The case takes the time limit of ``tier`` (a triage tier, or a branch of the standard's limit that
    its records now meet): the due date is computed again, the change recorded with its reason."""
    before = case.tier
    case.tier = tier
    standard = standard_of(txn, case)
    old, new = standard.time_limit(case.variant, before), standard.time_limit(case.variant, tier)
    due_before = case.due_at
    if case.clock_started_at is not None and case.due_at is not None and old != new:
        calendar = calendar_of(txn, case)
        if "working_days" in old and "working_days" in new:  # (both whole working days)
            # Moved by the difference: the working days the file stood still stay added.
            local = case.due_at.astimezone(calendar.tz).date()
            day = calendar.add_working_days(local, new["working_days"] - old["working_days"])
            case.due_at = datetime.combine(day, calendar.closing_time(day), tzinfo=calendar.tz)
        else:
            case.due_at = clock.due_for(txn, case, new, case.clock_started_at)
        clock.due_changed(txn, case)
        clock.plan_next_check(txn, case)
    record_event(txn, case, "tier_set", actor, at, user, task=task, tier=tier, tier_before=before, reason=reason,
                 due_before=due_before.isoformat() if due_before else None,
                 due_at=case.due_at.isoformat() if case.due_at else None)


def reroute(txn: Txn, case: Record, task: Record, step: dict, user: Actor | None, actor: str,
            at: datetime) -> None:
    to = str((task.data or {}).get("dialihkan_ke") or "").strip()
    if not to:
        raise InvalidInput("tulis instansi tujuan pengalihan", "data.dialihkan_ke")
    record_event(txn, case, "complaint_rerouted", actor, at, user, task=task, to=to, reason=task.note)
