"""The case engine's decisions, pure: given what a case is and a command, what happens.

``complete(standard, case, command)`` decides a step's completion: which action its outcome means, the
form data as cleaned, and the operations to carry out, in order (the task recorded done, the step kind's
effects, the SLA clock resumed or paused, the next step entered or the case closed). It reads the frozen
standard and the facts it is given and nothing else: no database, no clock, no Prefect. A refused command
raises ``InvalidInput`` saying why, before anything is carried out.

The case engine (engine/cases/service.py) gathers the facts inside its transaction and carries the
operations out (engine/cases/moving.py); ``tests/test_histories.py`` replays recorded histories through
these same functions and checks that they decide again what the engine once recorded, the way Temporal's
replayer checks workflow code against its histories.
"""

from __future__ import annotations

from typing import NamedTuple

from engine.errors import InvalidInput
from engine.standard.flow import END, evaluate, step_facts
from engine.standard.wording import condition as condition_text
from engine.standard.kinds import StepKind, kind_of

from .. import fields

INCOMPLETE_OUTCOME = "belum_lengkap"  # built-in outcome of intake steps: documents still missing
WITH_APPLICANT = ("waiting_applicant", "incomplete")  # the case statuses whose clock stands still
REASON_BY_DEFAULT = ("reject", "return", "return_to_applicant")  # the schema's default of reason_required

OFFICER, APPLICANT, SYSTEM = "officer", "applicant", "system"


class CaseFacts(NamedTuple):
    """What a decision reads of a case. ``received``: the requirement ids received so far; needed only
    when the step receives requirements (``needs_received``)."""
    status: str
    variant: str | None = None
    channel: str | None = None
    answers: dict = {}  # (never changed: a NamedTuple's default is shared)
    received: frozenset | None = None
    tier: str | None = None  # the tier or branch of its time limit the case runs on


class Complete(NamedTuple):
    """The command: complete step ``step_id`` with an outcome, form data and a reason. ``by`` says who:
    an officer (the form is checked), the applicant (likewise), or the system (an automated step's
    result, taken as it is)."""
    step_id: str
    outcome: str | None = None
    data: dict | None = None
    reason: str | None = None
    by: str = OFFICER


# ---------------------------------------------------------------- the operations a decision returns

class RecordDone(NamedTuple):
    """The task is done: ``action`` is what its outcome means (approve, return, return_to_applicant,
    reject, incomplete); ``waits_for`` what the step now waits for by design (the applicant's payment)."""
    action: str
    outcome: str | None
    data: dict
    reason: str | None
    waits_for: str | None = None


class RunEffect(NamedTuple):
    """One of the step kind's effects, by name (engine/cases/effects.py, EFFECTS)."""
    name: str


class SetTier(NamedTuple):
    """The case's records now meet a branch of the standard's time limit (``time_limit.branches``): the case
    takes that branch's limit, the due date follows."""
    tier: str
    reason: str


class ResumeClock(NamedTuple):
    """The file is complete (again): the clock starts, or runs on with the due date moved."""
    # (no fields)


class PauseClock(NamedTuple):
    """The file goes back to the applicant; the case takes ``status`` and its clock stands still."""
    status: str = "waiting_applicant"
    reason: str | None = None


class EnterStep(NamedTuple):
    step_id: str


class CloseCase(NamedTuple):
    status: str  # done | rejected
    reason: str | None = None


class Decision(NamedTuple):
    action: str
    operations: tuple

    @property
    def data(self) -> dict:
        return self.operations[0].data


_RESUME = ResumeClock()


def needs_received(step: dict) -> bool:
    """Whether deciding this step's completion reads the requirements received."""
    kind = kind_of(step)
    return kind.receives_requirements and kind.by_officer


def action_of(kind: StepKind, step: dict, outcome: str | None) -> str:
    outcomes = kind.outcomes_of(step)
    if outcome is None and kind.default_outcome in outcomes:
        outcome = kind.default_outcome
    if kind.may_be_incomplete and outcome == INCOMPLETE_OUTCOME:
        return "incomplete"
    if outcomes:
        if outcome not in outcomes:
            raise InvalidInput(f"pilih hasil: {', '.join(outcomes)}", "outcome")
        return outcomes[outcome].get("action", "approve")
    if outcome not in (None, "selesai", "approve"):
        raise InvalidInput(f"langkah ini tidak memiliki pilihan hasil; yang diberikan: {outcome}", "outcome")
    return "approve"


def missing_requirements(standard, variant, channel, answers, received) -> list[str]:
    """The mandatory requirements of this application not (yet) received."""
    return [r["id"] for r in standard.requirements(variant, channel, answers)
            if not r.get("optional") and r["id"] not in received]


