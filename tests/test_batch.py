"""Officers' actions submitted from the event loop at the same time share one transaction (group commit):
each is committed when its await returns, one that fails is undone alone and gets its own error, two on the
same task give one success and one conflict, and the audit chain stays whole (SQLite and PostgreSQL)."""

import asyncio

import pytest
from sqlalchemy import func, select

from engine.audit.verify import verify
from engine.errors import Conflict, Forbidden
from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Event, Task

OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"
FORM = {"jenis_data": "agregat", "wilayah": "Samarinda", "periode": "2026"}


def _open_cases(service, library, count: int) -> list[int]:
    reqs = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    return [service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs,
                              actor=f"{OFFICE}.petugas_layanan") for _ in range(count)]


def _open_task(service, case_id: int) -> Task:
    with service.store.read() as s:
        return s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))


def _events(service) -> int:
    with service.store.read() as s:
        return s.scalar(select(func.count()).select_from(Event))


def test_actions_submitted_together_share_one_commit(service, library):
    cases = _open_cases(service, library, 6)
    tasks = [_open_task(service, c) for c in cases]
    groups_before = service.batch.groups

    async def officers():
        return await asyncio.gather(*(service.complete_async(t.id, f"{OFFICE}.{t.role}", data=FORM) for t in tasks))

    following = asyncio.run(officers())
    assert service.batch.groups == groups_before + 1  # one transaction for the six
    for case_id, task, next_id in zip(cases, tasks, following):
        now_open = _open_task(service, case_id)
        assert now_open.id == next_id and now_open.seq == task.seq + 1 and now_open.role == "subkoor_piak"
    verdict = verify(service.store)
    assert verdict.ok and verdict.checked == _events(service)


def test_a_failing_action_is_undone_alone(service, library):
    cases = _open_cases(service, library, 3)
    tasks = [_open_task(service, c) for c in cases]
    events_before = _events(service)

    async def officers():
        return await asyncio.gather(
            service.complete_async(tasks[0].id, f"{OFFICE}.{tasks[0].role}", data=FORM),
            service.complete_async(tasks[1].id, f"{OFFICE}.kepala_dinas", data=FORM),  # not this officer's role
            service.complete_async(tasks[2].id, f"{OFFICE}.{tasks[2].role}", data={"wilayah": "x"}),  # bad form
            service.complete_async(tasks[2].id, f"{OFFICE}.{tasks[2].role}", data=FORM),
            return_exceptions=True)

    first, refused, bad_form, third = asyncio.run(officers())
    assert isinstance(first, int) and isinstance(third, int)
    assert isinstance(refused, Forbidden) and getattr(bad_form, "field", "").startswith("data.")
    assert _open_task(service, cases[1]).id == tasks[1].id  # untouched: still the same open task
    assert _open_task(service, cases[0]).id == first and _open_task(service, cases[2]).id == third
    # two completions, each one task_completed and one task_created; nothing of the refused or the bad one
    assert _events(service) == events_before + 4
    assert verify(service.store).ok


def test_an_action_failing_after_its_writes_is_undone_alone(service, library, monkeypatch):
    """The second unit fails after all its writes (at the point where a crash is tested): its savepoint is
    rolled back, the units before and after it are committed."""
    cases = _open_cases(service, library, 3)
    tasks = [_open_task(service, c) for c in cases]
    events_before = _events(service)
    calls = []

    def crash_on_second(name):
        calls.append(name)
        if len(calls) == 2:
            raise RuntimeError("listrik padam")

    monkeypatch.setattr("engine.cases.service.faults.point", crash_on_second)

    async def officers():
        return await asyncio.gather(*(service.complete_async(t.id, f"{OFFICE}.{t.role}", data=FORM) for t in tasks),
                                    return_exceptions=True)

    first, crashed, third = asyncio.run(officers())
    assert isinstance(crashed, RuntimeError) and isinstance(first, int) and isinstance(third, int)
    assert _open_task(service, cases[1]).id == tasks[1].id
    with service.store.read() as s:
        assert s.get(Task, tasks[1].id).data in (None, {})  # its form data was written, then undone
    assert _events(service) == events_before + 4
    assert verify(service.store).ok


