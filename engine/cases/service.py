"""The case engine: every action an officer, the applicant or the system takes on a case.

Each public method is one transaction on the case store: it checks everything first and writes nothing
when a check fails (CaseError); when it succeeds the case's next task is already in the next worklist.
What a command does is decided by the pure core (engine/cases/core/: decide.py, opening.py); this class
gathers what it reads and carries its decisions out (engine/cases/moving.py, opening.py). Prefect is not
involved here: actions only mark the case's flow link pending, and the orchestrator (engine.orchestration)
mirrors the history and runs automated steps asynchronously.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select

from engine import faults
from engine.access import policy
from engine.access.policy import Actor
from engine.access.tte import SigningProof
from engine.standard.flow import APPLICANT_ROLE, SYSTEM_ROLE
from engine.standard.kinds import KINDS
from engine.standard.model import Library
from engine.store.db import Store
from engine.store.models import OPEN_TASK_STATUSES, Case, Task, User, UserRole
from engine.store.prepared import Prepared

from engine.errors import CaseError, Conflict, Forbidden, InvalidInput, NotFound

from . import fields
from .actions import action, now
from .batch import Batch
from .core import decide
from .core.decide import INCOMPLETE_OUTCOME
from .directory import Directory
from .issued import perform, record_event, standard_of
from .moving import StepMoves
from .opening import CaseOpening
from .reassigning import TaskReassignment
from .expiring import CorrectionLimits
from .extending import TimeExtensions
from .reopening import ApplicantActions
from .txn import Record, Txn

__all__ = ["CaseService", "now", "INCOMPLETE_OUTCOME", "APPLICANT_FIELDS"]

APPLICANT_FIELDS = ("nik", "name", "address", "phone", "email", "birth_date", "sex")

CASES, TASKS = Case.__table__, Task.__table__
USERS, USER_ROLES = User.__table__, UserRole.__table__

# The statements of an officer's step, prepared once (engine.store.prepared).
_USER = Prepared(select(USERS.c.id, USERS.c.office_id, USERS.c.active, USER_ROLES.c.role_id)
                 .outerjoin(USER_ROLES, USER_ROLES.c.user_id == USERS.c.id)
                 .where(USERS.c.username == bindparam("username")))


class CaseService(CaseOpening, StepMoves, TaskReassignment, ApplicantActions, CorrectionLimits, TimeExtensions):
    def __init__(self, store: Store, library: Library | None = None):
        self.store = store
        self.library = library
        self.accept_drafts = False  # draft standards take applications only in the demo office
        self.batch = Batch(store)
        self.directory = Directory(store, library)

    @action
    def record_refusal(self, username: str, message: str, *, task_id: int | None = None,
                       at: datetime | None = None) -> None:
        """A refused action goes into the history (the refused write itself was rolled back)."""
        at = at or now()

        def work(txn: Txn):
            user_id = txn.scalar(select(USERS.c.id).where(USERS.c.username == username))
            task = txn.execute(select(TASKS.c.case_id, TASKS.c.step_id).where(TASKS.c.id == task_id)).first() \
                if task_id else None
            txn.event(task.case_id if task else None, task_id if task else None, "action_refused", username,
                      user_id, at, {"step": task.step_id if task else None, "message": message})

        return work

    record_refusal_async = record_refusal.batched

    @action
    def record_identity_view(self, case_id: int, username: str, where: str, at: datetime | None = None) -> None:
        """Who looked at a confidential applicant's identity, and on which page (in the case's history)."""
        at = at or now()

        def work(txn: Txn):
            case = txn.get(CASES, case_id, lock=True)
            if case is None:
                raise NotFound("kasus tidak ditemukan", "case")
            user_id = txn.scalar(select(USERS.c.id).where(USERS.c.username == username))
            txn.event(case.id, None, "identity_viewed", username, user_id, at, {"where": where})
            txn.finish()

        return work

    # ------------------------------------------------------------------ officers' actions

    @action
    def claim(self, task_id: int, actor: str, at: datetime | None = None) -> None:
        at = at or now()

        def work(txn: Txn):
            task, case, user = self._task_for_actor(txn, task_id, actor)
            if task.status == "claimed" and task.assignee_id != user.id:
                raise Conflict(f"tugas {task_id} sudah diambil oleh {self._username(txn, task.assignee_id)}")
            if task.status == "claimed":
                return
            task.status, task.assignee_id, task.claimed_at = "claimed", user.id, at
            self._event(txn, case, "task_claimed", user.username, at, user, task=task)

        return work

    claim_async = claim.batched

    @action
    def release(self, task_id: int, actor: str, at: datetime | None = None) -> None:
        at = at or now()

        def work(txn: Txn):
            task, case, user = self._task_for_actor(txn, task_id, actor)
            if task.status != "claimed" or task.assignee_id != user.id:
                raise Conflict(f"tugas {task_id} tidak sedang Anda ambil")
            task.status, task.assignee_id, task.claimed_at = "open", None, None
            self._event(txn, case, "task_released", user.username, at, user, task=task)

        return work

    release_async = release.batched

    @action
    def complete(self, task_id: int, actor: str, *, outcome: str | None = None, data: dict | None = None,
                 reason: str | None = None, requirements=None, expected_version: int | None = None,
                 proof: SigningProof | None = None, at: datetime | None = None, returned=None,
                 attach=None) -> int | None:
        """Complete a human step; returns the id of the case's next open task (None when it closed or waits
        for the system). ``requirements`` (intake steps) lists requirement ids received now; ``proof``
        (engine.access.tte.verify) that the officer gave the TTE passphrase, which a signature needs.
        ``returned``: with an outcome that returns the file to the applicant, the requirements they must
        provide again (marked not received). ``attach(txn, case)`` writes what comes with the completion in
        the same transaction (an online correction's uploads)."""
        at = at or now()
        if reason is not None and (not isinstance(reason, str) or len(reason) > fields.MAX_REASON):
            raise InvalidInput(f"alasan berupa teks paling banyak {fields.MAX_REASON:,} karakter".replace(",", "."),
                               "reason")
        if reason and fields.CONTROL.search(reason):
            raise InvalidInput("alasan memuat karakter kendali yang tidak diterima", "reason")

        def work(txn: Txn):
            task, case, user = self._task_for_actor(txn, task_id, actor)
            if expected_version is not None and task.row_version != expected_version:
                raise Conflict(f"tugas {task_id} sudah diubah orang lain; muat ulang")
            if task.status == "claimed" and user is not None and task.assignee_id != user.id:
                raise Conflict(f"tugas {task_id} sedang dikerjakan oleh {self._username(txn, task.assignee_id)}")
            if KINDS[task.kind].asks_passphrase:
                self._check_signer(txn, case, task, user, outcome, proof)
            if returned:
                self._return_requirements(txn, case, task, outcome, returned, at)
            if attach is not None:
                attach(txn, case)
            if requirements:
                self._receive(txn, case, task, requirements, at)
            nxt = self._finish(txn, case, task, actor if user is None else user.username, user, outcome=outcome,
                               data=data, reason=reason, at=at)
            txn.finish()
            faults.point("complete.before_commit")
            return nxt.id if nxt is not None and KINDS[nxt.kind].in_worklists else None

        return work

    complete_async = complete.batched

    def _task_for_actor(self, txn: Txn, task_id: int, actor: str):
        task, case = self._open_task(txn, task_id)
        if task.status not in OPEN_TASK_STATUSES:
            by = self._username(txn, task.completed_by) if task.completed_by else "sistem"
            raise Conflict(f"tugas {task_id} sudah {'diselesaikan' if task.status == 'done' else 'dibatalkan'}"
                           f" oleh {by}")
        if task.role in (SYSTEM_ROLE, APPLICANT_ROLE) or actor in (SYSTEM_ROLE, APPLICANT_ROLE):
            who = policy.APPLICANT if actor == APPLICANT_ROLE else policy.SYSTEM if actor == SYSTEM_ROLE else \
                Actor(actor)
            policy.check(who, "task.act", policy.Target(office_id=case.office_id, role=task.role, step=task.step_id))
            return task, case, None
        user = self._user(txn, actor)
        self._authorize(self._standard(txn, case), case, task, user)
        return task, case, user

    @staticmethod
    def _open_task(txn: Txn, task_id: int) -> tuple[Record, Record]:
        """The task and its case, locked for this transaction. An open task is the latest of its case (a case
        has one open task at a time, and the next one is numbered after it: the unique (case, seq) index
        refuses a second task in the same place), so its seq is the case's last."""
        found = txn.get_with_parent(TASKS, task_id, CASES, "case_id") if 1 <= task_id <= fields.MAX_ROW_ID else None
        if found is None:
            raise NotFound(f"tugas {task_id} tidak ditemukan", "task")
        task, case = found
        if task.status in OPEN_TASK_STATUSES:
            txn.last_seq.setdefault(task.case_id, task.seq)
        return task, case

    @staticmethod
    def _user(txn: Txn, username: str) -> Actor:
        rows = _USER.rows(txn.conn, username=username)
        if not rows or not rows[0][2]:
            raise Forbidden(f"pengguna '{username}' tidak dikenal atau tidak aktif", "as")
        return Actor(username, rows[0][1], frozenset(r[3] for r in rows if r[3]), id=rows[0][0])

    def _check_signer(self, txn: Txn, case: Record, task: Record, user: Actor | None, outcome, proof) -> None:
        kind = KINDS[task.kind]
        step = self._standard(txn, case).procedure.by_id[task.step_id]
        if decide.action_of(kind, step, outcome) != "approve":
            return  # refusing to sign needs a reason, not the passphrase
        if proof is None or user is None or proof.username != user.username:
            raise Forbidden("tanda tangan elektronik memerlukan frasa sandi TTE Anda", "passphrase")

    @staticmethod
    def _authorize(standard, case: Record, task: Record, user: Actor) -> None:
        office = standard.office
        policy.check(user, "task.act", policy.Target(office_id=case.office_id, office_name=office.name,
                                                     role=task.role, step=task.step_id,
                                                     role_name=office.role_name(task.role)))

    @staticmethod
    def _username(txn: Txn, user_id) -> str:
        name = txn.scalar(select(USERS.c.username).where(USERS.c.id == user_id)) if user_id else None
        return name or "-"

    # ------------------------------------------------------------------ the system's actions (via Prefect)

    @action
    def run_automated(self, task_id: int, at: datetime | None = None) -> dict:
        """Run one automated step (issue numbers, render documents, notify the applicant) and move the case
        on. Idempotent: a step already done returns what it did, so a retried or replayed Prefect task
        never numbers a product twice."""
        at = at or now()

        def work(txn: Txn):
            task, case = self._open_task(txn, task_id)
            if task.status == "done":
                return dict(task.data or {})
            if task.status == "cancelled" or task.role != SYSTEM_ROLE:
                raise CaseError(f"tugas {task_id} bukan langkah otomatis yang terbuka")
            step = self._standard(txn, case).procedure.by_id[task.step_id]
            result = perform(txn, case, step, at)
            self._finish(txn, case, task, SYSTEM_ROLE, None, outcome=None, data=result, reason=None, at=at,
                         by=decide.SYSTEM)
            txn.finish()
            faults.point("automated.before_commit")
            return result

        return work

    # ------------------------------------------------------------------ signatures, versions, the event log

    _standard = staticmethod(standard_of)
    _event = staticmethod(record_event)

    def _run_unit(self, work):
        """One unit of work in its own transaction: everything it buffered is written before the commit."""
        with self.store.transaction() as conn:
            txn = Txn(conn, self.store.versions_by_id, self.store.public_url, self.store.notify_channels)
            result = work(txn)
            txn.finish()
            return result
