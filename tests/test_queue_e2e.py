"""A Bontang day in Chromium (issue 23), from the queue number to the hand-over, reading what each page
says: the applicant takes a ticket at the kiosk, the TV display shows its call without reloading, the front
office calls, serves and registers the case from the ticket, and at the end the applicant takes a pick-up
ticket and the pick-up counter hands the card over. Bontang's standards are drafts: the demo office (serve
--demo) offers them. Screenshots 28-31 go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from .e2e_support import SUBMIT, browser, serve, shot, sign_in  # noqa: F401

pytestmark = pytest.mark.slow
DEMO_PASSWORD = "layanan-demo-2026"
OFFICE, UNIT = "disdukcapil-bontang", "mpp-bontang"
BASE = f"/antrean/{OFFICE}/{UNIT}"


@pytest.fixture(scope="module")
def floor(library, tmp_path_factory):
    yield from serve(library, tmp_path_factory.mktemp("antrean"), args=("--demo",))


def _page(browser, width=1366):
    return browser.new_context(viewport={"width": width, "height": 900}, locale="id-ID").new_page()


def _officer(browser, base, username):
    return sign_in(browser, base, username, password=DEMO_PASSWORD)


def _take_ticket(browser, base, code: str) -> str:
    kiosk = _page(browser, 1080)
    kiosk.goto(f"{base}{BASE}/kios")
    kiosk.click(f"button[name=layanan][value={code}]")
    number = kiosk.inner_text("[data-testid=nomor]")
    assert "orang di depan Anda" in kiosk.inner_text("body")
    return number, kiosk


def test_a_bontang_day_from_ticket_to_hand_over(floor, browser):
    base, service = floor
    display = _page(browser, 1920)
    display.goto(f"{base}{BASE}/layar")
    assert "Mall Pelayanan Publik" in display.inner_text("header")
    number, kiosk = _take_ticket(browser, base, "A")
    assert re.fullmatch(r"A-\d{3}", number)
    shot(kiosk, "28-antrean-tiket")
    # The front office opens counter 1 and calls: the display shows the call without a reload.
    desk = _officer(browser, base, f"{OFFICE}.front_office")
    desk.goto(f"{base}/loket?unit={UNIT}&loket=loket-1")
    desk.click("button[value=buka]")
    desk.click("button[value=panggil]")
    assert number in desk.inner_text("[data-testid=nomor]")
    display.locator("#calls .number", has_text=number).wait_for(timeout=10_000)  # pushed, no reload
    assert "Loket 1" in display.inner_text("#calls")
    shot(display, "29-antrean-layar")
    # Served: the intake opens from the ticket and the case is linked to it.
    desk.click("button[value=layani]")
    desk.click("a:has-text('Daftarkan: Pencetakan KTP-el')")
    assert "nomor antrean yang sedang dilayani" in desk.inner_text("main")
    desk.fill("input[name='applicant.nik']", "6474015708900003")
    desk.fill("input[name='applicant.name']", "Siti Rahmawati")
    for box in desk.query_selector_all("input[name=requirements]"):
        box.check()
    shot(desk, "30-antrean-pendaftaran")
    desk.click(SUBMIT)
    desk.wait_for_url(re.compile(r".*/tanda-terima$"))
    case_number = desk.url.split("/kasus/")[1].split("/")[0]
    from engine.store.models import Case, QueueTicket, Task

    with service.store.read() as s:
        case = s.scalar(select(Case).where(Case.number == case_number))
        ticket = s.scalar(select(QueueTicket).where(QueueTicket.label == number, QueueTicket.unit_id == UNIT))
    assert ticket.status == "finished" and ticket.case_id == case.id
    # The back office works the case (through the case engine) up to the hand-over.
    from engine.cases.simulate import Scenario, act_on_open_tasks

    for _ in range(8):
        with service.store.read() as s:
            task = s.scalar(select(Task).where(Task.case_id == case.id, Task.status == "open"))
        if task is None or task.step_id == "pengambilan":
            break
        if task.role == "sistem":
            try:
                service.run_automated(task.id)
            except Exception:  # the server's own orchestrator ran it first
                pass
        else:
            act_on_open_tasks(service, case.id, Scenario("approve"))
    assert task is not None and task.step_id == "pengambilan"
    # The applicant takes a pick-up ticket; the pick-up counter calls it and hands the card over.
    pickup, _kiosk = _take_ticket(browser, base, "B")
    counter = _officer(browser, base, f"{OFFICE}.petugas_pengambilan")
    counter.goto(f"{base}/loket?unit={UNIT}&loket=loket-pengambilan")
    counter.click("button[value=buka]")
    counter.click("button[value=panggil]")
    assert pickup in counter.inner_text("[data-testid=nomor]")
    display.locator("#calls .number", has_text=pickup).wait_for(timeout=10_000)
    counter.click("button[value=layani]")
    counter.goto(f"{base}/tugas/{task.id}")
    assert case_number in counter.inner_text("main") or "Penyerahan" in counter.inner_text("main")
    counter.click(SUBMIT)
    counter.wait_for_load_state()
    counter.goto(f"{base}/loket?unit={UNIT}&loket=loket-pengambilan")
    counter.click("button[value=selesai]")
    shot(counter, "31-antrean-pengambilan")
    with service.store.read() as s:
        assert s.get(Case, case.id).status == "done"
        done = s.scalar(select(QueueTicket).where(QueueTicket.label == pickup, QueueTicket.unit_id == UNIT))
    assert done.status == "finished"


def test_balikpapan_prints_reconciles_and_simulates(floor, browser):
    """Balikpapan's kecamatan: the operator prints a card with one spoiled blank on the task page; the
    administrator SIAK reads both on the stock page, records the return of the spoiled blank with its berita
    acara, sees the floor reconcile, and compares today's staffing with one more operator on the simulation
    page (desktop and phone widths: the charts and the table fit)."""
    from engine.cases.simulate import SAMPLE_APPLICANT
    from engine.store.models import StockBalance, Task

    from .e2e_support import fits

    base, service = floor
    office, unit, standard_id = "disdukcapil-balikpapan", "kec-balikpapan-kota", "balikpapan-cetak-ktp-el"
    standard = service.library.standard(standard_id)
    reqs = [r["id"] for r in standard.requirements("penggantian", "luring", {"alasan": "rusak"})]
    case_id = service.open_case(standard_id, dict(SAMPLE_APPLICANT), variant="penggantian", channel="luring",
                                unit=unit, answers={"alasan": "rusak"}, requirements=reqs,
                                actor=f"{office}.operator_siak")
    for _ in range(6):
        with service.store.read() as s:
            task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
        if task.step_id == "pencetakan":
            break
        service.complete(task.id, f"{office}.{task.role}", outcome="setuju" if task.step_id == "verifikasi" else None,
                         data={})

    def held():
        with service.store.read() as s:
            row = s.scalar(select(StockBalance).where(StockBalance.unit_id == unit))
            return row.on_hand, row.spoiled_held

    before = held()
    operator = _officer(browser, base, f"{office}.operator_siak")
    operator.goto(f"{base}/tugas/{task.id}")
    operator.fill("input[name='data.nomor_seri_blangko']", "KTP-000777")
    operator.fill("input[name='data.blangko_rusak']", "1")
    operator.click(SUBMIT)
    operator.wait_for_load_state()
    assert held() == (before[0] - 2, before[1] + 1)  # the card and the spoiled print, one each

    keeper = _officer(browser, base, f"{office}.administrator_siak")
    keeper.goto(f"{base}/lantai/persediaan")
    row = keeper.inner_text(f"tr[data-unit={unit}]")
    assert str(before[0] - 2) in row and str(before[1] + 1) in row
    ledger = keeper.inner_text("table.stock-ledger")
    assert "dipakai" in ledger and "rusak" in ledger
    form = keeper.locator("form", has=keeper.locator("input[name=aksi][value=kembalikan]"))
    form.locator("select[name=unit]").select_option(unit)
    form.locator("input[name=jumlah]").fill(str(before[1] + 1))
    form.locator("input[name=dokumen]").fill("BA 01/XII/2026 Kec. Balikpapan Kota")
    form.locator("button[type=submit]").click()
    keeper.wait_for_load_state()
    assert "rusak dicatat" in keeper.inner_text("[role=status]")
    assert "BA 01/XII/2026" in keeper.inner_text("table.stock-ledger")
    shot(keeper, "32-persediaan-blanko")
    keeper.goto(f"{base}/lantai")
    assert "SELISIH" not in keeper.inner_text("main") and "sesuai" in keeper.inner_text("main")

    for width, name in ((1366, "33-simulasi-petugas"), (390, None)):
        page = _officer(browser, base, f"{office}.kepala_satpel") if width == 1366 else \
            sign_in(browser, base, f"{office}.kepala_satpel", width=width, password=DEMO_PASSWORD)
        page.goto(f"{base}/lantai/simulasi?standar={standard_id}")
        page.fill("input[name=kedatangan]", "7")
        page.fill("input[name=hari]", "20")
        page.fill("input[name=ulang]", "3")
        page.fill("input[name='jika.operator_siak']", "2")
        page.click("form.simulation-form button[type=submit]")
        page.wait_for_load_state()
        scenarios = page.locator("[data-testid=skenario]")
        assert scenarios.count() == 2
        assert "Sekarang" in scenarios.nth(0).inner_text() and "Bagaimana jika" in scenarios.nth(1).inner_text()
        assert page.locator("figure.chart svg rect.bar.scenario-1").count() >= 2 and fits(page)
        if name:
            shot(page, name)
