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
    from engine.cases.simulate import DEMO_PASSPHRASE

    return {"users": len(made) + 1, "cases": cases, "password": DEMO_PASSWORD, "passphrase": DEMO_PASSPHRASE}


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
