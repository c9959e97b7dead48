"""The case engine: every action an officer, the applicant or the system takes on a case.

Each public method is one transaction on the case store: it checks everything first and writes nothing
when a check fails (CaseError); when it succeeds the case's next task is already in the next worklist.
Prefect is not involved here: actions only mark the case's flow link pending, and the orchestrator
(engine.orchestration) mirrors the history and runs automated steps asynchronously.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from engine import faults
from engine.calendar import UncoveredYear
from engine.spec.flow import APPLICANT_ROLE, END, SYSTEM_ROLE, evaluate
from engine.spec.model import Library, UnknownStandard
from engine.store.db import Store
from engine.store.models import (Case, CaseRequirement, Document, Event, FlowLink, Office, Product, Task, User,
                                 UserRole)

from . import documents, fields, numbering
from .errors import CaseError, Conflict, Forbidden, InvalidInput, NotFound
from .frozen import calendar_for, freeze, thaw
from .identity import nik_problem

INCOMPLETE_OUTCOME = "belum_lengkap"  # built-in outcome of intake steps: documents still missing
OPEN_STATUSES = ("open", "claimed")
CLOSED = ("done", "rejected")
APPLICANT_FIELDS = ("nik", "name", "address", "phone", "email", "birth_date", "sex")


def now() -> datetime:
    return datetime.now(timezone.utc)


class CaseService:
    def __init__(self, store: Store, library: Library | None = None):
        self.store = store
        self.library = library

    # ------------------------------------------------------------------ directory: offices and users

    def sync_offices(self) -> int:
        """Copy the library's offices into the store (users and cases refer to them)."""
        with self.store.write() as s:
            for office in self.library.offices.values():
                row = s.get(Office, office.id) or Office(id=office.id)
                row.name, row.timezone = office.name, office.timezone
                s.add(row)
        return len(self.library.offices)

    def add_user(self, username: str, full_name: str, office_id: str, roles: list[str]) -> int:
        office = self.library.offices.get(office_id) if self.library else None
        if office is None:
            raise InvalidInput(f"kantor '{office_id}' tidak dikenal", "office")
        unknown = [r for r in roles if r not in office.roles]
        if unknown:
            raise InvalidInput(f"peran '{unknown[0]}' tidak ada di {office_id}; peran: {', '.join(office.roles)}",
                               "roles")
        with self.store.write() as s:
            if s.get(Office, office_id) is None:
                s.add(Office(id=office.id, name=office.name, timezone=office.timezone))
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(username=username, full_name=full_name, office_id=office_id, active=True)
                s.add(user)
            user.full_name, user.office_id = full_name, office_id
            user.roles = [UserRole(role_id=r) for r in roles]
            s.flush()
            return user.id

    def set_password(self, username: str, password_hash: str) -> None:
        """Store a password hash (hashing belongs to the web layer's argon2 hasher)."""
        self._update_user(username, password_hash=password_hash)

    def set_admin(self, username: str, admin: bool = True) -> None:
        self._update_user(username, is_admin=admin)

    def set_auditor(self, username: str, auditor: bool = True) -> None:
        self._update_user(username, is_auditor=auditor)

    def set_active(self, username: str, active: bool) -> None:
        self._update_user(username, active=active)

    def _update_user(self, username: str, **values) -> None:
        with self.store.write() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"pengguna '{username}' tidak dikenal", "username")
            for key, value in values.items():
                setattr(user, key, value)

    def record_refusal(self, username: str, message: str, *, task_id: int | None = None,
                       at: datetime | None = None) -> None:
        """A refused action goes into the history (the refused write itself was rolled back)."""
        at = at or now()
        with self.store.write() as s:
            user = s.scalar(select(User).where(User.username == username))
            task = s.get(Task, task_id) if task_id else None
            case = s.get(Case, task.case_id) if task else None
            self._event(s, case, "action_refused", username, at, user, task=task, message=message)

    # ------------------------------------------------------------------ opening a case

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
        with self.store.write() as s:
            case = self._new_case(s, standard, applicant, variant=variant, channel=channel, unit=unit,
                                  answers=answers, requirements=requirements, actor=actor,
                                  allow_incomplete=allow_incomplete, at=at)
            return case.id

    def _check_applicant(self, applicant) -> dict:
        if not isinstance(applicant, dict):
            raise InvalidInput("data pemohon harus berupa objek JSON", "applicant")
        unknown = sorted(set(applicant) - set(APPLICANT_FIELDS))
        if unknown:
            raise InvalidInput(f"isian tidak dikenal; yang tersedia: {', '.join(APPLICANT_FIELDS)}",
                               f"applicant.{unknown[0]}")
        for key in ("nik", "name"):
            if not applicant.get(key):
                raise InvalidInput("wajib diisi", f"applicant.{key}")
        problem = nik_problem(applicant["nik"])
        if problem:
            raise InvalidInput(problem, "applicant.nik")
        for key, kind in (("email", "email"), ("phone", "phone"), ("birth_date", "date")):
            if applicant.get(key):
                fields.clean([{"id": key, "type": kind}], {key: applicant[key]}, prefix="applicant.")
        return dict(applicant)

    def _new_case(self, s: Session, standard, applicant, *, variant, channel, unit, answers, requirements,
                  actor, allow_incomplete, at, parent: Case | None = None, part_id: str | None = None) -> Case:
        variant, channel = self._check_combination(standard, variant, channel)
        unit = self._check_unit(standard, unit)
        app_fields = (standard.data.get("application") or {}).get("fields") or []
        answers = fields.clean(app_fields, answers, variant=variant, channel=channel, prefix="answers.")
        received = self._check_requirement_ids(standard, variant, channel, answers, requirements)
        missing = self._missing(standard, variant, channel, answers, received)
        officer = self._user(s, actor) if actor and actor != APPLICANT_ROLE else None
        if missing and not allow_incomplete and (officer or not self._starts_with_applicant(standard, variant,
                                                                                              channel, answers)):
            raise InvalidInput("persyaratan belum lengkap: " + ", ".join(missing)
                               + " (gunakan --incomplete untuk mencatat berkas yang belum lengkap)",
                               "requirements")
        office = standard.office.data
        version = freeze(s, standard.data, office)
        self._ensure_office(s, standard.office)
        case = Case(number=numbering.case_number(s, office, at), receipt_code=numbering.receipt_code(),
                    office_id=office["id"], unit_id=unit, standard_version_id=version.id,
                    standard_id=standard.id, variant=variant, channel=channel, status="open",
                    applicant=applicant, answers=answers, received_at=at,
                    created_by=officer.id if officer else None, parent_id=parent.id if parent else None,
                    part_id=part_id)
        case.standard_version = version
        s.add(case)
        s.flush()
        for req in standard.requirements(variant, channel, answers):
            s.add(CaseRequirement(case_id=case.id, requirement_id=req["id"], received=req["id"] in received,
                                  received_at=at if req["id"] in received else None))
        self._event(s, case, "case_opened", actor or APPLICANT_ROLE, at, officer,
                    standard=standard.id, version=version.version, variant=variant, channel=channel, unit=unit,
                    missing=missing)
        s.add(FlowLink(case_id=case.id, flow_name=(parent.standard_id if parent else standard.id),
                       state="new", pending=True, changed_at=at))
        limit = standard.time_limit(variant)
        if limit["clock_starts"] == "submission":
            self._start_clock(s, case, at)
        if missing:
            case.status = "incomplete"
        first = standard.procedure.resolve(standard.procedure.start, variant, channel, answers)[0]
        task = self._enter(s, case, first, at)
        # The applicant's own submission is the first step of online channels.
        while task is not None and task.kind == "applicant" and task.seq == 1:
            task = self._finish(s, case, task, APPLICANT_ROLE, None, outcome=None, data={}, reason=None, at=at)
        if officer and task is not None and task.kind == "intake" and not missing:
            self._authorize(case, task, officer)
            self._finish(s, case, task, officer.username, officer, outcome=None, data={}, reason=None, at=at)
        return case

    def _open_bundle(self, bundle_id, applicant, *, channel, unit, answers, requirements, actor,
                     allow_incomplete, at) -> int:
        bundle = self.library.bundles[bundle_id]
        applicant = self._check_applicant(applicant)
        with self.store.write() as s:
            office = bundle.office.data
            version = freeze(s, bundle.data, office, kind="bundle")
            self._ensure_office(s, bundle.office)
            officer = self._user(s, actor) if actor and actor != APPLICANT_ROLE else None
            parent = Case(number=numbering.case_number(s, office, at), receipt_code=numbering.receipt_code(),
                          office_id=office["id"], unit_id=unit, standard_version_id=version.id,
                          standard_id=bundle.id, status="open", applicant=applicant, answers=answers or {},
                          received_at=at, created_by=officer.id if officer else None)
            parent.standard_version = version
            s.add(parent)
            s.flush()
            self._event(s, parent, "case_opened", actor or APPLICANT_ROLE, at, officer, standard=bundle.id,
                        version=version.version, bundle=True)
            s.add(FlowLink(case_id=parent.id, flow_name=bundle.id, state="new", pending=True, changed_at=at))
            for part in bundle.data["parts"]:
                # Kept for the parts that start later, when those before them are done.
                for ident in (requirements.get(part["id"], []) if isinstance(requirements, dict)
                              else requirements or []):
                    s.add(CaseRequirement(case_id=parent.id, requirement_id=f"{part['id']}/{ident}",
                                          received=True, received_at=at))
                if part.get("after"):
                    continue
                self._open_part(s, parent, part, requirements, actor, allow_incomplete, at, channel, unit)
            return parent.id

    def _open_part(self, s, parent, part, requirements, actor, allow_incomplete, at, channel=None, unit=None):
        standard = self.library.standard(part["standard"])
        if isinstance(requirements, dict):
            received = requirements.get(part["id"], [])
        else:  # one list for the whole bundle: each part takes the ids it knows
            known = {r["id"] for r in standard.requirements(part.get("variant"), channel, None)}
            received = [r for r in requirements or [] if r in known]
        return self._new_case(s, standard, parent.applicant, variant=part.get("variant"),
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
        received = list(received or [])
        if not all(isinstance(r, str) for r in received):
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
        return first != END and standard.procedure.by_id[first].get("kind") == "applicant"

    @staticmethod
    def _ensure_office(s: Session, office) -> None:
        if s.get(Office, office.id) is None:
            s.add(Office(id=office.id, name=office.name, timezone=office.timezone))
            s.flush()

    # ------------------------------------------------------------------ officers' actions

    def claim(self, task_id: int, actor: str, at: datetime | None = None) -> None:
        at = at or now()
        with self.store.write() as s:
            task, case, user = self._task_for_actor(s, task_id, actor)
            if task.status == "claimed" and task.assignee_id != user.id:
                raise Conflict(f"tugas {task_id} sudah diambil oleh {self._username(s, task.assignee_id)}")
            if task.status == "claimed":
                return
            task.status, task.assignee_id, task.claimed_at = "claimed", user.id, at
            self._event(s, case, "task_claimed", user.username, at, user, task=task)

    def release(self, task_id: int, actor: str, at: datetime | None = None) -> None:
        at = at or now()
        with self.store.write() as s:
            task, case, user = self._task_for_actor(s, task_id, actor)
            if task.status != "claimed" or task.assignee_id != user.id:
                raise Conflict(f"tugas {task_id} tidak sedang Anda ambil")
            task.status, task.assignee_id, task.claimed_at = "open", None, None
            self._event(s, case, "task_released", user.username, at, user, task=task)

    def complete(self, task_id: int, actor: str, *, outcome: str | None = None, data: dict | None = None,
                 reason: str | None = None, requirements=None, expected_version: int | None = None,
                 at: datetime | None = None) -> int | None:
        """Complete a human step; returns the id of the case's next open task (None when it closed or waits
        for the system). ``requirements`` (intake steps) lists requirement ids received now."""
        at = at or now()
        with self.store.write() as s:
            task, case, user = self._task_for_actor(s, task_id, actor)
            if expected_version is not None and task.row_version != expected_version:
                raise Conflict(f"tugas {task_id} sudah diubah orang lain; muat ulang")
            if task.status == "claimed" and user is not None and task.assignee_id != user.id:
                raise Conflict(f"tugas {task_id} sedang dikerjakan oleh {self._username(s, task.assignee_id)}")
            if requirements:
                self._receive(s, case, task, requirements, at)
            nxt = self._finish(s, case, task, actor if user is None else user.username, user, outcome=outcome,
                               data=data, reason=reason, at=at)
            s.flush()
            faults.point("complete.before_commit")
            return nxt.id if nxt is not None and nxt.kind != "automated" else None

    def _task_for_actor(self, s: Session, task_id: int, actor: str):
        task = s.scalar(select(Task).where(Task.id == task_id).with_for_update())
        if task is None:
            raise NotFound(f"tugas {task_id} tidak ditemukan", "task")
        case = s.get(Case, task.case_id)
        if task.status not in OPEN_STATUSES:
            by = self._username(s, task.completed_by) if task.completed_by else "sistem"
            raise Conflict(f"tugas {task_id} sudah {'diselesaikan' if task.status == 'done' else 'dibatalkan'}"
                           f" oleh {by}")
        if task.role == SYSTEM_ROLE:
            raise Forbidden("langkah otomatis dijalankan oleh sistem (Prefect), bukan oleh petugas", "task")
        if task.role == APPLICANT_ROLE:
            if actor != APPLICANT_ROLE:
                raise Forbidden(f"langkah '{task.step_id}' dilakukan oleh pemohon", "as")
            return task, case, None
        user = self._user(s, actor)
        self._authorize(case, task, user)
        return task, case, user

    def _user(self, s: Session, username: str) -> User:
        user = s.scalars(select(User).options(joinedload(User.roles)).where(User.username == username)).unique() \
            .first()
        if user is None or not user.active:
            raise Forbidden(f"pengguna '{username}' tidak dikenal atau tidak aktif", "as")
        return user

    @staticmethod
    def _authorize(case: Case, task: Task, user: User) -> None:
        if user.office_id != case.office_id:
            raise Forbidden(f"{user.username} bukan petugas {case.office_id}", "as")
        if task.role not in user.role_ids:
            office = thaw(case.standard_version).office
            raise Forbidden(f"langkah '{task.step_id}' memerlukan peran {office.role_name(task.role)} "
                            f"({task.role}); {user.username} tidak memilikinya", "as")

    @staticmethod
    def _username(s: Session, user_id) -> str:
        user = s.get(User, user_id) if user_id else None
        return user.username if user else "-"

    def _receive(self, s: Session, case: Case, task: Task, requirement_ids, at) -> None:
        if task.kind not in ("intake", "applicant"):
            raise InvalidInput("persyaratan diterima pada langkah penerimaan berkas", "requirements")
        standard = thaw(case.standard_version)
        received = self._check_requirement_ids(standard, case.variant, case.channel, case.answers,
                                               requirement_ids)
        rows = {r.requirement_id: r for r in s.scalars(select(CaseRequirement)
                                                       .where(CaseRequirement.case_id == case.id))}
        for ident in received:
            row = rows.get(ident)
            if row is None:
                s.add(CaseRequirement(case_id=case.id, requirement_id=ident, received=True, received_at=at))
            elif not row.received:
                row.received, row.received_at = True, at
        self._event(s, case, "requirements_received", task.role, at, None, task=task, received=sorted(received))

    # ------------------------------------------------------------------ the system's actions (via Prefect)

    def run_automated(self, task_id: int, at: datetime | None = None) -> dict:
        """Run one automated step (issue numbers, render documents, notify the applicant) and move the case
        on. Idempotent: a step already done returns what it did, so a retried or replayed Prefect task
        never numbers a product twice."""
        at = at or now()
        with self.store.write() as s:
            task = s.scalar(select(Task).where(Task.id == task_id).with_for_update())
            if task is None:
                raise NotFound(f"tugas {task_id} tidak ditemukan", "task")
            if task.status == "done":
                return dict(task.data or {})
            if task.status == "cancelled" or task.role != SYSTEM_ROLE:
                raise CaseError(f"tugas {task_id} bukan langkah otomatis yang terbuka")
            case = s.get(Case, task.case_id)
            step = thaw(case.standard_version).procedure.by_id[task.step_id]
            result = self._perform(s, case, step, at)
            self._finish(s, case, task, SYSTEM_ROLE, None, outcome=None, data=result, reason=None, at=at,
                         system=True)
            s.flush()
            faults.point("automated.before_commit")
            return result

    def _perform(self, s: Session, case: Case, step: dict, at: datetime) -> dict:
        action = step.get("action")
        if action == "issue_numbers":
            return {"numbers": self._issue_numbers(s, case, at)}
        if action == "render_documents":
            self._issue_numbers(s, case, at)
            return {"documents": [d.product_id for d in self._render_all(s, case, at)]}
        if action == "notify_applicant":
            message = step.get("message") or "Permohonan Anda telah selesai diproses."
            self._event(s, case, "applicant_notified", SYSTEM_ROLE, at, None, message=message,
                        channel=case.channel, to_email=bool(case.applicant.get("email")),
                        to_phone=bool(case.applicant.get("phone")))
            return {"notified": True}
        return {}

    def _products(self, case: Case) -> list[dict]:
        standard = thaw(case.standard_version)
        return [p for p in standard.products
                if evaluate(p.get("when"), case.variant, case.channel, case.answers) is not False]

    def _issue_numbers(self, s: Session, case: Case, at: datetime) -> dict:
        issued = {p.product_id: p for p in s.scalars(select(Product).where(Product.case_id == case.id))}
        office = thaw(case.standard_version).office.data
        local = at.astimezone(calendar_for(case.standard_version, case.unit_id).tz)
        for product in self._products(case):
            if product["id"] in issued:
                continue
            row = Product(case_id=case.id, product_id=product["id"], office_id=case.office_id, issued_at=at)
            if product.get("numbered", True):
                series = product.get("code") or product["id"]
                row.series, row.year = series, local.year
                row.seq = numbering.next_in_series(s, case.office_id, series, local.year)
                row.number = numbering.product_number(product, office, row.seq, local)
            s.add(row)
            issued[product["id"]] = row
            self._event(s, case, "product_issued", SYSTEM_ROLE, at, None, product=product["id"],
                        number=row.number)
        s.flush()
        return {k: v.number for k, v in issued.items()}

    def _render_all(self, s: Session, case: Case, at: datetime) -> list[Document]:
        return [self._document(s, case, p["id"], at) for p in self._products(case)]

    def _document(self, s: Session, case: Case, product_id: str, at: datetime) -> Document:
        existing = s.scalar(select(Document).where(Document.case_id == case.id, Document.product_id == product_id)
                            .order_by(Document.id.desc()))
        if existing is not None:
            return existing
        self._issue_numbers(s, case, at)
        standard = thaw(case.standard_version)
        product = next(p for p in standard.products if p["id"] == product_id)
        issued = s.scalar(select(Product).where(Product.case_id == case.id, Product.product_id == product_id))
        steps = {t.step_id: t.data for t in s.scalars(select(Task).where(Task.case_id == case.id,
                                                                           Task.status == "done"))}
        local = at.astimezone(calendar_for(case.standard_version, case.unit_id).tz)
        html, digest = documents.render(product.get("template"), {
            "office": standard.office.data, "standard": standard.data, "product": product,
            "number": issued.number if issued else None, "case": {"number": case.number,
                                                                 "received_at": case.received_at.date()},
            "applicant": case.applicant, "answers": case.answers, "steps": steps, "date": local.date(),
        })
        doc = Document(case_id=case.id, product_id=product_id, media_type="text/html", content=html,
                       sha256=digest, created_at=at)
        s.add(doc)
        s.flush()
        self._event(s, case, "document_rendered", SYSTEM_ROLE, at, None, product=product_id, sha256=digest)
        return doc

    # ------------------------------------------------------------------ moving a case through its steps

    def _finish(self, s: Session, case: Case, task: Task, actor: str, user: User | None, *, outcome, data,
                reason, at, system: bool = False) -> Task | None:
        """Record a step as done and enter the next one. Checks come first, writes after."""
        standard = thaw(case.standard_version)
        procedure = standard.procedure
        step = procedure.by_id[task.step_id]
        outcomes = step.get("outcomes") or {}
        if task.kind == "intake" and outcome == INCOMPLETE_OUTCOME:
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
            form = (step.get("form") or {}).get("fields") or []
            data = fields.clean(form, data, variant=case.variant, channel=case.channel, answers=case.answers,
                                prefix="data.")
        if action in ("reject", "return", "return_to_applicant", "incomplete") and not (reason or "").strip():
            if action == "reject" or (outcomes.get(outcome) or {}).get("reason_required"):
                raise InvalidInput("alasan wajib diisi", "reason")
        if action == "approve" and task.kind == "intake":
            missing = self._missing_now(s, case, standard)
            if missing:
                raise InvalidInput("persyaratan belum lengkap: " + ", ".join(missing)
                                   + f" (catat dengan hasil '{INCOMPLETE_OUTCOME}')", "requirements")
        task.status, task.outcome, task.data, task.note = "done", outcome, data or {}, reason
        task.completed_at, task.completed_by = at, user.id if user else None
        if task.assignee_id is None and user is not None:
            task.assignee_id = user.id
        self._event(s, case, "task_completed", actor, at, user, task=task, outcome=outcome, action=action,
                    reason=reason)
        if task.kind == "signature" and action == "approve":
            self._sign(s, case, step, user, actor, at)
        if task.kind == "handover" and action == "approve":
            for product in s.scalars(select(Product).where(Product.case_id == case.id)):
                product.handed_over_at = at
            self._event(s, case, "products_handed_over", actor, at, user, task=task)
        if action == "approve" and task.kind != "applicant" and (
                task.kind == "intake" or case.status in ("waiting_applicant", "incomplete")):
            # The file is complete again (or for the first time): the clock starts or runs on.
            self._resume_clock(s, case, standard, at)
        if action == "reject":
            self._close(s, case, "rejected", at, reason)
            return None
        if action == "incomplete":
            self._pause_clock(s, case, at, reason, status="incomplete")
            return self._enter(s, case, task.step_id, at)
        if action == "return_to_applicant":
            self._pause_clock(s, case, at, reason)
            target = outcomes[outcome].get("next") or task.step_id
        elif action == "return":
            target = outcomes[outcome].get("next") or task.step_id
        elif outcome in outcomes and outcomes[outcome].get("next"):
            target = outcomes[outcome]["next"]
        else:
            target = procedure.default_next(task.step_id)
        landed = procedure.resolve(target, case.variant, case.channel, case.answers)
        return self._enter(s, case, landed[0] if landed else END, at)

    def _missing_now(self, s: Session, case: Case, standard) -> list[str]:
        received = {r.requirement_id for r in s.scalars(select(CaseRequirement).where(
            CaseRequirement.case_id == case.id, CaseRequirement.received.is_(True)))}
        return self._missing(standard, case.variant, case.channel, case.answers, received)

    @staticmethod
    def _touch(s: Session, case: Case, at: datetime) -> None:
        """Tell the orchestrator that Prefect has to catch up with this case (and its bundle)."""
        ids = [case.id] + ([case.parent_id] if case.parent_id else [])
        s.execute(update(FlowLink).where(FlowLink.case_id.in_(ids)).values(
            pending=True, changed_at=at, revision=func.coalesce(FlowLink.revision, 0) + 1),
            execution_options={"synchronize_session": False})

    def _enter(self, s: Session, case: Case, step_id: str, at: datetime) -> Task | None:
        self._touch(s, case, at)
        if step_id == END:
            self._close(s, case, "done", at, None)
            return None
        step = thaw(case.standard_version).procedure.by_id[step_id]
        seq = (s.scalar(select(Task.seq).where(Task.case_id == case.id).order_by(Task.seq.desc()).limit(1)) or 0) + 1
        kind = step.get("kind", "form")
        role = APPLICANT_ROLE if kind == "applicant" else SYSTEM_ROLE if kind == "automated" else step["role"]
        task = Task(case_id=case.id, office_id=case.office_id, seq=seq, step_id=step_id, kind=kind, role=role,
                    status="open", created_at=at, due_at=case.due_at, mirrored=False)
        s.add(task)
        s.flush()
        self._event(s, case, "task_created", SYSTEM_ROLE, at, None, task=task, role=role)
        return task

    def _close(self, s: Session, case: Case, status: str, at: datetime, reason: str | None) -> None:
        case.status, case.closed_at, case.close_reason = status, at, reason
        case.sla_next_at = None
        self._event(s, case, "case_closed", SYSTEM_ROLE, at, None, status=status, reason=reason,
                    on_time=(case.due_at is None or at <= case.due_at))
        self._touch(s, case, at)
        if case.parent_id:
            self._part_closed(s, case, at)

    def _part_closed(self, s: Session, part: Case, at: datetime) -> None:
        """Start the bundle parts waiting for this one; close the bundle when no part can go on."""
        parent = s.get(Case, part.parent_id)
        bundle = parent.standard_version.document
        parts = {c.part_id: c for c in s.scalars(select(Case).where(Case.parent_id == parent.id))}
        if part.status == "done":
            for spec in bundle["parts"]:
                after = spec.get("after") or []
                if spec["id"] in parts or not after:
                    continue
                if all(a in parts and parts[a].status == "done" for a in after):
                    prefix = spec["id"] + "/"
                    received = [r.requirement_id[len(prefix):] for r in s.scalars(select(CaseRequirement).where(
                        CaseRequirement.case_id == parent.id, CaseRequirement.requirement_id.startswith(prefix)))]
                    new = self._open_part(s, parent, spec, received, None, True, at)
                    parts[spec["id"]] = new
        if any(c.status not in CLOSED for c in parts.values()):
            return
        rejected = [c.part_id for c in parts.values() if c.status == "rejected"]
        self._close(s, parent, "rejected" if rejected else "done", at,
                    ("bagian ditolak: " + ", ".join(rejected)) if rejected else None)

    # ------------------------------------------------------------------ the SLA clock

    def _start_clock(self, s: Session, case: Case, at: datetime) -> None:
        if case.clock_started_at is not None:
            return
        standard = thaw(case.standard_version)
        limit = standard.time_limit(case.variant)
        case.clock_started_at = at
        case.due_at = self._due(case, limit, at)
        self._due_changed(s, case)
        self._plan_sla(case)
        self._event(s, case, "clock_started", SYSTEM_ROLE, at, None, due_at=case.due_at.isoformat()
                    if case.due_at else None)

    def _due(self, case: Case, limit: dict, at: datetime):
        calendar = calendar_for(case.standard_version, case.unit_id)
        try:
            if "working_days" in limit:
                return calendar.due(at, limit["working_days"], limit["start_day"])
            from datetime import timedelta

            local = at.astimezone(calendar.tz).date() + timedelta(days=limit["calendar_days"])
            return datetime.combine(local, calendar.closing_time(local), tzinfo=calendar.tz)
        except UncoveredYear as exc:
            raise CaseError(f"kalender kerja belum mencakup tahun {exc.year}: tambahkan keputusan cuti bersama "
                            f"(calendar.decrees) di berkas kantor") from None

    @staticmethod
    def _plan_sla(case: Case) -> None:
        """When the SLA monitor should next look at the case (its due date just started or moved)."""
        from engine.sla.monitor import next_check  # the monitor reads cases through engine.cases.queries

        case.sla_next_at = next_check(case)

    @staticmethod
    def _due_changed(s: Session, case: Case) -> None:
        """Open tasks carry the case's due date for the worklist's sort."""
        s.execute(update(Task).where(Task.case_id == case.id, Task.status.in_(OPEN_STATUSES))
                  .values(due_at=case.due_at), execution_options={"synchronize_session": False})

    def _pause_clock(self, s: Session, case: Case, at: datetime, reason: str | None,
                     status: str = "waiting_applicant") -> None:
        case.status = status
        if case.clock_started_at is not None and case.clock_paused_at is None:
            case.clock_paused_at = at
            case.sla_next_at = None  # nothing can become late while the applicant holds the file
            self._event(s, case, "clock_paused", SYSTEM_ROLE, at, None, reason=reason)

    def _resume_clock(self, s: Session, case: Case, standard, at: datetime) -> None:
        case.status = "open"
        if case.clock_started_at is None:
            if standard.time_limit(case.variant)["clock_starts"] == "requirements_complete":
                self._start_clock(s, case, at)
            return
        if case.clock_paused_at is None:
            return
        calendar = calendar_for(case.standard_version, case.unit_id)
        paused_from = case.clock_paused_at.astimezone(calendar.tz).date()
        paused_days = max(0, calendar.working_days_between(paused_from, at.astimezone(calendar.tz).date()))
        if paused_days and case.due_at is not None:
            case.due_at = calendar.due(case.due_at.astimezone(calendar.tz).date(), paused_days)
            self._due_changed(s, case)
        case.clock_paused_at = None
        self._plan_sla(case)
        self._event(s, case, "clock_resumed", SYSTEM_ROLE, at, None, paused_working_days=paused_days,
                    due_at=case.due_at.isoformat() if case.due_at else None)

    # ------------------------------------------------------------------ signatures and the event log

    def _sign(self, s: Session, case: Case, step: dict, user: User | None, actor: str, at: datetime) -> None:
        product_id = step.get("document") or (self._products(case) or [{}])[0].get("id")
        if product_id is None:
            return
        doc = self._document(s, case, product_id, at)
        doc.signed_by, doc.signed_at = (user.id if user else None), at
        self._event(s, case, "document_signed", actor, at, user, product=product_id, sha256=doc.sha256)

    @staticmethod
    def _event(s: Session, case: Case | None, kind: str, actor: str, at: datetime, user: User | None,
               task: Task | None = None, **data) -> None:
        if task is not None:
            data.setdefault("step", task.step_id)
        s.add(Event(case_id=case.id if case else None, task_id=task.id if task else None, at=at,
                    actor_id=user.id if user else None, actor=actor, kind=kind,
                    data={k: v for k, v in data.items() if v is not None}))