def test_the_same_task_completed_twice_in_one_group_gives_one_conflict(service, library):
    (case_id,) = _open_cases(service, library, 1)
    task = _open_task(service, case_id)

    async def two_officers():
        return await asyncio.gather(*(service.complete_async(task.id, f"{OFFICE}.{task.role}", data=FORM)
                                      for _ in range(2)), return_exceptions=True)

    results = asyncio.run(two_officers())
    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    with service.store.read() as s:
        done = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "done")).all()
    assert [t.id for t in done if t.step_id == task.step_id] == [task.id]


def test_a_group_that_cannot_commit_writes_nothing_and_answers_everyone(service, library, monkeypatch):
    cases = _open_cases(service, library, 3)
    tasks = [_open_task(service, c) for c in cases]
    events_before = _events(service)

    from contextlib import contextmanager

    real = service.store.transaction

    @contextmanager
    def failing_commit():
        with real() as conn:
            yield conn
            raise OSError("disk penuh")  # after every unit's writes, before the commit

    monkeypatch.setattr(service.store, "transaction", failing_commit)

    async def officers():
        return await asyncio.gather(*(service.complete_async(t.id, f"{OFFICE}.{t.role}", data=FORM) for t in tasks),
                                    return_exceptions=True)

    results = asyncio.run(officers())
    assert all(isinstance(r, OSError) for r in results)
    assert [_open_task(service, c).id for c in cases] == [t.id for t in tasks]
    assert _events(service) == events_before
    monkeypatch.undo()
    assert service.complete(tasks[0].id, f"{OFFICE}.{tasks[0].role}", data=FORM) is not None  # goes on after


@pytest.mark.parametrize("count", [1, 70])
def test_groups_of_any_size_give_each_caller_its_own_case(service, library, count):
    async def counter():
        return await asyncio.gather(*(service.open_case_async(STANDARD, dict(SAMPLE_APPLICANT),
                                                              requirements=["surat_permohonan"],
                                                              actor=f"{OFFICE}.petugas_layanan",
                                                              allow_incomplete=True) for _ in range(count)))

    ids = asyncio.run(counter())
    assert len(set(ids)) == count
    assert verify(service.store).ok


def test_event_loops_in_two_threads_each_group_their_own(service, library):
    """The web application's loop and another thread's loop use one service: each loop groups its own
    actions, and the groups take the store's write transaction in turn."""
    import threading

    cases = _open_cases(service, library, 8)
    tasks = [_open_task(service, c) for c in cases]
    results = {}

    def officers(name, mine):
        async def go():
            return await asyncio.gather(*(service.complete_async(t.id, f"{OFFICE}.{t.role}", data=FORM)
                                          for t in mine))
        results[name] = asyncio.run(go())

    threads = [threading.Thread(target=officers, args=(n, tasks[n::2])) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, int) for name in results for r in results[name]) and len(results) == 2
    assert [_open_task(service, c).seq for c in cases] == [t.seq + 1 for t in tasks]
    assert verify(service.store).ok


def test_on_postgresql_a_group_is_written_off_the_event_loop(service, library):
    """Where each statement is a round trip (PostgreSQL), the loop keeps serving while a group is written;
    on SQLite the group runs at the loop's next turn (measured: a thread frees nothing there)."""
    assert service.batch.in_thread is (not service.store.url.startswith("sqlite"))
    service.batch.in_thread = True  # the PostgreSQL path, on whichever store this run has
    (case_id,) = _open_cases(service, library, 1)
    task = _open_task(service, case_id)
    import time

    def slow_work(txn):  # a unit whose statements take their time, as on a distant database
        time.sleep(0.3)
        return "selesai"

    async def both():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.02)
                ticks += 1

        beating = asyncio.create_task(ticker())
        result, done = await asyncio.gather(service.batch.run(slow_work),
                                            service.claim_async(task.id, f"{OFFICE}.operator"))
        beating.cancel()
        return result, ticks

    result, ticks = asyncio.run(both())
    assert result == "selesai" and ticks >= 5  # the loop ran while the group was being written
    with service.store.read() as s:
        assert s.get(Task, task.id).status == "claimed"
