"""A demo office for `layanan serve --demo`: the seed offices, an officer for every role (password
DEMO_PASSWORD), and cases of every published standard in every state (new, under way, incomplete, waiting
for the applicant, late, done, rejected). Everything goes through the case service, as real use would."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.cases.service import CaseService, now
from engine.cases.simulate import SAMPLE_APPLICANT, Scenario, act_on_open_tasks, sample_answers, users_for
from engine.store.models import Case, Task

from .auth import hash_password

DEMO_PASSWORD = "layanan-demo-2026"

# (label, scenario, officer rounds, days ago the application came in)
PLAN = (("baru", "approve", 0, 0), ("berjalan", "approve", 1, 1), ("belum lengkap", "incomplete", 0, 0),
        ("dikembalikan ke pemohon", "return_to_applicant", 3, 2), ("terlambat", "approve", 1, 12),
        ("selesai", "approve", 12, 4), ("ditolak", "reject", 6, 3))


def seed_demo(service: CaseService) -> dict:
    service.accept_drafts = True  # the demo office takes the draft standards too
    service.directory.sync_offices()
    made = users_for(service)
    password = hash_password(DEMO_PASSWORD)
    for username in made.values():
        service.directory.set_password(username, password)
    admin_office = next(iter(service.library.offices))
    service.directory.add_user("admin", "Admin Layanan", admin_office, [])
    service.directory.set_admin("admin")
    service.directory.set_password("admin", password)
    for office in service.library.offices.values():  # each office's auditor and user admin
        for suffix, name, mark in (("auditor", "Auditor", service.directory.set_auditor),
                                   ("admin", "Admin Pengguna", service.directory.set_admin)):
            username = f"{office.id}.{suffix}"
            service.directory.add_user(username, f"{name} {office.data.get('short_name') or office.name}",
                                       office.id, [])
            mark(username)
            service.directory.set_password(username, password)
            made[(office.id, suffix)] = username
    cases = 0
    # Drafts too: the demo shows every seed standard (the pages mark drafts as such).
    for standard in service.library.standards.values():
        # Counter applications first: the demo shows the front office's intake.
        combos = sorted(standard.combinations(), key=lambda vc: vc[1] == "daring")
        variant, channel = combos[0]
        answers = sample_answers(standard, variant, channel)
        requirements = [r["id"] for r in standard.requirements(variant, channel, answers)]
        units = standard.data.get("units") or [u["id"] for u in standard.office.data.get("units") or []]
        for _label, scenario_name, rounds, days_ago in PLAN:
            at = now() - timedelta(days=days_ago)
            incomplete = scenario_name == "incomplete"
            case_id = service.open_case(standard.id, dict(SAMPLE_APPLICANT), variant=variant, channel=channel,
                                        unit=units[0] if units else None, answers=answers,
                                        requirements=requirements[:-1] if incomplete else requirements,
                                        allow_incomplete=incomplete, at=at)
            cases += 1
            scenario = Scenario(scenario_name)
            for _ in range(rounds):
                acted = act_on_open_tasks(service, case_id, scenario, at=at)
                _run_automated(service, case_id, at)
                if not acted:
                    break
    for bundle in service.library.bundles.values():
        requirements = {p["id"]: [r["id"] for r in service.library.standard(p["standard"]).requirements(
            p.get("variant"), None, None)] for p in bundle.data["parts"]}
        units = [u["id"] for u in bundle.office.data.get("units") or []]
        for rounds in (0, 3, 12):
            case_id = service.open_case(bundle.id, dict(SAMPLE_APPLICANT), requirements=requirements,
                                        unit=units[0] if units else None)
            cases += 1
            for _ in range(rounds):
                acted = act_on_open_tasks(service, case_id, Scenario("approve"))
                _run_automated_family(service, case_id)
                if not acted:
                    break
    cases += seed_online(service)
    from engine.cases.simulate import DEMO_PASSPHRASE

    return {"users": len(made) + 1, "cases": cases, "password": DEMO_PASSWORD, "passphrase": DEMO_PASSPHRASE,
            "citizen": DEMO_CITIZEN}


DEMO_CITIZEN = {"nik": "6471054107950002", "name": "Ani Lestari", "email": "ani@warga.demo", "phone": "081234500001"}


def seed_online(service: CaseService) -> int:
    """A citizen's account (verified through the code the outbox holds, as a mailbox would), with an online
    KTP-el application returned for correction and a Kaltim data-matching application under way."""
    import io

    from PIL import Image

    from engine.channel import accounts, applying
    from engine.channel.uploads import FolderStore, scan
    from engine.store.models import Notification

    at = now() - timedelta(hours=3)
    who = accounts.register(service.store, dict(DEMO_CITIZEN), DEMO_PASSWORD, at)
    with service.store.read() as s:
        token = s.scalar(select(Notification.secret).where(Notification.recipient == who.email,
                                                            Notification.cause == "code")).split("\n")[1]
    who = accounts.use_code(service.store, "verify", at, token=token)

    def image(kind: str) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (320, 200), (220, 225, 230)).save(out, kind)
        return out.getvalue()

    files, made = FolderStore(), 0
    if "balikpapan-cetak-ktp-el" in service.library.standards:
        case_id = applying.apply(service, files, who, "balikpapan-cetak-ktp-el", variant="penggantian",
                                 unit="kec-balikpapan-kota", answers={"alasan": "hilang"}, at=at,
                                 scans=[scan("fotokopi_kk", "kk.jpg", image("JPEG")),
                                        scan("suket_hilang", "surat-kehilangan.pdf", image("PDF"))])
        made += 1
        for step in ("pemeriksaan_daring", "input_siak", "verifikasi"):
            with service.store.read() as s:
                task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
            officer = f"disdukcapil-balikpapan.{task.role}"
            if step == "verifikasi":
                service.complete(task.id, officer, outcome="perbaiki_permohonan", returned=["fotokopi_kk"],
                                 reason="Foto Kartu Keluarga buram: NIK tidak terbaca. Unggah foto yang jelas.",
                                 at=at + timedelta(minutes=30))
            else:
                service.complete(task.id, officer, data={}, at=at + timedelta(minutes=10))
    if "kaltim-pemadanan-data" in service.library.standards:
        applying.apply(service, files, who, "kaltim-pemadanan-data", at=at + timedelta(hours=1),
                       scans=[scan("surat_permohonan", "surat-permohonan.pdf", image("PDF")),
                              scan("data_dipadankan", "data.png", image("PNG"))])
        made += 1
    return made


def _run_automated_family(service: CaseService, case_id: int) -> None:
    with service.store.read() as s:
        ids = [case_id] + s.scalars(select(Case.id).where(Case.parent_id == case_id)).all()
    for part_id in ids:
        _run_automated(service, part_id, now())


def _run_automated(service: CaseService, case_id: int, at) -> None:
    """Automated steps at once (the Prefect worker mirrors them afterwards)."""
    while True:
        with service.store.read() as s:
            task_id = s.scalar(select(Task.id).where(Task.case_id == case_id, Task.role == "sistem",
                                                     Task.status == "open"))
        if task_id is None:
            return
        service.run_automated(task_id, at=at)
