"""Opening a case, within a transaction of the case engine: the application is checked by the pure core
(engine/cases/core/opening.py), the standard's version frozen, the case, its requirements and its outbox
row written, the clock started when the standard says so, and the first step entered (the applicant's own
submission of an online channel, and the counter's check when an officer registers it, done at once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.access import policy
from engine.access.policy import Actor
from engine.standard.flow import APPLICANT_ROLE
from engine.standard.kinds import APPLICANT, KINDS
from engine.standard.model import UnknownStandard
from engine.store.models import CaseRequirement, Case, FlowLink, Office

from engine.errors import CaseError, InvalidInput, NotFound

from engine.store.tokens import case_tokens

from . import clock, fields, finding, numbering, privacy
from .actions import action, now
from .core import decide, opening
from .frozen import FrozenVersion, freeze
from .issued import record_event
from .txn import Record, Txn

CASES, REQUIREMENTS, LINKS, OFFICES = Case.__table__, CaseRequirement.__table__, FlowLink.__table__, Office.__table__


class CaseOpening:
    """The part of CaseService that registers applications."""

    @action
    def open_case(self, standard_id: str, applicant: dict, *, variant: str | None = None,
                  channel: str | None = None, unit: str | None = None, answers: dict | None = None,
                  requirements=None, actor: str | None = None, allow_incomplete: bool = False,
                  at: datetime | None = None, attach=None) -> int:
        """Register an application; returns the case id. ``requirements`` lists the requirement ids received
        (for a bundle: a list for all parts or {part: [ids]}). With ``actor`` (an officer holding the intake
        role) the counter's check is done at once and the SLA clock starts. ``attach(txn, case)`` writes what
        comes with the application in the same transaction (the online channel's uploads and account)."""
        at = at or now()
        if self.library is None:
            raise CaseError("pustaka standar belum dimuat")
        item = self.library.bundles.get(standard_id) or self.library.standards.get(standard_id)
        if item is not None:
            opening.refuse_unpublished(item.data, accept_drafts=getattr(self, "accept_drafts", False))
        if standard_id in self.library.bundles:
            return self._open_bundle(standard_id, applicant, channel=channel, unit=unit, answers=answers,
                                     requirements=requirements, actor=actor, allow_incomplete=allow_incomplete,
                                     at=at)
        try:
            standard = self.library.standard(standard_id)
        except UnknownStandard as exc:
            raise NotFound(str(exc), "standard") from None
        applicant = self._check_applicant(applicant, anonymous=bool(privacy.settings(standard.data).get("anonymous")))

        def work(txn: Txn):
            case = self._new_case(txn, standard, applicant, variant=variant, channel=channel, unit=unit,
                                  answers=answers, requirements=requirements, actor=actor,
                                  allow_incomplete=allow_incomplete, at=at)
            if attach is not None:
                attach(txn, case)
            return case.id

        return work

    open_case_async = open_case.batched

    @staticmethod
    def _check_applicant(applicant, anonymous: bool = False) -> dict:
        """The applicant's data, checked; a standard that accepts anonymous applications (a complaint) needs
        no NIK or name, but what is given is checked all the same."""
        if not isinstance(applicant, dict):
            raise InvalidInput("data pemohon harus berupa objek JSON", "applicant")
        spec = fields.APPLICANT if not anonymous else [{**f, "required": False} for f in fields.APPLICANT]
        return fields.clean(spec, {k: v for k, v in applicant.items() if v not in (None, "")}, prefix="applicant.")

    def _who(self, txn: Txn, actor: str | None) -> tuple[Actor | None, Actor]:
        """The officer registering (None for the applicant or the system), and the actor the policy sees."""
        officer = self._user(txn, actor) if actor and actor != APPLICANT_ROLE else None
        return officer, officer or (policy.APPLICANT if actor == APPLICANT_ROLE else policy.SYSTEM)

    def _new_case(self, txn: Txn, standard, applicant, *, variant, channel, unit, answers, requirements,
                  actor, allow_incomplete, at, parent: Record | None = None, part_id: str | None = None) -> Record:
        checked = opening.open_application(standard, variant=variant, channel=channel, unit=unit, answers=answers,
                                           requirements=requirements)
        officer, who = self._who(txn, actor)
        if parent is None:
            policy.check(who, "case.open", policy.Target(
                office_id=standard.office.id, office_name=standard.office.name,
                intake_roles=standard.intake_roles(checked.variant, checked.channel, checked.answers),
                applicant_starts=opening.starts_with_applicant(standard, checked.variant, checked.channel,
                                                               checked.answers)))
        opening.refuse_incomplete(standard, checked, by_officer=officer is not None,
                                  allow_incomplete=allow_incomplete)
        variant, channel, answers, received, missing = (checked.variant, checked.channel, checked.answers,
                                                        checked.received, list(checked.missing))
        office = standard.office.data
        version = freeze(txn.conn, standard.data, office, cache=self.store.versions_by_digest)
        self._ensure_office(txn, standard.office)
        case = self._insert_case(txn, version, office, at, unit_id=checked.unit, standard_id=standard.id,
                                 variant=variant, channel=channel, applicant=applicant, answers=answers,
                                 created_by=officer.id if officer else None,
                                 parent_id=parent.id if parent else None, part_id=part_id)
        rows = [{"case_id": case.id, "requirement_id": req["id"], "received": req["id"] in received,
                 "received_at": at if req["id"] in received else None}
                for req in standard.requirements(variant, channel, answers)]
        txn.insert_many(REQUIREMENTS, rows)
        record_event(txn, case, "case_opened", actor or APPLICANT_ROLE, at, officer,
                     standard=standard.id, version=version.version, variant=variant, channel=channel,
                     unit=checked.unit, missing=missing)
        self._insert_link(txn, case, parent.standard_id if parent else standard.id, at)
        if checked.clock_at_submission:
            clock.start(txn, case, at)
        if missing:
            case.status = "incomplete"
        task = self._enter(txn, case, checked.first_step, at)
        # The applicant's own submission is the first step of online channels.
        while task is not None and KINDS[task.kind].performer == APPLICANT and task.seq == 1:
            task = self._finish(txn, case, task, APPLICANT_ROLE, None, outcome=None, data={}, reason=None, at=at,
                                by=decide.APPLICANT)
        if officer and task is not None and KINDS[task.kind].receives_requirements and not missing:
            self._authorize(standard, case, task, officer)  # the intake's own role (checked by the policy)
            self._finish(txn, case, task, officer.username, officer, outcome=None, data={}, reason=None, at=at)
        return case

    def _insert_case(self, txn: Txn, version: FrozenVersion, office: dict, at: datetime, **values) -> Record:
        values.update(number=numbering.case_number(txn.conn, office, at), receipt_code=numbering.receipt_code(),
                      office_id=office["id"], standard_version_id=version.id, status="open", received_at=at,
                      sla_mark="", sla_level=0, audit_seq=0, row_version=1)
        values["answers"] = values.get("answers") or {}
        case = txn.adopt(CASES, dict(values, id=txn.insert(CASES, values)))
        searchable = privacy.searchable(values.get("applicant"), version.document, values.get("answers"))
        finding.index(txn, case.id, case.office_id, case_tokens(searchable, case.number, case.receipt_code))
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
            officer, who = self._who(txn, actor)
            first = [(self.library.standard(p["standard"]), p) for p in bundle.data["parts"] if not p.get("after")]
            roles = frozenset().union(*(s.intake_roles(p.get("variant"), p.get("channel") or channel)
                                        for s, p in first))
            policy.check(who, "case.open", policy.Target(office_id=bundle.office.id, office_name=bundle.office.name,
                                                         intake_roles=roles))
            parent = self._insert_case(txn, version, office, at, unit_id=unit, standard_id=bundle.id,
                                       applicant=applicant, answers=answers or {},
                                       created_by=officer.id if officer else None)
            record_event(txn, parent, "case_opened", actor or APPLICANT_ROLE, at, officer, standard=bundle.id,
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

    def _ensure_office(self, txn: Txn, office) -> None:
        if office.id in self.store.known_offices:
            return
        if txn.scalar(select(OFFICES.c.id).where(OFFICES.c.id == office.id)) is None:
            try:  # another process may register the office at the same instant: its row does as well
                with txn.conn.begin_nested():
                    txn.conn.execute(OFFICES.insert().values(id=office.id, name=office.name,
                                                             timezone=office.timezone))
            except IntegrityError:
                pass
        else:
            self.store.known_offices.add(office.id)  # committed already: offices are never deleted
