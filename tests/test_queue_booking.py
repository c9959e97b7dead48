"""Online booking of a queue date: a working day within the window, the daily quota shared with the kiosk
(bookings at most ``share_percent`` of it), one booking per account, service and day, the code turned into a
waiting ticket at the kiosk on that day only, cancelling frees the place; the citizen's pages and the
kiosk's form show what a person sees."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.errors import Conflict, InvalidInput, NotFound
from engine.floor import booking
from engine.floor.metrics import figures
from engine.floor.queue import Floor
from engine.store.models import QueueTicket

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 8, 0, tzinfo=WITA)  # a Tuesday
OFFICE, UNIT = "disdukcapil-bontang", "mpp-bontang"


def accounts(service, n):
    from engine.channel import accounts as acc

    made = []
    for i in range(n):
        made.append(acc.register(service.store, {"nik": f"647105410795{i + 1:04d}", "name": "Ani Lestari",
                                                  "email": f"w{i}@contoh.test", "phone": f"08123450{i:04d}"},
                                 "kopi-hujan-sepeda-78", AT).id)
    return made


@pytest.fixture
def floor(library):
    found = Floor(library, OFFICE, UNIT)
    found.services = {**found.services, "A": {**found.services["A"], "daily_quota": 4}}
    return found


def test_bookable_days_are_working_days_within_the_window(floor):
    days = booking.bookable_days(floor, AT)
    assert days[0] == date(2026, 12, 1) and max(days) <= date(2026, 12, 15)
    assert date(2026, 12, 5) not in days and date(2026, 12, 6) not in days  # Saturday, Sunday
    assert date(2026, 12, 25) not in booking.bookable_days(floor, AT + timedelta(days=14))  # Natal


def test_booking_shares_the_quota_with_the_kiosk(service, floor):
    store = service.store
    ids = accounts(service, 4)
    day = date(2026, 12, 2)
    first = booking.book(store, floor, ids[0], "A", day, AT)
    assert first.status == "booked" and first.label == "A-001" and len(first.code) == 8
    booking.book(store, floor, ids[1], "A", day, AT)
    with pytest.raises(Conflict, match=r"kuota pemesanan daring .* \(2\) sudah habis"):  # 50 % of 4
        booking.book(store, floor, ids[2], "A", day, AT)
    with pytest.raises(Conflict, match="sudah memesan"):
        booking.book(store, floor, ids[0], "A", day, AT)
    on_the_day = datetime(2026, 12, 2, 8, 0, tzinfo=WITA)
    assert [floor.issue(store, "A", on_the_day).label for _ in range(2)] == ["A-003", "A-004"]
    with pytest.raises(Conflict, match=r"kuota .* hari ini \(4\) sudah habis"):
        floor.issue(store, "A", on_the_day)
    mine = booking.of_account(store, service.library, ids[1], AT)
    booking.cancel(store, service.library, ids[1], mine[0].id, AT)
    assert floor.issue(store, "A", on_the_day).label == "A-005"  # the cancelled booking freed its place


def test_the_code_is_a_ticket_on_the_booked_day_only(service, floor):
    store = service.store
    (account,) = accounts(service, 1)
    made = booking.book(store, floor, account, "A", date(2026, 12, 3), AT)
    with pytest.raises(Conflict, match="untuk Kamis, 3 Desember 2026"):
        booking.check_in(store, floor, made.code, AT)
    with pytest.raises(NotFound, match="tidak ditemukan"):
        booking.check_in(store, floor, "ZZZZZZZZ", AT)
    with pytest.raises(InvalidInput):
        booking.check_in(store, floor, " - ", AT)
    arrived = datetime(2026, 12, 3, 9, 30, tzinfo=WITA)
    ticket = booking.check_in(store, floor, made.code.lower()[:4] + "-" + made.code[4:], arrived)
    assert ticket.label == made.label and ticket.status == "waiting"
    assert floor.waiting(store, arrived)["A"] == 1
    with pytest.raises(Conflict, match="sudah dipakai"):
        booking.check_in(store, floor, made.code, arrived)
    with pytest.raises(Conflict, match="tidak dapat dibatalkan"):
        booking.cancel(store, service.library, account, made.id, arrived)
    floor.open_counter(store, "loket-1", "fo", arrived)
    called = floor.call_next(store, "loket-1", "fo", arrived + timedelta(minutes=12))
    assert called.label == made.label
    with service.store.read() as s:
        row = s.execute(select(QueueTicket).where(QueueTicket.id == made.id)).scalar_one()
    assert row.issued_at == arrived  # waiting time counts from check-in, not from booking
    result = figures(store, floor, date(2026, 12, 3), date(2026, 12, 3))
    assert result["waiting_minutes"]["A"]["mean"] == 12.0 and result["bookings"] == 1


def test_bad_bookings_change_nothing(service, floor):
    store = service.store
    (account,) = accounts(service, 1)
    with pytest.raises(InvalidInput, match="tidak dapat dipesan"):
        booking.book(store, floor, account, "A", date(2026, 12, 5), AT)  # Saturday
    with pytest.raises(InvalidInput, match="tidak dapat dipesan"):
        booking.book(store, floor, account, "A", date(2026, 11, 30), AT)  # past
    with pytest.raises(InvalidInput, match="'Z' tidak ada"):
        booking.book(store, floor, account, "Z", date(2026, 12, 2), AT)
    with service.store.read() as s:
        assert s.execute(select(QueueTicket)).first() is None


def test_two_bookings_for_the_last_place_at_once(service, library):
    """Real threads: 8 accounts book the 2 online places of a day at once; exactly 2 succeed."""
    import threading

    floor = Floor(library, OFFICE, UNIT)
    floor.services = {**floor.services, "A": {**floor.services["A"], "daily_quota": 4}}
    ids = accounts(service, 8)
    results, barrier = [], threading.Barrier(8)

    def one(account):
        barrier.wait()
        try:
            results.append(booking.book(service.store, floor, account, "A", date(2026, 12, 2), AT).label)
        except Conflict:
            results.append(None)

    threads = [threading.Thread(target=one, args=(a,)) for a in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r for r in results if r) == ["A-001", "A-002"]


def test_book_online_and_check_in_at_the_kiosk(service, tmp_path):
    """What a citizen and the kiosk show: the booking form, the code, the refusal of a second booking, the
    kiosk's code field giving the ticket on the day, a wrong code's message."""
    import re

    from fastapi.testclient import TestClient

    from .conftest import web_app
    from .test_online_web import csrf, register

    moment = {"now": AT}
    app = web_app(service, clock=lambda: moment["now"])
    with TestClient(app) as client:
        register(client, service)
        page = client.get("/akun/antrean?tempat=disdukcapil-bontang/mpp-bontang")
        assert "Pesan nomor antrean" in page.text and "Rabu, 2 Desember 2026" in page.text
        assert "Sabtu, 5 Desember 2026" not in page.text
        data = {"csrf": csrf(client, "/akun/antrean"), "tempat": "disdukcapil-bontang/mpp-bontang",
                "layanan": "A", "tanggal": "2026-12-02"}
        made = client.post("/akun/antrean", data=data, follow_redirects=False)
        assert made.status_code == 303
        page = client.get(made.headers["location"])
        code = re.search(r'data-testid="kode">([A-Z0-9]{8})<', page.text).group(1)
        assert "Rabu, 2 Desember 2026" in page.text and "A-001" in page.text and "<svg" in page.text
        again = client.post("/akun/antrean", data=data)
        assert again.status_code == 409 and "Anda sudah memesan antrean" in again.text
        bad = client.post("/akun/antrean", data={**data, "tanggal": "2026-12-05"})
        assert bad.status_code == 400 and "tidak dapat dipesan" in bad.text

        kiosk = client.get("/antrean/disdukcapil-bontang/mpp-bontang/kios")
        assert "kode pemesanan" in kiosk.text
        early = client.post("/antrean/disdukcapil-bontang/mpp-bontang/kios/kode", data={"kode": code})
        assert early.status_code == 409 and "untuk Rabu, 2 Desember 2026" in early.text
        moment["now"] = datetime(2026, 12, 2, 8, 5, tzinfo=WITA)
        wrong = client.post("/antrean/disdukcapil-bontang/mpp-bontang/kios/kode", data={"kode": "<b>x</b>"})
        assert wrong.status_code == 404 and "tidak ditemukan" in wrong.text and "<b>x" not in wrong.text
        slip = client.post("/antrean/disdukcapil-bontang/mpp-bontang/kios/kode", data={"kode": code.lower()})
        assert slip.status_code == 200 and 'data-testid="nomor">A-001<' in slip.text and "pesanan daring" in slip.text
    (mine,) = booking.of_account(service.store, service.library, 1, moment["now"])
    assert mine.status == "waiting"  # the account's page says "sudah hadir (menunggu panggilan)"
