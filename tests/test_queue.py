"""The queue at a service point (Bontang's flow: a queue number before the counter): tickets per service
and day, quota, priority without starvation, the counter's calls and their states, and two officers calling
at the same instant never getting the same ticket (real threads; real concurrency on PostgreSQL)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, InvalidInput, NotFound
from engine.floor.queue import Floor
from engine.store.models import QueueTicket

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 8, 0, tzinfo=WITA)
OFFICE, UNIT = "disdukcapil-bontang", "mpp-bontang"


@pytest.fixture
def floor(service):
    return Floor(service.library, OFFICE, UNIT)


def tickets(service):
    with service.store.read() as s:
        return s.scalar(select(func.count()).select_from(QueueTicket))


def test_tickets_are_numbered_per_service_and_day(service, floor):
    store = service.store
    assert [floor.issue(store, "A", AT + timedelta(minutes=n)).label for n in range(3)] == ["A-001", "A-002", "A-003"]
    assert floor.issue(store, "b", AT).label == "B-001"
    assert floor.issue(store, "A", AT + timedelta(days=1)).label == "A-001"  # a new day starts again


def test_bad_tickets_and_counters_are_refused(service, floor):
    store = service.store
    with pytest.raises(InvalidInput, match="'Z' tidak ada"):
        floor.issue(store, "Z", AT)
    with pytest.raises(InvalidInput, match="prioritas 'vip' tidak dikenal"):
        floor.issue(store, "A", AT, priority="vip")
    floor.issue(store, "A", AT)
    with pytest.raises(Conflict, match="Loket 1 belum dibuka"):
        floor.call_next(store, "loket-1", "fo", AT)
    with pytest.raises(NotFound, match="loket 'loket-9'"):
        floor.open_counter(store, "loket-9", "fo", AT)
    with pytest.raises(NotFound):
        Floor(service.library, OFFICE, "kantor-tidak-ada")
    assert tickets(service) == 1


def test_the_daily_quota(service, library):
    floor = Floor(library, OFFICE, UNIT)
    floor.services = {**floor.services, "A": {**floor.services["A"], "daily_quota": 2}}
    floor.issue(service.store, "A", AT)
    floor.issue(service.store, "A", AT)
    with pytest.raises(Conflict, match="kuota Pendaftaran dokumen kependudukan hari ini \\(2\\) sudah habis"):
        floor.issue(service.store, "A", AT)
    assert tickets(service) == 2


def test_priority_first_but_never_starving_the_others(service, floor):
    store = service.store
    normal = [floor.issue(store, "A", AT + timedelta(minutes=n)).label for n in range(3)]
    priority = [floor.issue(store, "A", AT + timedelta(minutes=10 + n), priority="lansia").label for n in range(3)]
    floor.open_counter(store, "loket-1", "fo", AT)
    called = [floor.call_next(store, "loket-1", "fo", AT + timedelta(minutes=20 + n)).label for n in range(6)]
    # Priority tickets first; every third call takes the longest waiting one.
    assert called == [priority[0], priority[1], normal[0], priority[2], normal[1], normal[2]]
    assert floor.call_next(store, "loket-1", "fo", AT + timedelta(minutes=30)) is None


def test_a_ticket_from_call_to_case(service, floor):
    store = service.store
    ticket = floor.issue(store, "A", AT)
    floor.open_counter(store, "loket-2", "front_office", AT)
    called = floor.call_next(store, "loket-2", "front_office", AT + timedelta(minutes=5))
    assert (called.label, called.counter, called.status) == ("A-001", "loket-2", "called")
    assert floor.recall(store, ticket.id, AT + timedelta(minutes=6)).status == "called"
    assert floor.serve(store, ticket.id, AT + timedelta(minutes=7)).status == "serving"
    with pytest.raises(Conflict, match="sedang serving"):
        floor.no_show(store, ticket.id, AT)
    assert floor.finish(store, ticket.id, AT + timedelta(minutes=15)).status == "finished"
    # A transfer puts a ticket in another service's queue: the pick-up counter calls it.
    other = floor.issue(store, "A", AT + timedelta(minutes=1))
    floor.call_next(store, "loket-2", "front_office", AT + timedelta(minutes=16))
    floor.transfer(store, other.id, "B", AT + timedelta(minutes=17))
    floor.open_counter(store, "loket-pengambilan", "petugas", AT)
    assert floor.call_next(store, "loket-pengambilan", "petugas", AT + timedelta(minutes=18)).label == "A-002"


def test_two_officers_calling_at_once_never_get_the_same_ticket(service, floor):
    store = service.store
    for n in range(40):
        floor.issue(store, "A", AT + timedelta(seconds=n))
    floor.open_counter(store, "loket-1", "fo1", AT)
    floor.open_counter(store, "loket-2", "fo2", AT)
    start, got = threading.Barrier(2), {"loket-1": [], "loket-2": []}

    def officer(counter):
        start.wait()
        for n in range(20):
            ticket = floor.call_next(store, counter, counter, AT + timedelta(minutes=5, seconds=n))
            got[counter].append(ticket.label)

    threads = [threading.Thread(target=officer, args=(c,)) for c in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    labels = got["loket-1"] + got["loket-2"]
    assert len(labels) == 40 and len(set(labels)) == 40
    assert floor.waiting(store, AT) == {"A": 0, "B": 0}


def test_figures_and_the_wait_alert(service, floor):
    from datetime import date

    from engine.floor.metrics import figures, waiting_too_long

    store = service.store
    first = floor.issue(store, "A", AT)
    floor.issue(store, "A", AT + timedelta(minutes=5))
    floor.open_counter(store, "loket-1", "fo", AT)
    floor.call_next(store, "loket-1", "fo", AT + timedelta(minutes=20))
    floor.serve(store, first.id, AT + timedelta(minutes=21))
    floor.finish(store, first.id, AT + timedelta(minutes=33))
    found = figures(store, floor, date(2026, 12, 1), date(2026, 12, 1))
    assert found["waiting_minutes"]["A"] == {"count": 1, "mean": 20.0, "p90": 20.0}
    assert found["service_minutes"]["A"]["mean"] == 12.0 and found["tickets"] == 2
    assert waiting_too_long(store, floor, AT + timedelta(minutes=30)) == []
    assert waiting_too_long(store, floor, AT + timedelta(minutes=70)) == [
        {"label": "A-002", "minutes": 65, "priority": None}]
