"""The KTP-el blank stock of a kecamatan (Balikpapan's decree, as data in the office's YAML): received from
the Dinas, one used by each printed card and one more for each spoiled print when the print step completes,
spoiled ones returned weekly, transfers between units; never below zero; reconciled per unit and period."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.errors import InvalidInput, NotFound
from engine.stock import ledger
from engine.store.models import Event, StockBalance, StockMovement, Task

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 9, tzinfo=WITA)
OFFICE, UNIT, ITEM = "disdukcapil-balikpapan", "kec-balikpapan-kota", "blangko_ktp_el"
STANDARD = "balikpapan-cetak-ktp-el"
OPERATOR = f"{OFFICE}.operator_siak"


@pytest.fixture
def service(library, database_url):
    """The simulated offices with no stock received yet (the conftest's office has its quota)."""
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store

    store = Store(database_url)
    svc = CaseService(store, library)
    svc.directory.sync_offices()
    users_for(svc, stock=False)
    yield svc
    store.dispose()


def to_printing(service, unit=UNIT) -> int:
    """A counter application for a replacement card taken to its print step; the print task's id."""
    standard = service.library.standard(STANDARD)
    reqs = [r["id"] for r in standard.requirements("penggantian", "luring", {"alasan": "rusak"})]
    case_id = service.open_case(STANDARD, dict(SAMPLE_APPLICANT), variant="penggantian", channel="luring",
                                unit=unit, answers={"alasan": "rusak"}, requirements=reqs, actor=OPERATOR, at=AT)
    for _ in range(4):
        with service.store.read() as s:
            task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
        if task.step_id == "pencetakan":
            return task.id
        who = f"{OFFICE}.{task.role}"
        service.complete(task.id, who, outcome="setuju" if task.step_id == "verifikasi" else None, data={}, at=AT)
    raise AssertionError("no print step")


def balance(service, unit=UNIT):
    with service.store.read() as s:
        row = s.scalar(select(StockBalance).where(StockBalance.unit_id == unit, StockBalance.item_id == ITEM))
        return (row.on_hand, row.spoiled_held) if row else (0, 0)


def movements(service):
    with service.store.read() as s:
        return s.scalar(select(func.count()).select_from(StockMovement))


def printed(service, task_id, spoiled=0, at=AT):
    service.complete(task_id, OPERATOR, data={"nomor_seri_blangko": "KTP-000123", "blangko_rusak": spoiled}, at=at)


def test_printing_uses_blanks_and_spoiled_prints_one_more_each(service):
    ledger.receive(service.store, service.library, OFFICE, UNIT, ITEM, 5, "Surat jalan 027/045/Disdukcapil", "pengurus_barang", AT)
    printed(service, to_printing(service))
    assert balance(service) == (4, 0)
    printed(service, to_printing(service), spoiled=2)
    assert balance(service) == (1, 2)


def test_printing_with_no_blank_left_is_refused_and_writes_nothing(service):
    ledger.receive(service.store, service.library, OFFICE, UNIT, ITEM, 1, "SJ-1", "pengurus_barang", AT)
    task_id = to_printing(service)
    before = (balance(service), movements(service))
    with service.store.read() as s:
        events_before = s.scalar(select(func.count()).select_from(Event))
    with pytest.raises(InvalidInput, match="Blanko KTP-el di Kantor Kecamatan Balikpapan Kota tidak cukup: "
                                           "sisa 1, diperlukan 2"):
        printed(service, task_id, spoiled=1)  # one spoiled + one printed: two needed
    assert (balance(service), movements(service)) == before
    with service.store.read() as s:
        assert s.get(Task, task_id).status == "open"
        assert s.scalar(select(func.count()).select_from(Event)) == events_before
    printed(service, task_id)  # with no spoiled print, the one blank left is enough
    assert balance(service) == (0, 0)


def test_low_stock_warns_once(service):
    ledger.receive(service.store, service.library, OFFICE, UNIT, ITEM, 201, "SJ-2", "pengurus_barang", AT)
    printed(service, to_printing(service))  # 200: not below 200 yet
    printed(service, to_printing(service))  # 199: below
    printed(service, to_printing(service))  # 198: warned already
    with service.store.read() as s:
        warnings = s.scalars(select(Event).where(Event.kind == "stock_low")).all()
    assert len(warnings) == 1 and warnings[0].data["on_hand"] == 199


def test_weekly_return_transfer_and_reconciliation(service):
    library = service.library
    ledger.receive(service.store, library, OFFICE, UNIT, ITEM, 2000, "SJ-3", "pengurus_barang", AT)
    printed(service, to_printing(service), spoiled=3)
    with pytest.raises(InvalidInput, match="rusak yang tercatat di Kantor Kecamatan Balikpapan Kota hanya 3"):
        ledger.return_spoiled(service.store, library, OFFICE, UNIT, ITEM, 4, "BA 01", "operator", AT)
    ledger.return_spoiled(service.store, library, OFFICE, UNIT, ITEM, 3, "BA 01/XII/2026", "operator",
                          AT + timedelta(days=3))
    ledger.transfer(service.store, library, OFFICE, UNIT, "kec-balikpapan-utara", ITEM, 100, "BA mutasi 02",
                    "operator", AT + timedelta(days=3))
    assert balance(service) == (2000 - 4 - 100, 0)
    assert balance(service, "kec-balikpapan-utara") == (100, 0)
    [kota] = ledger.reconcile(service.store, library, OFFICE, ITEM, date(2026, 12, 1), date(2026, 12, 31), UNIT)
    assert kota.ok, kota.problems
    assert kota.totals["received"] == 2000 and kota.totals["used"] == 1 and kota.totals["spoiled"] == 3
    assert kota.totals["returned"] == 3 and kota.totals["transfer_out"] == 100 and kota.closing == (1896, 0)
    # A balance changed behind the ledger's back is flagged.
    with service.store.write() as s:
        s.execute(update(StockBalance).where(StockBalance.unit_id == UNIT).values(on_hand=1990))
    [kota] = ledger.reconcile(service.store, library, OFFICE, ITEM, date(2026, 12, 1), date(2026, 12, 31), UNIT)
    assert not kota.ok and "berbeda dari catatan terakhir" in kota.problems[0]


@pytest.mark.parametrize("call, message", [
    (lambda l, s: l.receive(s.store, s.library, OFFICE, UNIT, ITEM, 0, "SJ", "x", AT), "lebih dari 0"),
    (lambda l, s: l.receive(s.store, s.library, OFFICE, UNIT, ITEM, "seribu", "SJ", "x", AT), "bukan bilangan bulat"),
    (lambda l, s: l.receive(s.store, s.library, OFFICE, UNIT, ITEM, 10, " ", "x", AT), "nomor dokumen"),
    (lambda l, s: l.receive(s.store, s.library, OFFICE, "kec-tidak-ada", ITEM, 10, "SJ", "x", AT), "tidak dikenal"),
    (lambda l, s: l.receive(s.store, s.library, OFFICE, UNIT, "kertas", 10, "SJ", "x", AT), "tidak dikenal"),
    (lambda l, s: l.transfer(s.store, s.library, OFFICE, UNIT, UNIT, ITEM, 1, "BA", "x", AT), "sama"),
    (lambda l, s: l.transfer(s.store, s.library, OFFICE, UNIT, "kec-balikpapan-utara", ITEM, 1, "BA", "x", AT),
     "tidak cukup"),
])
def test_bad_stock_input_is_refused_and_writes_nothing(service, call, message):
    with pytest.raises((InvalidInput, NotFound), match=message):
        call(ledger, service)
    assert movements(service) == 0 and balance(service) == (0, 0)


def test_the_stock_command(service):
    from .conftest import run_cli

    env = {"LAYANAN_DATABASE_URL": service.store.url}
    base = ("--office", OFFICE, "--unit", UNIT)
    assert run_cli("stock", "receive", *base, "--qty", "2000", "--document", "SJ 027/45", env=env).returncode == 0
    refused = run_cli("stock", "return", *base, "--qty", "5", "--document", "BA 1", env=env)
    assert refused.returncode != 0 and "hanya 0" in refused.stderr and "Traceback" not in refused.stderr
    report = run_cli("stock", "report", "--office", OFFICE, "--unit", UNIT, "--from", "2020-01-01",
                     "--to", "2099-12-31", env=env)
    assert report.returncode == 0 and "Kantor Kecamatan Balikpapan Kota" in report.stdout and "2000" in report.stdout


def test_two_officers_printing_the_last_blank_at_once(service):
    """Two print steps of two cases completed at the same instant, with one blank left: one prints, the
    other is refused in words (real threads; on PostgreSQL, two real transactions racing for the row)."""
    import threading

    ledger.receive(service.store, service.library, OFFICE, UNIT, ITEM, 1, "SJ-4", "pengurus_barang", AT)
    tasks = [to_printing(service), to_printing(service)]
    start, results = threading.Barrier(2), []

    def work(task_id):
        start.wait()
        try:
            printed(service, task_id)
            results.append("printed")
        except InvalidInput as exc:
            results.append(exc.message)

    threads = [threading.Thread(target=work, args=(t,)) for t in tasks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results, key=len)[0] == "printed" and "tidak cukup" in sorted(results, key=len)[1]
    assert balance(service) == (0, 0)
    with service.store.read() as s:
        used = s.scalars(select(StockMovement.kind).where(StockMovement.kind == "used")).all()
        statuses = sorted(s.get(Task, t).status for t in tasks)
    assert used == ["used"] and statuses == ["done", "open"]


def test_the_weekly_return_day_follows_the_calendar():
    """The last working day of the week: Friday; in Christmas week 2026 Wednesday (24 Dec cuti bersama, 25 Dec
    Natal); in Nyepi/Idul Fitri week 2026 Tuesday."""
    from engine.calendar.workcal import WorkingCalendar
    from engine.stock.schedule import week_return_day

    calendar = WorkingCalendar("Asia/Makassar")
    assert week_return_day(calendar, date(2026, 12, 1)) == date(2026, 12, 4)
    assert week_return_day(calendar, date(2026, 12, 21)) == date(2026, 12, 23)
    assert week_return_day(calendar, date(2026, 3, 16)) == date(2026, 3, 17)


def test_the_stock_page_records_and_refuses(service):
    """The keeper (administrator SIAK) records a receipt and a return on the page; the operator sees the
    balances, the ledger and the late return, and cannot record; bad input is a message, nothing written."""
    import re

    from fastapi.testclient import TestClient

    from engine.access.passwords import hash_password

    from .conftest import post_sign_in, web_app

    password = "kata-sandi-uji-2026"
    for role in ("administrator_siak", "operator_siak"):
        service.directory.set_password(f"{OFFICE}.{role}", hash_password(password))
    ledger.receive(service.store, service.library, OFFICE, UNIT, ITEM, 5, "SJ-1", "pengurus_barang", AT)
    printed(service, to_printing(service), spoiled=1)  # Tuesday 1 December: one spoiled, held
    monday = datetime(2026, 12, 7, 9, tzinfo=WITA)  # the return day (Friday 4 December) has passed
    app = web_app(service, clock=lambda: monday)

    def csrf(text):
        return re.search(r'name="csrf" value="([^"]*)"', text).group(1)

    with TestClient(app) as client:
        post_sign_in(client, OPERATOR, password)
        page = client.get("/lantai/persediaan").text
        assert "Blanko KTP-el" in page and "TERLAMBAT: 1 keping rusak belum dikembalikan sejak" in page
        assert "4 Desember 2026" in page and "11 Desember 2026" in page and "SJ-1" in page
        assert "Penerimaan dari Dinas" not in page and "dicatat oleh admin kantor atau administrator_siak" in page
        token = csrf(client.get("/lantai").text)
        refused = client.post("/lantai/persediaan", data={"csrf": token, "aksi": "terima", "unit": UNIT,
                                                          "jumlah": "10", "dokumen": "SJ-2"})
        assert "tidak memilikinya" in refused.text
    before = movements(service)
    with TestClient(app) as client:
        post_sign_in(client, f"{OFFICE}.administrator_siak", password)
        page = client.get("/lantai/persediaan").text
        token = csrf(page)
        assert "Penerimaan dari Dinas" in page
        for data, message in (({"jumlah": "0", "dokumen": "SJ-2"}, "lebih dari 0"),
                              ({"jumlah": "sepuluh", "dokumen": "SJ-2"}, "bukan bilangan bulat"),
                              ({"jumlah": "10", "dokumen": " "}, "wajib diisi"),
                              ({"jumlah": "10", "dokumen": "SJ-2", "unit": "kec-tidak-ada"}, "tidak dikenal")):
            answer = client.post("/lantai/persediaan", data={"csrf": token, "aksi": "terima", "unit": UNIT, **data})
            assert message in answer.text, message
        answer = client.post("/lantai/persediaan", data={"csrf": token, "aksi": "kembalikan", "unit": UNIT,
                                                         "jumlah": "2", "dokumen": "BA-1"})
        assert "rusak yang tercatat" in answer.text  # only one spoiled is held
        assert movements(service) == before
        answer = client.post("/lantai/persediaan", data={"csrf": token, "aksi": "terima", "unit": UNIT,
                                                         "jumlah": "10", "dokumen": "SJ-2"})
        assert "penerimaan 10 Blanko KTP-el dicatat" in answer.text
        answer = client.post("/lantai/persediaan", data={"csrf": token, "aksi": "kembalikan", "unit": UNIT,
                                                         "jumlah": "1", "dokumen": "BA-1"})
        assert "pengembalian 1 Blanko KTP-el rusak dicatat" in answer.text and "TERLAMBAT" not in answer.text
    assert balance(service) == (5 - 2 + 10, 0)
