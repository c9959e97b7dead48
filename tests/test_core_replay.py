"""The pure decision core replayed over the recorded histories (tests/data/histories/): at each command a
history holds (an application registered, a step completed), the core, given only what the history says
so far, must decide again what the engine recorded then: the step entered next, the clock started,
paused or resumed, the case closed. The core reads no database here: a change of a decision shows as a
difference between the recorded events and the decided ones, naming the event."""

import json
from datetime import datetime
from types import SimpleNamespace

import pytest

from engine.cases.core import decide, opening
from engine.cases.core.state import Recorded, apply, CaseState
from engine.cases.simulate import sample_answers, sample_data
from engine.errors import InvalidInput
from engine.standard.flow import APPLICANT_ROLE, SYSTEM_ROLE
from engine.standard.kinds import KINDS

from . import histories

FIXTURES = sorted(histories.FOLDER.glob("*.json"))
# The events that record a decision of the core (the step kinds' effects write the others: among them the
# clock held while an applicant's own step is done mid-way, marked ``held_by``).
DECIDED = ("task_completed", "clock_started", "clock_paused", "clock_resumed", "task_created", "case_closed")
# The events that begin another command.
COMMANDS = ("task_completed", "task_claimed", "task_released", "requirements_received")


def _recorded(events, start: int) -> list[tuple]:
    """The decided events from ``start`` up to the next command."""
    found = []
    for n, event in enumerate(events[start:]):
        if n and event["kind"] in COMMANDS:
            break
        if event["kind"] in DECIDED and "held_by" not in event["data"]:
            found.append(_summary(event["kind"], event["data"]))
    return found


def _summary(kind: str, data: dict) -> tuple:
    key = {"task_completed": "action", "task_created": "step", "case_closed": "status"}.get(kind)
    return (kind, data.get(key)) if key else (kind,)


def _decided(decision, state: CaseState, clock_starts: str) -> list[tuple]:
    started, paused = state.clock_started_at is not None, state.clock_paused_at is not None
    found = []
    for op in decision.operations:
        if isinstance(op, decide.RecordDone):
            found.append(("task_completed", op.action))
        elif isinstance(op, decide.ResumeClock):
            what = decide.on_resume(started, paused, clock_starts)
            found += [("clock_started",)] if what == "start" else [("clock_resumed",)] if what == "resume" else []
        elif isinstance(op, decide.PauseClock) and decide.on_pause(started, paused):
            found.append(("clock_paused",))
        elif isinstance(op, decide.EnterStep):
            found.append(("task_created", op.step_id))
        elif isinstance(op, decide.CloseCase):
            found.append(("case_closed", op.status))
    return found


def _by(actor: str) -> str:
    return decide.SYSTEM if actor == SYSTEM_ROLE else decide.APPLICANT if actor == APPLICANT_ROLE else decide.OFFICER


def _command(event: dict, step: dict, application, seq: int) -> decide.Complete:
    data = event["data"]
    by = _by(event["actor"])
    case = SimpleNamespace(variant=application.variant, channel=application.channel, answers=application.answers)
    if by == decide.SYSTEM or (by == decide.APPLICANT and seq == 1):
        form = {}  # an automated step's result is taken as it is; the online submission carries no form
    else:
        form = sample_data(step, case)  # what the simulated officer filled in (tests/histories.py)
    return decide.Complete(step["id"], data.get("outcome"), form, data.get("reason"), by)


def _replay_through_core(history: dict, library) -> list[str]:
    """Each command of the history decided again; the differences, naming their events."""
    standard = library.standard(history["standard"])
    events = history["events"]
    opened = {"variant": None, "channel": None, "unit": None, "missing": [], **events[0]["data"]}
    answers = sample_answers(standard, opened["variant"], opened["channel"])
    application = opening.open_application(
        standard, variant=opened["variant"], channel=opened["channel"], unit=opened["unit"], answers=answers,
        requirements=[r["id"] for r in standard.requirements(opened["variant"], opened["channel"], answers)
                      if r["id"] not in opened["missing"]])
    differences = []
    expected = ([("clock_started",)] if application.clock_at_submission else []) + [("task_created",
                                                                                      application.first_step)]
    if _recorded(events, 1)[:len(expected)] != expected or list(application.missing) != opened["missing"]:
        differences.append(f"#1 case_opened: decided {expected}, recorded {_recorded(events, 1)}")
    received = set(application.received)
    clock_starts = standard.time_limit(application.variant)["clock_starts"]
    state = CaseState(1)
    for n, event in enumerate(events):
        if event["kind"] == "requirements_received":
            received |= set(event["data"]["received"])
        if event["kind"] == "task_completed":
            task = state.tasks[event["task"]]
            step = standard.procedure.by_id[task.step]
            facts = decide.CaseFacts(state.status, application.variant, application.channel, application.answers,
                                     frozenset(received))
            try:
                decision = decide.complete(standard, facts, _command(event, step, application, task.seq))
                decided = _decided(decision, state, clock_starts)
            except InvalidInput as exc:
                decided = [f"refused: {exc}"]
            if decided != _recorded(events, n):
                differences.append(f"#{n + 1} task_completed ({task.step}): decided {decided}, "
                                   f"recorded {_recorded(events, n)}")
        apply(state, Recorded(n + 1, event["kind"], datetime.fromisoformat(event["at"]), None, event["task"],
                              event["data"]), lambda step_id: KINDS[history["kinds"].get(step_id, "form")])
    return differences


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_the_core_decides_again_what_each_recorded_history_holds(path, library):
    history = json.loads(path.read_text(encoding="utf-8"))
    assert _replay_through_core(history, library) == []


