"""What the public status page shows of a case, by its receipt code (the code is all the visitor knows, so
nothing personal): the service, its status and dates, each step done with its date, the outcome where it
was not a plain approval and the reason where the standard publishes it (a postponed or re-routed
complaint), the tier a complaint was given, the values of fields marked ``public`` (the reply to a
complaint), and whether the applicant may still rate the handling or reopen the case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from engine.standard import wording
from engine.standard.kinds import KINDS, kind_of
from engine.standard.values import shown
from engine.store.db import Store
from engine.store.models import Case, CaseAccount, CaseRequirement, Event, Task

from .core.reopening import RATINGS
from .frozen import calendar_for, thaw
from .queries import sla_status

ACTION_LABELS = {"return": "dikembalikan untuk perbaikan", "return_to_applicant": "menunggu pemohon",
                 "reject": "ditolak"}


def public_status(store: Store, code: str, at: datetime) -> dict | None:
    code = str(code or "").strip().upper()
    if not code or len(code) > 40:
        return None
    with store.read() as s:
        case = s.scalar(select(Case).where(Case.receipt_code == code))
        if case is None:
            return None
        tasks = s.execute(select(Task.step_id, Task.kind, Task.status, Task.completed_at, Task.outcome, Task.note,
                                 Task.data).where(Task.case_id == case.id, Task.role != "sistem")
                          .order_by(Task.seq)).all()
        rated = s.scalar(select(exists().where(Event.case_id == case.id, Event.kind == "case_rated")))
        version = case.standard_version
        standard = thaw(version) if version.kind == "standard" else None
        steps, replies = [], []
        for step_id, kind_name, status, done_at, outcome, note, data in tasks:
            step = standard.procedure.by_id.get(step_id, {"id": step_id}) if standard else {"id": step_id}
            kind = KINDS.get(kind_name) or kind_of(step)
            spec = kind.outcomes_of(step).get(outcome) or {}
            action = spec.get("action", "approve") if outcome else None
            entry = {"name": step.get("name", step_id), "done": status == "done", "at": done_at}
            if status == "done" and action and action != "approve":
                entry["outcome"] = spec.get("label") or ACTION_LABELS.get(action, outcome)
                if spec.get("public_reason") and note:
                    entry["reason"] = note
            for field in kind.form_fields(step):
                value = (data or {}).get(field["id"])
                if status == "done" and field.get("public") and value not in (None, ""):
                    replies.append({"label": field.get("label") or field["id"], "text": shown(field, value),
                                    "at": done_at})
            steps.append(entry)
        doc = version.document
        reopen_until = None
        if doc.get("reopen") and case.status == "done" and case.closed_at is not None:
            calendar = calendar_for(version, case.unit_id)
            last = calendar.add_working_days(case.closed_at.astimezone(calendar.tz).date(),
                                             doc["reopen"]["within"]["working_days"])
            if at.astimezone(calendar.tz).date() <= last:
                reopen_until = last
        extended = [{"reason": e.data.get("reason"), "extension": e.data.get("extension"), "at": e.at}
                    for e in s.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "time_extended")
                                       .order_by(Event.id))]
        tier = standard.tiers.get(case.tier) if standard and case.tier else None
        ahead = _what_next(s, case, standard, tasks)
        return {
            "id": case.id, "code": case.receipt_code, "title": doc.get("title"), "closed": case.closed_at is not None,
            "rejected": case.status == "rejected",
            "status": wording.CASE_STATUS_LABELS.get(case.status, case.status),
            "received_at": case.received_at, "due_at": case.due_at, "closed_at": case.closed_at,
            "tz": calendar_for(version, case.unit_id).tz.key,  # the office's zone: the pages print times in it
            "sla": sla_status(case, at), "steps": steps, "replies": replies, "extended": extended,
            "tier": (tier or {}).get("name"), **ahead, "can_rate": bool(doc.get("rating")) and case.closed_at is not None
            and not rated, "rated": bool(rated), "ratings": RATINGS, "reopen_until": reopen_until,
        }


def _what_next(s, case, standard, tasks) -> dict:
    """What happens next, for the applicant: the step under way, or, when the file waits for them, the
    officer's reason and the requirements to provide again, and where (their account, or the counter)."""
    if case.closed_at is not None:
        return {"next": None, "to_fix": None}
    open_steps = [step_id for step_id, _kind, status, *_rest in tasks if status in ("open", "claimed")]
    step = standard.procedure.by_id.get(open_steps[-1], {}) if standard and open_steps else {}
    if case.status not in ("waiting_applicant", "incomplete"):
        return {"next": step.get("name"), "to_fix": None}
    reason = next((note for _s, _k, status, _at, _o, note, _d in reversed(tasks) if status == "done" and note), None)
    missing = s.scalars(select(CaseRequirement.requirement_id).where(
        CaseRequirement.case_id == case.id, CaseRequirement.received.is_(False))).all()
    names = {r["id"]: r["name"] for r in standard.requirements(case.variant, case.channel, case.answers or {})} \
        if standard else {}
    online = s.scalar(select(CaseAccount.account_id).where(CaseAccount.case_id == case.id)) is not None
    return {"next": step.get("name"), "to_fix": {"reason": reason, "requirements": [names.get(m, m) for m in missing],
                                                  "online": online, "number": case.number}}
