"""Moving a case through its steps, within a transaction of the case engine: the facts a decision reads
are gathered, the pure core decides (engine/cases/core/decide.py), and its operations are carried out, in
order, each by its one handler here (``CARRY_OUT``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select

from engine.standard.flow import END, SYSTEM_ROLE, step_facts
from engine.standard.kinds import KINDS, kind_of
from engine.store import chain
from engine.store.models import Case, CaseRequirement, Task
from engine.store.prepared import Prepared

from engine.errors import InvalidInput

from . import clock, tiering
from .core import decide, opening
from .core.decide import (CaseFacts, CloseCase, Complete, EnterStep, PauseClock, RecordDone, ResumeClock, RunEffect,
                          SetTier)
from .effects import EFFECTS
from .frozen import role_calendar
from .issued import record_event, standard_of
from .sla_levels import step_due
from .txn import Record, Txn

CASES, TASKS, REQUIREMENTS = Case.__table__, Task.__table__, CaseRequirement.__table__

_LAST_SEQ = Prepared(select(func.max(TASKS.c.seq)).where(TASKS.c.case_id == bindparam("case")))
_DONE_STEP_FACTS = Prepared(select(TASKS.c.step_id, TASKS.c.outcome, TASKS.c.data)
                            .where(TASKS.c.case_id == bindparam("case"), TASKS.c.status == "done")
                            .order_by(TASKS.c.seq))
_REQUIREMENT_STATES = Prepared(select(REQUIREMENTS.c.requirement_id, REQUIREMENTS.c.received)
                               .where(REQUIREMENTS.c.case_id == bindparam("case")))


def facts(txn: Txn, case: Record, step: dict | None = None, standard=None) -> CaseFacts:
    """What the core reads of a case; the requirements received only when deciding ``step`` needs them, the
    earlier steps' recorded values and outcomes only when the standard's conditions read them."""
    received = None
    if step is not None and decide.needs_received(step):
        received = frozenset(ident for ident, is_received in _REQUIREMENT_STATES.rows(txn.conn, case=case.id)
                             if is_received)
    answers = case.answers or {}
    if standard is not None and standard.reads_step_facts:
        txn.flush()
        answers = dict(answers)
        for step_id, outcome, data in _DONE_STEP_FACTS.rows(txn.conn, case=case.id):
            answers.update(step_facts(step_id, outcome, data))
    return CaseFacts(case.status, case.variant, case.channel, answers, received, case.tier)


class StepMoves:
    """The part of CaseService that moves a case on (its methods run inside a unit of work)."""

    def _finish(self, txn: Txn, case: Record, task: Record, actor: str, user, *, outcome, data, reason, at,
                by: str = decide.OFFICER) -> Record | None:
        """Record a step as done and enter the next one; returns the next task. The core decides (and
        refuses) first; nothing is written before."""
        standard = standard_of(txn, case)
        step = standard.procedure.by_id[task.step_id]
        decision = decide.complete(standard, facts(txn, case, step, standard),
                                   Complete(task.step_id, outcome, data, reason, by))
        nxt = None
        for operation in decision.operations:
            nxt = CARRY_OUT[type(operation)](self, txn, case, task, step, operation, actor, user, at) or nxt
        return nxt

    def _done(self, txn, case, task, step, op: RecordDone, actor, user, at):
        task.status, task.outcome, task.data, task.note = "done", op.outcome, op.data, op.reason
        task.completed_at, task.completed_by = at, user.id if user else None
        if task.assignee_id is None and user is not None:
            task.assignee_id = user.id
        record_event(txn, case, "task_completed", actor, at, user, task=task, outcome=op.outcome, action=op.action,
                     reason=op.reason, data_sha256=chain.data_digest(op.data) if op.data else None,
                     waits_for=op.waits_for)

    def _set_tier(self, txn, case, task, step, op: SetTier, actor, user, at):
        tiering.change_tier(txn, case, op.tier, op.reason, SYSTEM_ROLE, None, at, task)

    def _effect(self, txn, case, task, step, op: RunEffect, actor, user, at):
        EFFECTS[op.name](txn, case, task, step, user, actor, at)

    def _resume(self, txn, case, task, step, op: ResumeClock, actor, user, at):
        clock.resume(txn, case, standard_of(txn, case), at)

    def _pause(self, txn, case, task, step, op: PauseClock, actor, user, at):
        clock.pause(txn, case, at, op.reason, status=op.status)

    def _enter_step(self, txn, case, task, step, op: EnterStep, actor, user, at):
        return self._enter(txn, case, op.step_id, at)

    def _close_case(self, txn, case, task, step, op: CloseCase, actor, user, at):
        self._close(txn, case, op.status, at, op.reason)

    # ------------------------------------------------------------------ requirements received at a step

    def _receive(self, txn: Txn, case: Record, task: Record, requirement_ids, at) -> None:
        if not KINDS[task.kind].receives_requirements:
            raise InvalidInput("persyaratan diterima pada langkah penerimaan berkas", "requirements")
        received = opening.requirement_ids(standard_of(txn, case), case.variant, case.channel, case.answers,
                                           requirement_ids)
        known = dict(_REQUIREMENT_STATES.rows(txn.conn, case=case.id))
        new = [{"case_id": case.id, "requirement_id": ident, "received": True, "received_at": at}
               for ident in sorted(received) if ident not in known]
        now_received = [ident for ident in received if known.get(ident) is False]
        txn.insert_many(REQUIREMENTS, new)
        if now_received:
            txn.execute(REQUIREMENTS.update().where(REQUIREMENTS.c.case_id == case.id,
                                                    REQUIREMENTS.c.requirement_id.in_(now_received))
                        .values(received=True, received_at=at))
        record_event(txn, case, "requirements_received", task.role, at, None, task=task, received=sorted(received))

    def _return_requirements(self, txn: Txn, case: Record, task: Record, outcome, requirement_ids, at) -> None:
        """The requirements an officer sends back with the file: no longer received, to be provided again."""
        standard = standard_of(txn, case)
        step = standard.procedure.by_id[task.step_id]
        kind = KINDS[task.kind]
        spec = kind.outcomes_of(step).get(outcome) or {}
        if spec.get("action") != "return_to_applicant":
            raise InvalidInput("persyaratan yang dikembalikan hanya untuk hasil 'dikembalikan kepada pemohon'",
                               "returned")
        ids = opening.requirement_ids(standard, case.variant, case.channel, case.answers, requirement_ids)
        txn.execute(REQUIREMENTS.update().where(REQUIREMENTS.c.case_id == case.id,
                                                REQUIREMENTS.c.requirement_id.in_(sorted(ids)))
                    .values(received=False, received_at=None))
        record_event(txn, case, "requirements_returned", task.role, at, None, task=task, returned=sorted(ids))

    # ------------------------------------------------------------------ entering a step, closing a case

    @staticmethod
    def _touch(txn: Txn, case: Record, at: datetime) -> None:
        """Tell the orchestrator that Prefect has to catch up with this case (and its bundle)."""
        txn.touch([case.id] + ([case.parent_id] if case.parent_id else []), at)

    def _enter(self, txn: Txn, case: Record, step_id: str, at: datetime) -> Record | None:
        self._touch(txn, case, at)
        if step_id == END:
            self._close(txn, case, "done", at, None)
            return None
        step = standard_of(txn, case).procedure.by_id[step_id]
        seq = txn.last_seq.get(case.id)
        if seq is None:
            seq = _LAST_SEQ.scalar(txn.conn, case=case.id) or 0
        txn.last_seq[case.id] = seq = seq + 1
        kind = kind_of(step)
        role = kind.role(step)
        # A partner agency's step runs on its own working days and hours (its role's calendar), if it has them.
        step_due_at = step_due(role_calendar(txn.version(case.standard_version_id), case.unit_id, role), at,
                               step.get("target")) if kind.in_worklists else None
        values = {"case_id": case.id, "office_id": case.office_id, "seq": seq, "step_id": step_id, "kind": kind.name,
                  "role": role, "status": "open", "created_at": at, "due_at": case.due_at, "mirrored": False,
                  "row_version": 1, "step_due_at": step_due_at}
        task = txn.adopt(TASKS, dict(values, id=txn.insert(TASKS, values)))
        record_event(txn, case, "task_created", SYSTEM_ROLE, at, None, task=task, role=role,
                     step_due_at=step_due_at.isoformat() if step_due_at else None)
        for effect in kind.on_enter + (("hold_clock",) if step.get("clock") == "stops" else ()):
            EFFECTS[effect](txn, case, task, step, None, SYSTEM_ROLE, at)
        return task

    def _close(self, txn: Txn, case: Record, status: str, at: datetime, reason: str | None) -> None:
        case.status, case.closed_at, case.close_reason = status, at, reason
        case.sla_next_at = None
        record_event(txn, case, "case_closed", SYSTEM_ROLE, at, None, status=status, reason=reason,
                     on_time=(case.due_at is None or at <= case.due_at))
        self._touch(txn, case, at)
        if case.parent_id:
            self._part_closed(txn, case, at)

    def _part_closed(self, txn: Txn, part: Record, at: datetime) -> None:
        """Start the bundle parts waiting for this one; close the bundle when no part can go on."""
        parent = txn.get(CASES, part.parent_id, lock=True)
        bundle = txn.version(parent.standard_version_id).document
        txn.flush()  # this part's new status
        parts = {row.part_id: row.status for row in txn.execute(
            select(CASES.c.part_id, CASES.c.status).where(CASES.c.parent_id == parent.id))}
        for spec in opening.parts_starting(bundle, parts) if part.status == "done" else ():
            prefix = spec["id"] + "/"
            received = [ident[len(prefix):] for ident in txn.execute(
                select(REQUIREMENTS.c.requirement_id).where(
                    REQUIREMENTS.c.case_id == parent.id,
                    REQUIREMENTS.c.requirement_id.startswith(prefix))).scalars()]
            parts[spec["id"]] = self._open_part(txn, parent, spec, received, None, True, at).status
        end = opening.bundle_end(parts)
        if end is not None:
            self._close(txn, parent, end[0], at, end[1])


CARRY_OUT = {RecordDone: StepMoves._done, RunEffect: StepMoves._effect, ResumeClock: StepMoves._resume,
             PauseClock: StepMoves._pause, EnterStep: StepMoves._enter_step, CloseCase: StepMoves._close_case,
             SetTier: StepMoves._set_tier}