def incomplete_message(standard, variant, channel, answers, missing) -> str:
    """What an officer reads when mandatory requirements are missing: their names, and what to do."""
    names = {r["id"]: r["name"] for r in standard.requirements(variant, channel, answers)}
    return ("persyaratan belum lengkap: " + "; ".join(names.get(m, m) for m in missing)
            + ". Lengkapi berkas, atau catat sebagai berkas belum lengkap (jam layanan belum berjalan)")


def complete(standard, case: CaseFacts, command: Complete) -> Decision:
    procedure = standard.procedure
    step = procedure.by_id[command.step_id]
    kind = kind_of(step)
    outcomes = kind.outcomes_of(step)
    outcome, reason = command.outcome, command.reason
    action = action_of(kind, step, outcome)
    chosen = outcomes.get(outcome if outcome is not None else kind.default_outcome) or {}
    data = command.data
    if command.by != SYSTEM:
        data = fields.clean(kind.form_fields(step), data, variant=case.variant, channel=case.channel,
                            answers=case.answers, prefix="data.")
    if not (reason or "").strip() and chosen.get("reason_required", action in REASON_BY_DEFAULT):
        raise InvalidInput("alasan wajib diisi untuk penolakan atau pengembalian", "reason")
    if action == "approve" and needs_received(step):
        missing = missing_requirements(standard, case.variant, case.channel, case.answers, case.received or ())
        if missing:
            raise InvalidInput(incomplete_message(standard, case.variant, case.channel, case.answers, missing),
                               "requirements")
    if standard.reads_step_facts:  # what comes next, or the limit, may depend on what this step recorded
        case = case._replace(answers={**case.answers, **step_facts(command.step_id, outcome, data)})
    operations = [RecordDone(action, outcome, data or {}, reason, chosen.get("waits_for"))]
    if action == "approve":
        operations += branch_taken(standard, case)
    effects = (kind.on_approve if action == "approve" else ()) + kind.outcome_effects.get(outcome, ())
    if step.get("clock") == "stops" and action == "approve" and "release_clock" not in effects:
        effects += ("release_clock",)  # a step whose time the standard does not count: the clock runs on
    operations += [RunEffect(name) for name in effects]
    if action == "approve" and kind.resumes_clock and (kind.starts_clock or case.status in WITH_APPLICANT):
        operations.append(_RESUME)
    if action == "reject":
        if chosen.get("document"):  # a refusal letter issued with the rejection
            operations.append(RunEffect("issue_refusal"))
        return Decision(action, tuple(operations + [CloseCase("rejected", reason)]))
    if action == "incomplete":
        operations += [PauseClock("incomplete", reason), EnterStep(command.step_id)]
        return Decision(action, tuple(operations))
    if action == "return_to_applicant":
        operations.append(PauseClock("waiting_applicant", reason))
    if action in ("return", "return_to_applicant"):
        target = chosen.get("next") or (_previous_officer_step(standard, case, command.step_id)
                                        if kind.returns_to_previous else command.step_id)
    else:
        target = chosen.get("next") or procedure.default_next(command.step_id)
    operations.append(enter(standard, case, target))
    return Decision(action, tuple(operations))


def _previous_officer_step(standard, case: CaseFacts, step_id: str) -> str:
    """The last officers' step declared before this one that applies to the case (itself when none)."""
    order = standard.procedure.order
    for earlier in reversed(order[:order.index(step_id)]):
        step = standard.procedure.by_id[earlier]
        if kind_of(step).by_officer and evaluate(step.get("when"), case.variant, case.channel,
                                                 case.answers) is not False:
            return earlier
    return step_id


def branch_taken(standard, case: CaseFacts) -> list:
    """The branch of the standard's time limit the case's records now meet (the first whose condition
    holds), when the case is not on it already."""
    for branch_id, branch in standard.branches.items():
        if evaluate(branch.get("when"), case.variant, case.channel, case.answers) is True:
            return [] if case.tier == branch_id else [SetTier(branch_id, "syarat jangka waktu terpenuhi: "
                                                               + condition_text(branch.get("when"), standard))]
    return []


def enter(standard, case: CaseFacts, target: str):
    """Where a case sent to ``target`` lands: the first step whose condition holds, or its end."""
    landed = standard.procedure.resolve(target, case.variant, case.channel, case.answers)
    step_id = landed[0] if landed else END
    return CloseCase("done") if step_id == END else EnterStep(step_id)


# ---------------------------------------------------------------- the SLA clock's decisions

def on_resume(clock_started: bool, clock_paused: bool, clock_starts: str) -> str | None:
    """What a ``ResumeClock`` does to a clock: 'start' it (when the standard starts it at a complete
    file), 'resume' it (it stood still), or nothing."""
    if not clock_started:
        return "start" if clock_starts != "submission" else None  # (not stated: counted from complete)
    return "resume" if clock_paused else None


def on_pause(clock_started: bool, clock_paused: bool) -> bool:
    """Whether a ``PauseClock`` stops the clock (it runs) or only changes the case's status."""
    return clock_started and not clock_paused
