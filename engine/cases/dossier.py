"""The case as a person reads it before deciding: who applied, what was received, what every earlier
step entered (by whom, when, with which outcome and reason), why a task came back, and the steps still to
come. The task pages and the case page show it; built from ``queries.case_view`` and the frozen standard,
with the officers' full names from the directory."""

from __future__ import annotations

from sqlalchemy import select

from engine.standard import wording
from engine.standard.flow import END, evaluate
from engine.standard.kinds import KINDS, kind_of
from engine.standard.values import shown_applicant, shown_values
from engine.store.models import User

RETURNS = ("return", "return_to_applicant")
WHO_FOR_BUILT_IN = {"sistem": "Sistem", "pemohon": "Pemohon"}


def full_names(session, usernames) -> dict[str, str]:
    wanted = sorted({u for u in usernames if u and u not in WHO_FOR_BUILT_IN})
    if not wanted:
        return {}
    return dict(session.execute(select(User.username, User.full_name).where(User.username.in_(wanted))).all())


def _outcome_label(kind, step: dict, outcome: str | None) -> str | None:
    if outcome is None:
        return None
    for key, label, _action in kind.outcome_choices(step, wording.OUTCOME_LABELS):
        if key == outcome:
            return label
    return "Belum lengkap" if outcome == "belum_lengkap" else outcome.replace("_", " ")


def _action(kind, step: dict, outcome: str | None) -> str:
    spec = kind.outcomes_of(step).get(outcome if outcome is not None else kind.default_outcome) or {}
    return "incomplete" if outcome == "belum_lengkap" else spec.get("action", "approve")


def dossier(session, view: dict, standard, task_id: int | None = None) -> dict:
    """What the case holds, for the page of task ``task_id`` (or the case page when None). ``standard`` is
    the case's frozen standard (None for a bundle, whose parts hold the steps)."""
    steps = standard.procedure.by_id if standard is not None else {}
    office = standard.office if standard is not None else None
    names = full_names(session, [t["by"] for t in view["tasks"]])

    def who(username):
        if username in WHO_FOR_BUILT_IN:
            return WHO_FOR_BUILT_IN[username]
        return f"{names[username]} ({username})" if username in names else username

    def role_name(role):
        return WHO_FOR_BUILT_IN.get(role) or (office.role_name(role) if office is not None else role)

    done = []
    for t in view["tasks"]:
        if t["task"] == task_id:
            break
        if t["status"] != "done":
            continue
        step = steps.get(t["step"], {"id": t["step"]})
        kind = KINDS.get(t["kind"]) or kind_of(step)
        done.append({"task": t["task"], "step": t["step"], "name": step.get("name") or t["step"],
                     "role": role_name(t["role"]), "by": who(t["by"]), "at": t["completed_at"],
                     "outcome": _outcome_label(kind, step, t["outcome"]),
                     "action": _action(kind, step, t["outcome"]), "note": t["note"],
                     "shown": shown_values(kind.form_fields(step), t["data"])})
    current = next((t for t in view["tasks"] if t["task"] == task_id), None)
    returned = prefill = None
    if current is not None:
        last = done[-1] if done else None
        if last is not None and last["action"] in RETURNS + ("incomplete",) and last["note"]:
            returned = {"by": last["by"], "at": last["at"], "step": last["name"], "reason": last["note"]}
        same = [t for t in view["tasks"] if t["step"] == current["step"] and t["status"] == "done"
                and t["task"] != task_id]
        prefill = dict(same[-1]["data"] or {}) if same else None
    answer_fields = ((standard.data.get("application") or {}).get("fields") or []) if standard is not None else []
    return {
        "applicant": shown_applicant(view["applicant"]),
        "answers": shown_values(answer_fields, view.get("answers")),
        "earlier": done,
        "returned": returned,
        "prefill": prefill,
        "upcoming": upcoming(standard, view, role_name) if standard is not None else [],
    }


def upcoming(standard, view: dict, role_name) -> list[dict]:
    """The steps the case will still pass through if every step is approved, from its open step on."""
    if view["status"] in ("done", "rejected", "cancelled"):
        return []
    open_steps = [t["step"] for t in view["tasks"] if t["status"] in ("open", "claimed")]
    if not open_steps:
        return []
    procedure = standard.procedure
    answers = view.get("answers")
    result, seen = [], set()
    step_id = open_steps[-1]
    while True:
        nxt = procedure.resolve(procedure.default_next(step_id), view["variant"], view["channel"], answers)
        if not nxt or nxt[0] == END or nxt[0] in seen:
            return result
        step_id = nxt[0]
        seen.add(step_id)
        step = procedure.by_id[step_id]
        if evaluate(step.get("when"), view["variant"], view["channel"], answers) is False:
            continue
        kind = kind_of(step)
        result.append({"step": step_id, "name": step.get("name") or step_id, "kind": kind.label,
                       "role": role_name(kind.role(step))})
