"""Replay tests over recorded histories (tests/data/histories/, made by ``python -m tests.histories``):

- the fold of each recorded history (engine/cases/core/state.py) gives the end its rows had;
- the engine, run again on the same scenario at the same moments, writes the same history: a change of
  behaviour shows here until the fixtures are re-recorded on purpose (and the diff reviewed);
- a history out of order is refused with an error naming the event.
"""

import json
from datetime import datetime

import pytest

from engine.cases.core.state import HistoryError, Recorded, replay
from engine.standard.kinds import KINDS

from . import histories

FIXTURES = sorted(histories.FOLDER.glob("*.json"))


def _load(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _events(history: dict) -> list[Recorded]:
    # Task ids are the tasks' places in the case (the fixture keeps no database ids).
    return [Recorded(n, e["kind"], datetime.fromisoformat(e["at"]), None, e["task"], e["data"])
            for n, e in enumerate(history["events"], 1)]


def _kind_of(history: dict):
    kinds = history["kinds"]
    return lambda step: KINDS[kinds.get(step, "form")]


def test_the_seed_standards_have_recorded_histories(library):
    recorded = {_load(p)["standard"] for p in FIXTURES}
    assert recorded == set(library.standards)
    assert {_load(p)["scenario"] for p in FIXTURES} == set(histories.SCENARIOS)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_replaying_a_recorded_history_gives_its_end(path):
    history = _load(path)
    state = replay(1, _events(history), _kind_of(history))
    end = history["end"]
    assert state.status == end["status"]
    assert (state.closed_at.isoformat() if state.closed_at else None) == end["closed_at"]
    assert (state.clock_paused_at is not None) == end["clock_paused"]
    if end["due_at"]:
        assert state.due_at == datetime.fromisoformat(end["due_at"])
    tasks = [[t.seq, t.step, t.status, t.outcome] for t in sorted(state.tasks.values(), key=lambda t: t.seq)]
    assert tasks == end["tasks"]


def test_the_engine_writes_the_recorded_histories_again(library, tmp_path):
    service = histories.fresh_service(library, tmp_path)
    changed = []
    for standard_id, variant, channel, name in histories.plan(library):
        path = histories.FOLDER / histories.fixture_name(standard_id, name)
        now = histories.record(service, histories.run_case(service, standard_id, variant, channel, name), name)
        if now != _load(path):
            changed.append(path.name)
    service.store.dispose()
    assert changed == [], ("the engine writes other histories than recorded; if on purpose, re-record with "
                           "`python -m tests.histories` and review the diff")


def test_a_history_out_of_order_is_refused_naming_the_event():
    history = _load(histories.FOLDER / "kaltim-data-agregat--approve.json")
    events = history["events"]
    completed = next(i for i, e in enumerate(events) if e["kind"] == "task_completed" and e["task"] == 2)
    created = next(i for i, e in enumerate(events) if e["kind"] == "task_created" and e["task"] == 2)
    events[created], events[completed] = events[completed], events[created]  # completed before created
    with pytest.raises(HistoryError, match=rf"peristiwa #{created + 1} \(task_completed\): tugas 2 belum dibuat"):
        replay(1, _events(history), _kind_of(history))
