"""Applying online and correcting a returned application: the same standard, requirements and form fields
as at the counter, the case opened in the same store through the case engine, with the scans and the
account recorded in the same transaction (``attach``).

A standard is offered online when it declares a channel of mode ``daring``; a variant that names its
channels must name that one. The applicant's own step opens the case (the standards' online procedure);
the officers' check of the uploaded file comes next, and the SLA clock starts when they find it complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from engine.cases.core.decide import missing_requirements
from engine.cases.identity import nik_problem
from engine.cases.service import CaseService
from engine.errors import Conflict, InvalidInput, NotFound
from engine.standard.flow import APPLICANT_ROLE
from engine.store.models import Case, CaseAccount, CaseRequirement, Office, Task, Upload

from .accounts import Citizen
from .uploads import MAX_FILES, FolderStore, Scan, rows_for

UPLOADS, LINKS = Upload.__table__, CaseAccount.__table__
RELATIONS = {"suami": "Suami", "istri": "Istri", "anak": "Anak", "orang_tua": "Orang tua",
             "saudara": "Saudara kandung", "lainnya": "Anggota keluarga lain dalam KK"}


@dataclass(frozen=True)
class Offer:
    """A standard as the online channel offers it."""
    standard: object
    channel: str
    variants: list  # the variants that may be applied for online ([] when the standard has none)


def online_channel(standard) -> str | None:
    return next((c["id"] for c in standard.channels if c.get("mode") == "daring"), None)


def offers(library) -> list[Offer]:
    """Every published standard that may be applied for online (not the complaint standards: complaints
    have their own form)."""
    complaints = {o.data.get("complaint_standard") for o in library.offices.values()}
    found = []
    for standard in library.standards.values():
        channel = online_channel(standard)
        if channel is None or standard.id in complaints or standard.data.get("status") != "published":
            continue
        variants = [v for v in standard.variants if channel in (v.get("channels") or [channel])]
        if standard.variants and not variants:
            continue
        found.append(Offer(standard, channel, variants))
    return sorted(found, key=lambda o: (o.standard.office.name, o.standard.title))


def offer(library, standard_id: str) -> Offer:
    found = next((o for o in offers(library) if o.standard.id == standard_id), None)
    if found is None:
        raise NotFound("layanan ini tidak dapat diajukan secara daring", "standard")
    return found


def _applicant(citizen: Citizen, member: dict | None) -> tuple[dict, str]:
    contacts = {"email": citizen.email, "phone": citizen.phone}
    if not member or not (member.get("nik") or "").strip():
        return {"nik": citizen.nik, "name": citizen.name, **contacts}, "sendiri"
    nik = str(member.get("nik")).strip()
    problem = nik_problem(nik)
    if problem:
        raise InvalidInput(f"NIK anggota keluarga: {problem}", "member.nik")
    if nik == citizen.nik:
        raise InvalidInput("NIK anggota keluarga sama dengan NIK pemilik akun; pilih 'untuk diri sendiri'",
                           "member.nik")
    if member.get("relation") not in RELATIONS:
        raise InvalidInput("pilih hubungan keluarga", "member.relation")
    name = str(member.get("name") or "").strip()
    if not name:
        raise InvalidInput("nama anggota keluarga wajib diisi", "member.name")
    return {"nik": nik, "name": name[:200], **contacts}, "keluarga"


def _check_scans(standard, variant, channel, answers, scans: list[Scan]) -> list[str]:
    if len(scans) > MAX_FILES:
        raise InvalidInput(f"terlalu banyak berkas (paling banyak {MAX_FILES})", "files")
    applicable = {r["id"]: r for r in standard.requirements(variant, channel, answers)}
    for item in scans:
        if item.requirement_id not in applicable:
            raise InvalidInput(f"persyaratan '{item.requirement_id}' tidak berlaku untuk permohonan ini", "files")
    return sorted({s.requirement_id for s in scans})


def apply(service: CaseService, files: FolderStore, citizen: Citizen, standard_id: str, *, variant=None,
          unit=None, answers=None, scans: list[Scan], member: dict | None = None, at: datetime) -> int:
    """Open the case of an online application; returns its id. Every mandatory requirement needs a scan."""
    if not citizen.verified:
        raise InvalidInput("verifikasi surel Anda terlebih dahulu", "email")
    found = offer(service.library, standard_id)
    standard, channel = found.standard, found.channel
    applicant, relation = _applicant(citizen, member)
    answers = {k: v for k, v in (answers or {}).items() if v not in (None, "")}
    if standard.variants and variant not in {v["id"] for v in found.variants}:
        raise InvalidInput("pilih jenis layanan yang dapat diajukan daring", "variant")
    app_answers = answers
    received = _check_scans(standard, variant, channel, app_answers, scans)
    missing = missing_requirements(standard, variant, channel, app_answers, received)
    if missing:
        names = {r["id"]: r["name"] for r in standard.requirements(variant, channel, app_answers)}
        raise InvalidInput("unggah persyaratan: " + "; ".join(names.get(m, m) for m in missing), "files")
    keys = [files.put(s.content) for s in scans]  # before the transaction: never a row without its file

    def attach(txn, case):
        txn.insert_many(UPLOADS, rows_for(case.id, citizen.id, scans, keys, at))
        txn.insert_many(LINKS, [{"case_id": case.id, "account_id": citizen.id, "relation": relation,
                                 "filed_at": at}])
        txn.event(case.id, None, "filed_online", APPLICANT_ROLE, None, at,
                  {"relation": relation, "files": len(scans)})

    return service.open_case(standard_id, applicant, variant=variant, channel=channel, unit=unit,
                             answers=answers, requirements=received, actor=APPLICANT_ROLE, at=at, attach=attach)


def owned_case(service: CaseService, citizen: Citizen, number: str) -> Case:
    """The account's case by its number; another's, or none, is 'not found' alike."""
    with service.store.read() as s:
        case = s.scalar(select(Case).join(CaseAccount, CaseAccount.case_id == Case.id).where(
            Case.number == str(number)[:40], CaseAccount.account_id == citizen.id))
    if case is None:
        raise NotFound("permohonan tidak ditemukan di akun Anda", "case")
    return case


def correction(service: CaseService, case: Case) -> dict | None:
    """What the applicant must correct now: the officer's reason and the requirements returned, or None
    when the case does not wait for them."""
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case.id, Task.role == APPLICANT_ROLE,
                                           Task.status.in_(("open", "claimed"))))
        if task is None:
            return None
        reason = s.scalar(select(Task.note).where(Task.case_id == case.id, Task.status == "done",
                                                  Task.note.is_not(None)).order_by(Task.seq.desc()).limit(1))
        returned = s.scalars(select(CaseRequirement.requirement_id).where(
            CaseRequirement.case_id == case.id, CaseRequirement.received.is_(False))).all()
    from engine.cases.core.expiring import deadline
    from engine.cases.frozen import calendar_for

    with service.store.read() as s:
        version = s.get(Case, case.id).standard_version
        calendar = calendar_for(version, case.unit_id)
        last = deadline(version.document, task.created_at.astimezone(calendar.tz).date(), calendar)
    return {"task_id": task.id, "reason": reason, "returned": sorted(returned), "deadline": last}


def correct(service: CaseService, files: FolderStore, citizen: Citizen, number: str, *, scans: list[Scan],
            at: datetime) -> int | None:
    """Resubmit a returned application with new scans (the returned requirements at least)."""
    case = owned_case(service, citizen, number)
    wanted = correction(service, case)
    if wanted is None:
        raise Conflict("permohonan ini tidak sedang menunggu perbaikan dari Anda", "case")
    standard = service.library.standard(case.standard_id)
    given = _check_scans(standard, case.variant, case.channel, case.answers or {}, scans)
    names = {r["id"]: r["name"] for r in standard.requirements(case.variant, case.channel, case.answers or {})}
    left = [r for r in wanted["returned"] if r not in given]
    if left:
        raise InvalidInput("unggah ulang: " + "; ".join(names.get(r, r) for r in left), "files")
    if not scans:
        raise InvalidInput("unggah berkas perbaikan", "files")
    keys = [files.put(s.content) for s in scans]

    def attach(txn, locked_case):
        txn.execute(update(UPLOADS).where(UPLOADS.c.case_id == locked_case.id,
                                          UPLOADS.c.requirement_id.in_(given), UPLOADS.c.replaced_at.is_(None))
                    .values(replaced_at=at))
        txn.insert_many(UPLOADS, rows_for(locked_case.id, citizen.id, scans, keys, at))

    return service.complete(wanted["task_id"], APPLICANT_ROLE, requirements=given, attach=attach, at=at)


def history(service: CaseService, citizen: Citizen) -> list[dict]:
    """The account's applications, newest first ("Riwayat permohonan")."""
    from engine.standard import wording

    with service.store.read() as s:
        rows = s.execute(select(Case.number, Case.receipt_code, Case.standard_id, Case.status, Case.received_at,
                                Case.closed_at, Case.applicant, CaseAccount.relation, Office.timezone)
                         .join(Office, Office.id == Case.office_id)
                         .join(CaseAccount, CaseAccount.case_id == Case.id)
                         .where(CaseAccount.account_id == citizen.id).order_by(Case.id.desc()).limit(500)).all()
    titles = {sid: st.title for sid, st in service.library.standards.items()}
    return [{"number": r.number, "code": r.receipt_code, "title": titles.get(r.standard_id, r.standard_id),
             "status": r.status, "status_label": wording.CASE_STATUS_LABELS.get(r.status, r.status),
             "received_at": r.received_at, "closed_at": r.closed_at, "tz": r.timezone,
             "for": (r.applicant or {}).get("name") if r.relation == "keluarga" else None} for r in rows]
