"""`layanan demo`: every seed standard and bundle, every variant and channel, run end to end by simulated
officers, with returns, returns to the applicant and rejections, Prefect running the automated steps."""

from __future__ import annotations

from dataclasses import dataclass

from engine.cases.queries import case_view
from engine.standard.kinds import kind_of
from engine.cases.service import CaseService
from engine.cases.simulate import SAMPLE_APPLICANT, Scenario, act_on_open_tasks, sample_answers, users_for

from .orchestrator import Orchestrator, Summary


@dataclass
class Planned:
    standard_id: str
    variant: str | None
    channel: str | None
    scenario: Scenario
    case_id: int | None = None


def plan(service: CaseService) -> list[Planned]:
    planned = []
    for standard in service.library.standards.values():
        actions = {o.get("action", "approve") for s in standard.data["steps"]
                   for o in (s.get("outcomes") or {}).values()}
        for variant, channel in standard.combinations():
            planned.append(Planned(standard.id, variant, channel, Scenario("approve")))
        variant, channel = standard.combinations()[-1]
        for name in ("return", "return_to_applicant", "reject"):
            if name in actions:
                planned.append(Planned(standard.id, variant, channel, Scenario(name)))
        if any(kind_of(s).may_be_incomplete for s in standard.data["steps"]):
            planned.append(Planned(standard.id, variant, channel, Scenario("incomplete")))
    for bundle in service.library.bundles.values():
        planned.append(Planned(bundle.id, None, None, Scenario("approve")))
    return planned


async def run_demo(service: CaseService, out=print) -> tuple[list[dict], Summary]:
    service.directory.sync_offices()
    service.accept_drafts = True  # the demo office tries the draft standards too
    users_for(service)
    planned = plan(service)
    for item in planned:
        unit = None
        if item.standard_id in service.library.standards:
            standard = service.library.standards[item.standard_id]
            units = standard.data.get("units") or [u["id"] for u in standard.office.data.get("units") or []]
            unit = units[0] if units else None
            answers = sample_answers(standard, item.variant, item.channel)
            reqs = [r["id"] for r in standard.requirements(item.variant, item.channel, answers)]
        else:
            bundle = service.library.bundles[item.standard_id]
            units = [u["id"] for u in bundle.office.data.get("units") or []]
            unit, answers = (units[0] if units else None), None
            reqs = {p["id"]: [r["id"] for r in service.library.standard(p["standard"]).requirements(p.get("variant"))]
                    for p in bundle.data["parts"]}
        item.case_id = service.open_case(item.standard_id, dict(SAMPLE_APPLICANT), variant=item.variant,
                                         channel=item.channel, unit=unit, answers=answers, requirements=reqs)
    orchestrator = Orchestrator(service)
    total = Summary()
    for _round in range(60):
        # Officers work until every case waits for the system or is closed; then Prefect catches up
        # (as in an office: Prefect never holds an officer up).
        acted = 0
        while True:
            step = sum(act_on_open_tasks(service, p.case_id, p.scenario) for p in planned)
            acted += step
            if not step:
                break
        summary = await orchestrator.catch_up(limit=1000)
        closed = _closed(service, planned)
        if out is not None:
            out(f"  putaran {_round + 1}: {acted} langkah petugas, {summary.runs} flow run Prefect; "
                f"{closed}/{len(planned)} kasus tuntas")
        for key in ("created", "resumed", "restarted", "suspended", "completed", "failed"):
            setattr(total, key, getattr(total, key) + getattr(summary, key))
        total.errors += summary.errors
        if not acted and summary.runs == 0:
            break
    await orchestrator.settle()  # Prefect's ephemeral API stops with the demo: its records first
    results = [case_view(service.store, p.case_id) | {"scenario": p.scenario.name} for p in planned]
    return results, total


def _closed(service: CaseService, planned) -> int:
    from sqlalchemy import func, select

    from engine.store.models import Case

    with service.store.read() as s:
        return s.scalar(select(func.count()).select_from(Case).where(
            Case.id.in_([p.case_id for p in planned]), Case.closed_at.is_not(None)))
