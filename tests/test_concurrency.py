"""Two officers' processes completing the same task at once: exactly one wins, the other gets a conflict."""

import multiprocessing

from sqlalchemy import func, select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Event, Task


def _complete(url, standards, task_id, actor, data, barrier, results):
    from engine.errors import Conflict
    from engine.cases.service import CaseService
    from engine.standard.model import load_library
    from engine.store.db import Store

    service = CaseService(Store(url), load_library(standards))
    barrier.wait()
    try:
        service.complete(task_id, actor, data=data)
        results.put("ok")
    except Conflict as exc:
        results.put(f"conflict: {exc}")


def test_two_processes_complete_the_same_task(service, library):
    from .conftest import STANDARDS

    reqs = [r["id"] for r in library.standard("kaltim-data-agregat").requirements(None, None, {})]
    case_id = service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs)
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
    from engine.cases.simulate import sample_data
    from engine.store.models import Case

    with service.store.read() as s:
        data = sample_data(library.standard("kaltim-data-agregat").procedure.by_id[task.step_id],
                           s.get(Case, case_id))
    service.directory.add_user("loket2", "Petugas Loket Dua", "disdukcapil-kaltim", [task.role])
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_complete, args=(service.store.url, str(STANDARDS), task.id, actor, data, barrier,
                                                 results))
             for actor in (f"disdukcapil-kaltim.{task.role}", "loket2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    outcomes = sorted(results.get(timeout=5) for _ in procs)
    assert outcomes[1] == "ok" and outcomes[0].startswith("conflict: tugas") and "sudah diselesaikan" in outcomes[0]
    with service.store.read() as s:
        completed = s.scalar(select(func.count()).select_from(Event).where(
            Event.case_id == case_id, Event.kind == "task_completed", Event.task_id == task.id))
        successors = s.scalar(select(func.count()).select_from(Task).where(Task.case_id == case_id,
                                                                           Task.seq == task.seq + 1))
    assert completed == 1 and successors == 1


def _open_first(url, standards, barrier, results):
    from engine.cases.service import CaseService
    from engine.standard.model import load_library
    from engine.store.db import Store

    service = CaseService(Store(url), load_library(standards))
    reqs = [r["id"] for r in service.library.standard("kaltim-data-agregat").requirements(None, None, {})]
    barrier.wait()
    try:
        service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs)
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - the test reports what went wrong
        results.put(f"{type(exc).__name__}: {exc}"[:300])


def test_two_processes_open_the_first_case_of_a_new_version_at_once(database_url):
    """Each process stores the standard's version on its first case; two at the same instant must both open
    their case (the second reads the version the first stored), with one version row (issue 24: found by
    the cluster's seeding in two processes on PostgreSQL)."""
    from engine.store.db import Store
    from engine.store.models import StandardVersion

    from .conftest import STANDARDS

    Store(database_url).dispose()  # the schema, made once before the race
    ctx = multiprocessing.get_context("spawn")
    for _round in range(3):
        barrier, results = ctx.Barrier(4), ctx.Queue()
        workers = [ctx.Process(target=_open_first, args=(database_url, str(STANDARDS), barrier, results))
                   for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
        assert sorted(results.get(timeout=5) for _ in workers) == ["ok"] * 4
    with Store(database_url).read() as s:
        assert s.scalar(select(func.count()).select_from(StandardVersion)
                        .where(StandardVersion.standard_id == "kaltim-data-agregat")) == 1


def test_two_transactions_take_the_first_number_of_a_new_series_at_once(database_url):
    """Both find the series without a row this year and insert it; the second waits for the first and
    takes the next number instead of failing (issue 24: a 500 on a hand-over under the cluster's load)."""
    import threading
    import time

    from engine.cases.numbering import next_in_series
    from engine.store.db import Store

    store = Store(database_url)
    taken, errors = [], []

    def second():
        try:
            with store.transaction() as conn:
                taken.append(next_in_series(conn, "kantor-uji", "474.1", 2031))
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(f"{type(exc).__name__}: {exc}")

    with store.transaction() as conn:
        taken.append(next_in_series(conn, "kantor-uji", "474.1", 2031))
        other = threading.Thread(target=second)
        other.start()
        time.sleep(0.5)  # it now waits on this transaction's new row (PostgreSQL) or its write lock (SQLite)
    other.join(30)
    assert errors == [] and sorted(taken) == [1, 2]
    with store.transaction() as conn:
        assert next_in_series(conn, "kantor-uji", "474.1", 2031) == 3
    store.dispose()
