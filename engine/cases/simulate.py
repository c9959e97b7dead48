"""Simulated officers and applicants: plausible form data and outcome choices for demos, tests and
benchmarks. They act only through CaseService, exactly like real users."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import select

from engine.standard.flow import APPLICANT_ROLE, SYSTEM_ROLE
from engine.standard.kinds import KINDS, kind_of
from engine.store.models import Case, Task

from .fields import applicable
from .frozen import thaw
from .service import INCOMPLETE_OUTCOME, CaseService

SAMPLE_APPLICANT = {"nik": "6472015708900003", "name": "Siti Rahmawati", "address": "Jl. Mulawarman No. 7",
                    "phone": "081234567890", "email": "siti@example.id"}


def sample_value(spec: dict):
    kind = spec.get("type", "text")
    choices = list((spec.get("choices") or {}).keys())
    if kind == "integer":
        return int(spec.get("min", 1))
    if kind == "number":
        return float(spec.get("min", 1))
    if kind == "date":
        return date(2026, 11, 26).isoformat()
    if kind == "choice":
        return choices[0]
    if kind == "multichoice":
        return choices[:1]
    if kind == "boolean":
        return True
    if kind == "nik":
        return SAMPLE_APPLICANT["nik"]
    if kind == "email":
        return "petugas@example.id"
    if kind == "phone":
        return "0541123456"
    if spec.get("pattern"):
        import re

        candidates = ("AB12345678", SAMPLE_APPLICANT["nik"], "1234567890", "ABC-123456", "Contoh isian")
        return next((c for c in candidates if re.search(spec["pattern"], c)), candidates[0])
    return "Contoh isian"


def sample_data(step: dict, case: Case) -> dict:
    fields = applicable(kind_of(step).form_fields(step), case.variant, case.channel, case.answers)
    return {f["id"]: sample_value(f) for f in fields}


def sample_answers(standard, variant, channel) -> dict:
    fields = applicable((standard.data.get("application") or {}).get("fields") or [], variant, channel, {})
    return {f["id"]: sample_value(f) for f in fields}


@dataclass
class Scenario:
    """Which outcome simulated officers choose: 'approve', 'return' (once, to an earlier step),
    'return_to_applicant' (once), 'reject' (at the first step that can), 'incomplete' (intake once)."""
    name: str = "approve"
    used: set = field(default_factory=set)
    waited: set = field(default_factory=set)

    def outcome(self, step: dict, task: Task) -> str | None:
        outcomes = KINDS[task.kind].outcomes_of(step)
        waiting = [key for key, spec in outcomes.items() if spec.get("waits_for")]
        if waiting and (task.case_id, task.step_id) not in self.waited:  # e.g. the fee assessed, then paid
            self.waited.add((task.case_id, task.step_id))
            return waiting[0]
        if KINDS[task.kind].may_be_incomplete and self.name == "incomplete" and "incomplete" not in self.used:
            self.used.add("incomplete")
            return INCOMPLETE_OUTCOME
        if not outcomes:
            return None
        wanted = self.name if self.name in ("return", "return_to_applicant", "reject") else "approve"
        if wanted not in self.used:
            for key, spec in outcomes.items():
                if spec.get("action", "approve") == wanted:
                    if wanted != "reject":
                        self.used.add(wanted)
                    return key
        return next(k for k, spec in outcomes.items() if spec.get("action", "approve") == "approve")


DEMO_PASSPHRASE = "tte-demo-2026"  # every simulated officer's TTE passphrase (the demo prints it)
_DEMO_HASH: list[str] = []


def demo_passphrase_hash() -> str:
    """One Argon2id hash of the demo passphrase, made once per process (each officer's would cost 28 ms)."""
    if not _DEMO_HASH:
        from engine.access.passwords import hash_password

        _DEMO_HASH.append(hash_password(DEMO_PASSPHRASE))
    return _DEMO_HASH[0]


OPENING_STOCK_AT = datetime(2024, 1, 1, tzinfo=timezone.utc)  # before any seed standard took effect


def users_for(service: CaseService, stock: bool = True) -> dict[tuple[str, str], str]:
    """One simulated officer per office and role: username office.role, with a NIP, the role as position,
    and the demo's TTE passphrase; and (``stock``) each service point's stock received at its quota, as the
    Dinas distributes it (engine/cases/stock.py), so that the simulated office can print."""
    from engine.access.tte import set_passphrase_hash

    if stock:
        stock_units(service)

    made = {}
    for number, office in enumerate(service.library.offices.values()):
        for n, role in enumerate(office.roles):
            username = f"{office.id}.{role}"
            service.directory.add_user(username, f"Petugas {office.role_name(role)}", office.id, [role])
            service.directory.set_signer(username, nip=f"19800101{2005 + number:04d}01{1000 + n:04d}"[:18],
                                         position=office.role_name(role), rank="Penata, III/c")
            set_passphrase_hash(service.store, username, demo_passphrase_hash())
            made[(office.id, role)] = username
    return made


def act_on_open_tasks(service: CaseService, case_id: int, scenario: Scenario, at=None) -> int:
    """Complete every open human task of a case (and its bundle parts) once; returns how many."""
    with service.store.read() as s:
        rows = s.execute(select(Task, Case).join(Case, Case.id == Task.case_id).where(
            (Case.id == case_id) | (Case.parent_id == case_id), Task.status.in_(("open", "claimed")),
            Task.role != SYSTEM_ROLE).order_by(Task.id)).all()
        # Each case's standard, read while the session is open (its document is loaded on demand).
        standards = {case.id: thaw(case.standard_version) for _task, case in rows}
    done = 0
    for task, case in rows:
        step = standards[case.id].procedure.by_id[task.step_id]
        actor = APPLICANT_ROLE if task.role == APPLICANT_ROLE else f"{case.office_id}.{task.role}"
        outcome = scenario.outcome(step, task)
        reason = "Berkas tidak memenuhi ketentuan" if outcome and outcome != "approve" else None
        requirements = None
        if KINDS[task.kind].receives_requirements and outcome != INCOMPLETE_OUTCOME:
            standard = standards[case.id]
            requirements = [r["id"] for r in standard.requirements(case.variant, case.channel, case.answers)]
        if outcome and KINDS[task.kind].outcomes_of(step).get(outcome, {}).get("action", "approve") == "approve":
            reason = None
        proof = None
        if KINDS[task.kind].asks_passphrase:
            from engine.access.tte import verify

            proof = verify(service.store, actor, DEMO_PASSPHRASE, now=at)
        service.complete(task.id, actor, outcome=outcome, data=sample_data(step, case), reason=reason,
                         requirements=requirements, proof=proof, at=at)
        done += 1
    return done


def stock_units(service: CaseService) -> None:
    """Each unit of each office that keeps stock receives its items' quota (once)."""
    from sqlalchemy import func

    from engine.store.models import StockMovement

    from .stock import move

    with service.store.transaction() as conn:
        if conn.execute(select(func.count()).select_from(StockMovement.__table__)).scalar():
            return
        for office in service.library.offices.values():
            for item in office.data.get("stock") or []:
                for unit in office.data.get("units") or []:
                    move(conn, office.id, unit["id"], item, "received", item.get("unit_quota") or 0,
                         OPENING_STOCK_AT, "pengurus_barang", document="persediaan awal (simulasi)")