def test_a_history_the_core_would_decide_otherwise_is_named(library):
    """A recorded approval changed into a rejection: the core decides that case closed, not the next step,
    and the difference names the event."""
    history = json.loads((histories.FOLDER / "kaltim-data-agregat--approve.json").read_text(encoding="utf-8"))
    standard = library.standard(history["standard"])
    rejecting = next(key for s in standard.data["steps"] for key, o in (s.get("outcomes") or {}).items()
                     if o.get("action") == "reject")
    at = next(i for i, e in enumerate(history["events"]) if e["kind"] == "task_completed"
              and rejecting in (standard.procedure.by_id[e["data"]["step"]].get("outcomes") or {}))
    history["events"][at]["data"].update(outcome=rejecting, reason="Tidak memenuhi syarat")
    differences = _replay_through_core(history, library)
    assert len(differences) == 1
    assert differences[0].startswith(f"#{at + 1} task_completed")
    assert "('case_closed', 'rejected')" in differences[0]


def test_a_command_the_core_refuses_changes_its_decision_into_a_refusal(library):
    standard = library.standard("kaltim-data-agregat")
    step = next(s for s in standard.data["steps"] if s.get("outcomes"))
    facts = decide.CaseFacts("open", answers={})
    with pytest.raises(InvalidInput, match="pilih hasil"):
        decide.complete(standard, facts, decide.Complete(step["id"], "tidak_ada", {}, None))
    rejecting = next(k for k, o in step["outcomes"].items() if o.get("action") == "reject")
    with pytest.raises(InvalidInput, match="alasan wajib diisi"):
        decide.complete(standard, facts, decide.Complete(step["id"], rejecting, {}, "  ", decide.SYSTEM))


def test_a_signer_refuses_with_a_reason_back_to_the_officers_step_before_it(library):
    """The signature's built-in outcomes: signing (also meant when no outcome is given, as histories
    recorded before the outcomes existed hold) and refusing, which needs a reason and goes back past the
    automated numbering to the verification; a return or rejection without a reason is refused."""
    standard = library.standard("kaltim-data-agregat")
    facts = decide.CaseFacts("open", answers={})
    for outcome in ("tandatangani", None):
        decision = decide.complete(standard, facts, decide.Complete("tte", outcome, {}, None))
        assert decision.action == "approve" and decide.RunEffect("sign_document") in decision.operations
    with pytest.raises(InvalidInput, match="alasan wajib diisi"):
        decide.complete(standard, facts, decide.Complete("tte", "tolak", {}, ""))
    refused = decide.complete(standard, facts, decide.Complete("tte", "tolak", {}, "Nomor surat salah ketik"))
    assert refused.action == "return" and refused.operations[-1] == decide.EnterStep("verifikasi")
    assert decide.RunEffect("sign_document") not in refused.operations
    with pytest.raises(InvalidInput, match="alasan wajib diisi untuk penolakan atau pengembalian"):
        decide.complete(standard, facts, decide.Complete("verifikasi", "perbaiki", {}, None))


def test_outcomes_are_offered_approving_first_in_declared_order_with_indonesian_labels(library):
    from engine.standard import wording

    step = library.standard("kaltim-data-agregat").procedure.by_id["verifikasi"]
    choices = KINDS["approval"].outcome_choices(step, wording.OUTCOME_LABELS)
    assert [(key, label) for key, label, _ in choices] == [
        ("setuju", "Disetujui"), ("perbaiki", "Dikembalikan untuk perbaikan"),
        ("lengkapi", "Permohonan perlu diperjelas"), ("tolak", "Ditolak")]
    twice = {"outcomes": {"tolak_syarat": {"action": "reject"}, "ok": {"action": "approve"},
                          "tolak_wilayah": {"action": "reject"}}}
    assert [label for _, label, _ in KINDS["approval"].outcome_choices(twice, wording.OUTCOME_LABELS)] == [
        "Disetujui", "Ditolak: tolak syarat", "Ditolak: tolak wilayah"]
