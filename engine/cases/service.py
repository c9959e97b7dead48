"""The case engine: every action an officer, the applicant or the system takes on a case.

Each public method is one transaction on the case store: it checks everything first and writes nothing
when a check fails (CaseError); when it succeeds the case's next task is already in the next worklist.
Prefect is not involved here: actions only mark the case's flow link pending, and the orchestrator
(engine.orchestration) mirrors the history and runs automated steps asynchronously.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone

from sqlalchemy import bindparam, func, select

from engine import faults
from engine.access import policy
from engine.access.policy import Actor
from engine.standard.flow import APPLICANT_ROLE, END, SYSTEM_ROLE
from engine.standard.kinds import APPLICANT, KINDS, kind_of
from engine.standard.model import Library, UnknownStandard
from engine.store import chain
from engine.store.db import Store
from engine.store.models import (OPEN_TASK_STATUSES, Case, CaseRequirement, FlowLink, Office, Task, User,
                                 UserRole)
from engine.store.prepared import Prepared

from engine.errors import CaseError, Conflict, Forbidden, InvalidInput, NotFound

from . import clock, fields, numbering
from .batch import Batch
from .directory import Directory
from .frozen import FrozenVersion, freeze
from .sla_levels import step_due
from .issued import EFFECTS, calendar_of, perform, record_event, standard_of
from .txn import Record, Txn

INCOMPLETE_OUTCOME = "belum_lengkap"  # built-in outcome of intake steps: documents still missing
CLOSED = ("done", "rejected")
APPLICANT_FIELDS = ("nik", "name", "address", "phone", "email", "birth_date", "sex")

CASES, TASKS, REQUIREMENTS = Case.__table__, Task.__table__, CaseRequirement.__table__
LINKS = FlowLink.__table__
OFFICES, USERS, USER_ROLES = Office.__table__, User.__table__, UserRole.__table__

# The statements of an officer's step, prepared once (engine.store.prepared).
_USER = Prepared(select(USERS.c.id, USERS.c.office_id, USERS.c.active, USER_ROLES.c.role_id)
                 .outerjoin(USER_ROLES, USER_ROLES.c.user_id == USERS.c.id)
                 .where(USERS.c.username == bindparam("username")))
_LAST_SEQ = Prepared(select(func.max(TASKS.c.seq)).where(TASKS.c.case_id == bindparam("case")))
_REQUIREMENT_STATES = Prepared(select(REQUIREMENTS.c.requirement_id, REQUIREMENTS.c.received)
                               .where(REQUIREMENTS.c.case_id == bindparam("case")))


def now() -> datetime:
    return datetime.now(timezone.utc)


def action(build):
    """A write action of the service. ``build(service, ...)`` checks what it can alone and returns the unit
    of work, ``work(txn)``. Called, the action runs the unit in its own transaction and returns its result;
    its ``batched`` form, ``await service.<action>_async(...)``, runs it in one transaction with the other
    actions submitted from the event loop at the same time (engine.cases.batch). Either way the caller's
    action is committed when it returns, and when it fails nothing it did remains."""

    @functools.wraps(build)
    def run(self, *args, **kwargs):
        return self._run_unit(build(self, *args, **kwargs))

    @functools.wraps(build)
    async def run_batched(self, *args, **kwargs):
        return await self.batch.run(build(self, *args, **kwargs))

    run.batched = run_batched
    return run


class CaseService:
    def __init__(self, store: Store, library: Library | None = None):
        self.store = store
        self.library = library
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

    # ------------------------------------------------------------------ opening a case

    @action
    def open_case(self, standard_id: str, applicant: dict, *, variant: str | None = None,
                  channel: str | None = None, unit: str | None = None, answers: dict | None = None,
                  requirements=None, actor: str | None = None, allow_incomplete: bool = False,
                  at: datetime | None = None) -> int:
        """Register an application; returns the case id. ``requirements`` lists the requirement ids received
        (for a bundle: a list for all parts or {part: [ids]}). With ``actor`` (an officer holding the intake
        role) the counter's check is done at once and the SLA clock starts."""
        at = at or now()
        if self.library is None:
            raise CaseError("pustaka standar belum dimuat")
        if standard_id in self.library.bundles:
            return self._open_bundle(standard_id, applicant, channel=channel, unit=unit, answers=answers,
                                     requirements=requirements, actor=actor, allow_incomplete=allow_incomplete,
                                     at=at)
        try:
            standard = self.library.standard(standard_id)
        except UnknownStandard as exc:
            raise NotFound(str(exc), "standard") from None
        applicant = self._check_applicant(applicant)

        def work(txn: Txn):
            case = self._new_case(txn, standard, applicant, variant=variant, channel=channel, unit=unit,
                                  answers=answers, requirements=requirements, actor=actor,
                                  allow_incomplete=allow_incomplete, at=at)
            return case.id

        return work

    open_case_async = open_case.batched

    def _check_applicant(self, applicant) -> dict:
        if not isinstance(applicant, dict):
            raise InvalidInput("data pemohon harus berupa objek JSON", "applicant")
        return fields.clean(fields.APPLICANT, {k: v for k, v in applicant.items() if v not in (None, "")},
                            prefix="applicant.")

    def _new_case(self, txn: Txn, standard, applicant, *, variant, channel, unit, answers, requirements,
                  actor, allow_incomplete, at, parent: Record | None = None, part_id: str | None = None) -> Record:
        variant, channel = self._check_combination(standard, variant, channel)
        unit = self._check_unit(standard, unit)
        app_fields = (standard.data.get("application") or {}).get("fields") or []
        answers = fields.clean(app_fields, answers, variant=variant, channel=channel, prefix="answers.")
        received = self._check_requirement_ids(standard, variant, channel, answers, requirements)
        missing = self._missing(standard, variant, channel, answers, received)
        officer = self._user(txn, actor) if actor and actor != APPLICANT_ROLE else None
        if parent is None:
            self._may_open(officer or (policy.APPLICANT if actor == APPLICANT_ROLE else policy.SYSTEM), standard,
                           variant, channel, answers)
        if missing and not allow_incomplete and (officer or not self._starts_with_applicant(standard, variant,
                                                                                              channel, answers)):
            raise InvalidInput("persyaratan belum lengkap: " + ", ".join(missing)
                               + " (gunakan --incomplete untuk mencatat berkas yang belum lengkap)",
                               "requirements")
        office = standard.office.data
        version = freeze(txn.conn, standard.data, office, cache=self.store.versions_by_digest)
        self._ensure_office(txn, standard.office)
        case = self._insert_case(txn, version, office, at, unit_id=unit, standard_id=standard.id,
                                 variant=variant, channel=channel, applicant=applicant, answers=answers,
                                 created_by=officer.id if officer else None,
                                 parent_id=parent.id if parent else None, part_id=part_id)
        rows = [{"case_id": case.id, "requirement_id": req["id"], "received": req["id"] in received,
                 "received_at": at if req["id"] in received else None}
                for req in standard.requirements(variant, channel, answers)]
        txn.insert_many(REQUIREMENTS, rows)
        self._event(txn, case, "case_opened", actor or APPLICANT_ROLE, at, officer,
                    standard=standard.id, version=version.version, variant=variant, channel=channel, unit=unit,
                    missing=missing)
        self._insert_link(txn, case, parent.standard_id if parent else standard.id, at)
        limit = standard.time_limit(variant)
        if limit["clock_starts"] == "submission":
            clock.start(txn, case, at)
        if missing:
            case.status = "incomplete"
        first = standard.procedure.resolve(standard.procedure.start, variant, channel, answers)[0]
        task = self._enter(txn, case, first, at)
        # The applicant's own submission is the first step of online channels.
        while task is not None and KINDS[task.kind].performer == APPLICANT and task.seq == 1:
            task = self._finish(txn, case, task, APPLICANT_ROLE, None, outcome=None, data={}, reason=None, at=at)
        if officer and task is not None and KINDS[task.kind].receives_requirements and not missing:
            self._authorize(standard, case, task, officer)  # the intake's own role (checked in _may_open)
            self._finish(txn, case, task, officer.username, officer, outcome=None, data={}, reason=None, at=at)
        return case

    def _may_open(self, actor: Actor, standard, variant, channel, answers) -> None:
        """Who may register an application of this standard (engine.access.policy, rule case.open)."""
        policy.check(actor, "case.open", policy.Target(
            office_id=standard.office.id, office_name=standard.office.name,
            intake_roles=standard.intake_roles(variant, channel, answers),
            applicant_starts=self._starts_with_applicant(standard, variant, channel, answers)))

    def _insert_case(self, txn: Txn, version: FrozenVersion, office: dict, at: datetime, **values) -> Record:
        values.update(number=numbering.case_number(txn.conn, office, at), receipt_code=numbering.receipt_code(),
                      office_id=office["id"], standard_version_id=version.id, status="open", received_at=at,
                      sla_mark="", sla_level=0, audit_seq=0, row_version=1)
        values["answers"] = values.get("answers") or {}
        case = txn.adopt(CASES, dict(values, id=txn.insert(CASES, values)))
        if version.id not in txn.versions:
            txn.fresh_versions[version.id] = version
        txn.last_seq[case.id] = 0
        return case

    @staticmethod
    def _insert_link(txn: Txn, case: Record, flow_name: str, at: datetime) -> None:
        txn.insert_many(LINKS, [{"case_id": case.id, "flow_name": flow_name, "state": "new", "pending": True,
                                 "revision": 1, "changed_at": at, "attempts": 0}])
        txn.new_links.add(case.id)

    def _open_bundle(self, bundle_id, applicant, *, channel, unit, answers, requirements, actor,
                     allow_incomplete, at):
        """The unit of work opening a bundle's case and the parts that start at once."""
        bundle = self.library.bundles[bundle_id]
        applicant = self._check_applicant(applicant)

        def work(txn: Txn):
            office = bundle.office.data
            version = freeze(txn.conn, bundle.data, office, kind="bundle", cache=self.store.versions_by_digest)
            self._ensure_office(txn, bundle.office)
            officer = self._user(txn, actor) if actor and actor != APPLICANT_ROLE else None
            first = [(self.library.standard(p["standard"]), p) for p in bundle.data["parts"] if not p.get("after")]
            roles = frozenset().union(*(s.intake_roles(p.get("variant"), p.get("channel") or channel)
                                        for s, p in first))
            policy.check(officer or (policy.APPLICANT if actor == APPLICANT_ROLE else policy.SYSTEM), "case.open",
                         policy.Target(office_id=bundle.office.id, office_name=bundle.office.name,
                                       intake_roles=roles))
            parent = self._insert_case(txn, version, office, at, unit_id=unit, standard_id=bundle.id,
                                       applicant=applicant, answers=answers or {},
                                       created_by=officer.id if officer else None)
            self._event(txn, parent, "case_opened", actor or APPLICANT_ROLE, at, officer, standard=bundle.id,
                        version=version.version, bundle=True)
            self._insert_link(txn, parent, bundle.id, at)
            kept = [{"case_id": parent.id, "requirement_id": f"{part['id']}/{ident}", "received": True,
                     "received_at": at}
                    for part in bundle.data["parts"]
                    for ident in (requirements.get(part["id"], []) if isinstance(requirements, dict)
                                  else requirements or [])]
            txn.insert_many(REQUIREMENTS, kept)  # kept for the parts that start later, when those before are done
            for part in bundle.data["parts"]:
                if not part.get("after"):
                    self._open_part(txn, parent, part, requirements, actor, allow_incomplete, at, channel, unit)
            return parent.id

        return work

    def _open_part(self, txn, parent, part, requirements, actor, allow_incomplete, at, channel=None, unit=None):
        standard = self.library.standard(part["standard"])
        if isinstance(requirements, dict):
            received = requirements.get(part["id"], [])
        else:  # one list for the whole bundle: each part takes the ids it knows
            known = {r["id"] for r in standard.requirements(part.get("variant"), channel, None)}
            received = [r for r in requirements or [] if r in known]
        return self._new_case(txn, standard, parent.applicant, variant=part.get("variant"),
                              channel=part.get("channel") or channel, unit=unit or parent.unit_id,
                              answers=(parent.answers or {}).get(part["id"]), requirements=received,
                              actor=actor, allow_incomplete=allow_incomplete, at=at, parent=parent,
                              part_id=part["id"])

    def _check_combination(self, standard, variant, channel):
        variants = [v["id"] for v in standard.variants]
        if variants and variant is None:
            raise InvalidInput(f"pilih varian: {', '.join(variants)}", "variant")
        if variant is not None and variant not in variants:
            raise InvalidInput(f"varian '{variant}' tidak dikenal; varian: {', '.join(variants) or '(tidak ada)'}",
                               "variant")
        allowed = [c for v, c in standard.combinations() if v == variant and c is not None]
        if channel is None and len(allowed) == 1:
            channel = allowed[0]
        if allowed and channel is None:
            raise InvalidInput(f"pilih kanal: {', '.join(allowed)}", "channel")
        if channel is not None and channel not in allowed:
            raise InvalidInput(f"kanal '{channel}' tidak tersedia untuk varian ini; kanal: "
                               f"{', '.join(allowed) or '(tidak ada)'}", "channel")
        return variant, channel

    def _check_unit(self, standard, unit):
        units = [u["id"] for u in standard.office.data.get("units") or []]
        allowed = standard.data.get("units") or units
        if unit is None:
            if len(allowed) > 1:
                raise InvalidInput(f"pilih unit layanan: {', '.join(allowed)}", "unit")
            return allowed[0] if allowed else None
        if unit not in allowed:
            raise InvalidInput(f"unit '{unit}' tidak melayani standar ini; unit: {', '.join(allowed) or '-'}",
                               "unit")
        return unit

    @staticmethod
    def _check_requirement_ids(standard, variant, channel, answers, received) -> set[str]:
        if received is not None and not isinstance(received, (list, tuple, set)):
            raise InvalidInput("daftar persyaratan harus berupa daftar id", "requirements")
        received = list(received or [])
        if len(received) > fields.MAX_FIELDS or not all(isinstance(r, str) and len(r) <= 80 for r in received):
            raise InvalidInput("daftar persyaratan harus berisi id persyaratan", "requirements")
        known = {r["id"] for r in standard.requirements(variant, channel, answers)}
        unknown = [r for r in received if r not in known]
        if unknown:
            raise InvalidInput(f"persyaratan '{unknown[0]}' tidak berlaku untuk permohonan ini; yang berlaku: "
                               f"{', '.join(sorted(known)) or '(tidak ada)'}", "requirements")
        return set(received)

    @staticmethod
    def _missing(standard, variant, channel, answers, received) -> list[str]:
        return [r["id"] for r in standard.requirements(variant, channel, answers)
                if not r.get("optional") and r["id"] not in received]

    @staticmethod
    def _starts_with_applicant(standard, variant, channel, answers) -> bool:
        first = standard.procedure.resolve(standard.procedure.start, variant, channel, answers)[0]
        return first != END and kind_of(standard.procedure.by_id[first]).performer == APPLICANT

    def _ensure_office(self, txn: Txn, office) -> None:
        if office.id in self.store.known_offices:
            return
        if txn.scalar(select(OFFICES.c.id).where(OFFICES.c.id == office.id)) is None:
            txn.execute(OFFICES.insert(), {"id": office.id, "name": office.name, "timezone": office.timezone})
        else:
            self.store.known_offices.add(office.id)  # committed already: offices are never deleted

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
                 at: datetime | None = None) -> int | None:
        """Complete a human step; returns the id of the case's next open task (None when it closed or waits
        for the system). ``requirements`` (intake steps) lists requirement ids received now."""
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

    def _receive(self, txn: Txn, case: Record, task: Record, requirement_ids, at) -> None:
        if not KINDS[task.kind].receives_requirements:
            raise InvalidInput("persyaratan diterima pada langkah penerimaan berkas", "requirements")
        received = self._check_requirement_ids(self._standard(txn, case), case.variant, case.channel,
                                               case.answers, requirement_ids)
        known = dict(_REQUIREMENT_STATES.rows(txn.conn, case=case.id))
        new = [{"case_id": case.id, "requirement_id": ident, "received": True, "received_at": at}
               for ident in sorted(received) if ident not in known]
        now_received = [ident for ident in received if known.get(ident) is False]
        txn.insert_many(REQUIREMENTS, new)
        if now_received:
            txn.execute(REQUIREMENTS.update().where(REQUIREMENTS.c.case_id == case.id,
                                                    REQUIREMENTS.c.requirement_id.in_(now_received))
                        .values(received=True, received_at=at))
        self._event(txn, case, "requirements_received", task.role, at, None, task=task, received=sorted(received))

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
                         system=True)
            txn.finish()
            faults.point("automated.before_commit")
            return result

        return work

    # ------------------------------------------------------------------ moving a case through its steps

    def _finish(self, txn: Txn, case: Record, task: Record, actor: str, user: Actor | None, *, outcome, data,
                reason, at, system: bool = False) -> Record | None:
        """Record a step as done and enter the next one. Checks come first, writes after."""
        standard = self._standard(txn, case)
        procedure = standard.procedure
        step = procedure.by_id[task.step_id]
        outcomes = KINDS[task.kind].outcomes_of(step)
        kind = KINDS[task.kind]
        if kind.may_be_incomplete and outcome == INCOMPLETE_OUTCOME:
            action = "incomplete"
        elif outcomes:
            if outcome not in outcomes:
                raise InvalidInput(f"pilih hasil: {', '.join(outcomes)}", "outcome")
            action = outcomes[outcome].get("action", "approve")
        elif outcome not in (None, "selesai", "approve"):
            raise InvalidInput(f"langkah ini tidak memiliki pilihan hasil; yang diberikan: {outcome}", "outcome")
        else:
            action = "approve"
        if not system:
            form = KINDS[task.kind].form_fields(step)
            data = fields.clean(form, data, variant=case.variant, channel=case.channel, answers=case.answers,
                                prefix="data.")
        if action in ("reject", "return", "return_to_applicant", "incomplete") and not (reason or "").strip():
            if action == "reject" or (outcomes.get(outcome) or {}).get("reason_required"):
                raise InvalidInput("alasan wajib diisi", "reason")
        if action == "approve" and kind.receives_requirements and kind.by_officer:
            missing = self._missing_now(txn, case, standard)
            if missing:
                raise InvalidInput("persyaratan belum lengkap: " + ", ".join(missing)
                                   + f" (catat dengan hasil '{INCOMPLETE_OUTCOME}')", "requirements")
        task.status, task.outcome, task.data, task.note = "done", outcome, data or {}, reason
        task.completed_at, task.completed_by = at, user.id if user else None
        if task.assignee_id is None and user is not None:
            task.assignee_id = user.id
        self._event(txn, case, "task_completed", actor, at, user, task=task, outcome=outcome, action=action,
                    reason=reason, data_sha256=chain.data_digest(task.data) if task.data else None,
                    waits_for=(outcomes.get(outcome) or {}).get("waits_for"))
        for effect in (kind.on_approve if action == "approve" else ()) + kind.outcome_effects.get(outcome, ()):
            EFFECTS[effect](txn, case, task, step, user, actor, at)
        if action == "approve" and kind.resumes_clock and (
                kind.starts_clock or case.status in ("waiting_applicant", "incomplete")):
            # The file is complete again (or for the first time): the clock starts or runs on.
            clock.resume(txn, case, standard, at)
        if action == "reject":
            self._close(txn, case, "rejected", at, reason)
            return None
        if action == "incomplete":
            clock.pause(txn, case, at, reason, status="incomplete")
            return self._enter(txn, case, task.step_id, at)
        if action == "return_to_applicant":
            clock.pause(txn, case, at, reason)
            target = outcomes[outcome].get("next") or task.step_id
        elif action == "return":
            target = outcomes[outcome].get("next") or task.step_id
        elif outcome in outcomes and outcomes[outcome].get("next"):
            target = outcomes[outcome]["next"]
        else:
            target = procedure.default_next(task.step_id)
        landed = procedure.resolve(target, case.variant, case.channel, case.answers)
        return self._enter(txn, case, landed[0] if landed else END, at)

    def _missing_now(self, txn: Txn, case: Record, standard) -> list[str]:
        received = {ident for ident, is_received in _REQUIREMENT_STATES.rows(txn.conn, case=case.id) if is_received}
        return self._missing(standard, case.variant, case.channel, case.answers, received)

    @staticmethod
    def _touch(txn: Txn, case: Record, at: datetime) -> None:
        """Tell the orchestrator that Prefect has to catch up with this case (and its bundle)."""
        txn.touch([case.id] + ([case.parent_id] if case.parent_id else []), at)

    def _enter(self, txn: Txn, case: Record, step_id: str, at: datetime) -> Record | None:
        self._touch(txn, case, at)
        if step_id == END:
            self._close(txn, case, "done", at, None)
            return None
        step = self._standard(txn, case).procedure.by_id[step_id]
        seq = txn.last_seq.get(case.id)
        if seq is None:
            seq = _LAST_SEQ.scalar(txn.conn, case=case.id) or 0
        txn.last_seq[case.id] = seq = seq + 1
        kind = kind_of(step)
        role = kind.role(step)
        step_due_at = step_due(self._calendar(txn, case), at, step.get("target")) if kind.in_worklists else None
        values = {"case_id": case.id, "office_id": case.office_id, "seq": seq, "step_id": step_id, "kind": kind.name,
                  "role": role, "status": "open", "created_at": at, "due_at": case.due_at, "mirrored": False,
                  "row_version": 1, "step_due_at": step_due_at}
        task = txn.adopt(TASKS, dict(values, id=txn.insert(TASKS, values)))
        self._event(txn, case, "task_created", SYSTEM_ROLE, at, None, task=task, role=role,
                    step_due_at=step_due_at.isoformat() if step_due_at else None)
        return task

    def _close(self, txn: Txn, case: Record, status: str, at: datetime, reason: str | None) -> None:
        case.status, case.closed_at, case.close_reason = status, at, reason
        case.sla_next_at = None
        self._event(txn, case, "case_closed", SYSTEM_ROLE, at, None, status=status, reason=reason,
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
        if part.status == "done":
            for spec in bundle["parts"]:
                after = spec.get("after") or []
                if spec["id"] in parts or not after:
                    continue
                if all(parts.get(a) == "done" for a in after):
                    prefix = spec["id"] + "/"
                    received = [ident[len(prefix):] for ident in txn.execute(
                        select(REQUIREMENTS.c.requirement_id).where(
                            REQUIREMENTS.c.case_id == parent.id,
                            REQUIREMENTS.c.requirement_id.startswith(prefix))).scalars()]
                    new = self._open_part(txn, parent, spec, received, None, True, at)
                    parts[spec["id"]] = new.status
        if any(status not in CLOSED for status in parts.values()):
            return
        rejected = sorted(p for p, status in parts.items() if status == "rejected")
        self._close(txn, parent, "rejected" if rejected else "done", at,
                    ("bagian ditolak: " + ", ".join(rejected)) if rejected else None)

    # ------------------------------------------------------------------ signatures, versions, the event log

    _standard = staticmethod(standard_of)
    _calendar = staticmethod(calendar_of)
    _event = staticmethod(record_event)

    def _run_unit(self, work):
        """One unit of work in its own transaction: everything it buffered is written before the commit."""
        with self.store.transaction() as conn:
            txn = Txn(conn, self.store.versions_by_id)
            result = work(txn)
            txn.finish()
            return result
