"""History fixtures: real case histories of the seed standards, recorded as JSON, replayed by
tests/test_histories.py (the way Temporal's replayer tests guard workflow code).

    .venv/bin/python -m tests.histories        # re-record tests/data/histories/ on purpose, then review the diff

Each fixture holds one case's events (kind, task, moment, actor, data, with ids and hashes left out), the
kind of each step of its standard, and what its rows said at the end: the fold of the events
(engine/cases/core/state.py) must give that end again, and the engine, run again on the same scenario at
the same moments, must write the same events.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "data" / "histories"
START = datetime(2026, 12, 7, 1, 30, tzinfo=timezone.utc)  # Monday 7 December 2026, 09.30 WITA
STEP = timedelta(hours=2)  # between two rounds of officers' work
SCENARIOS = ("approve", "return", "return_to_applicant", "reject", "incomplete")
# Moments are kept; ids (the database's) and hashes are not, nor the values that differ per run.
VOLATILE = {"sha256", "data_sha256", "number", "until"}


def _moment(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat()


def _clean(data: dict) -> dict:
    return {k: v for k, v in sorted((data or {}).items()) if k not in VOLATILE}


def run_case(service, standard_id: str, variant, channel, scenario_name) -> int:
    """One case of a standard through a scenario (a name, or a Scenario) at fixed moments, with simulated
    officers and the automated steps run as Prefect would run them; returns its id."""
    from sqlalchemy import select

    from engine.cases.simulate import SAMPLE_APPLICANT, Scenario, act_on_open_tasks, sample_answers
    from engine.store.models import Case, Task

    standard = service.library.standard(standard_id)
    units = standard.data.get("units") or [u["id"] for u in standard.office.data.get("units") or []]
    answers = sample_answers(standard, variant, channel)
    requirements = [r["id"] for r in standard.requirements(variant, channel, answers)]
    at = START
    case_id = service.open_case(standard_id, dict(SAMPLE_APPLICANT), variant=variant, channel=channel,
                                unit=units[0] if units else None, answers=answers, requirements=requirements,
                                at=at)
    scenario = scenario_name if isinstance(scenario_name, Scenario) else Scenario(scenario_name)
    for _ in range(30):
        at += STEP
        with service.store.read() as s:
            if s.get(Case, case_id).closed_at is not None:
                break
            automated = s.scalars(select(Task.id).where(Task.case_id == case_id, Task.role == "sistem",
                                                        Task.status == "open")).all()
        for task_id in automated:
            service.run_automated(task_id, at=at)
        if not automated:
            act_on_open_tasks(service, case_id, scenario, at=at)
    return case_id


def record(service, case_id: int, scenario_name: str) -> dict:
    from sqlalchemy import select

    from engine.cases.frozen import thaw
    from engine.store.models import Case, Event, Task

    with service.store.read() as s:
        case = s.get(Case, case_id)
        standard = thaw(case.standard_version)
        tasks = s.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.seq)).all()
        seq_of = {t.id: t.seq for t in tasks}
        events = s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)).all()
        return {
            "standard": standard.id, "variant": case.variant, "channel": case.channel, "scenario": scenario_name,
            "kinds": {step_id: step.get("kind") or "form" for step_id, step in standard.procedure.by_id.items()},
            "events": [{"kind": e.kind, "task": seq_of.get(e.task_id), "at": _moment(e.at), "actor": e.actor,
                        "data": _clean(e.data)} for e in events],
            "end": {"status": case.status, "due_at": _moment(case.due_at) if case.due_at else None,
                    "closed_at": _moment(case.closed_at) if case.closed_at else None,
                    "clock_paused": case.clock_paused_at is not None,
                    "tasks": [[t.seq, t.step_id, t.status, t.outcome] for t in tasks]},
        }


def plan(library) -> list[tuple]:
    """(standard, variant, channel, scenario) for every seed standard: its last combination through every
    scenario its steps allow."""
    from engine.standard.kinds import kind_of

    chosen = []
    for standard in library.standards.values():
        actions = {o.get("action", "approve") for s in standard.data["steps"]
                   for o in kind_of(s).outcomes_of(s).values()}
        variant, channel = standard.combinations()[-1]
        for name in SCENARIOS:
            if name in ("return", "return_to_applicant", "reject") and name not in actions:
                continue
            if name == "incomplete" and not any(kind_of(s).may_be_incomplete for s in standard.data["steps"]):
                continue
            chosen.append((standard.id, variant, channel, name))
    return chosen


def fresh_service(library, folder: Path):
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store

    service = CaseService(Store(f"sqlite:///{folder / 'riwayat.db'}"), library)
    service.accept_drafts = True  # the seed Bontang standards are drafts
    service.directory.sync_offices()
    users_for(service)
    return service


def fixture_name(standard_id, scenario) -> str:
    return f"{standard_id}--{scenario}.json"


def main() -> None:
    from engine.standard.model import load_library

    library = load_library(ROOT / "standards")
    work = Path(tempfile.mkdtemp(prefix="layanan-riwayat-"))
    try:
        service = fresh_service(library, work)
        if FOLDER.exists():
            shutil.rmtree(FOLDER)
        FOLDER.mkdir(parents=True)
        for standard_id, variant, channel, name in plan(library):
            history = record(service, run_case(service, standard_id, variant, channel, name), name)
            (FOLDER / fixture_name(standard_id, name)).write_text(
                json.dumps(history, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{len(list(FOLDER.glob('*.json')))} riwayat ditulis ke {FOLDER}")
        service.store.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
