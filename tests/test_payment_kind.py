"""The payment step kind, added through the kinds registry alone: the fee assessed stops the clock while
the applicant pays, the payment reference is required, the receipt of payment is issued, the history
verifies, and a refused command changes nothing."""

import shutil
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine.cases.service import CaseService
from engine.cases.simulate import SAMPLE_APPLICANT, users_for
from engine.errors import InvalidInput
from engine.standard.model import load_library
from engine.standard.validate import validate_paths
from engine.store.db import Store
from engine.store.models import Case, Document, Event, Task

from .conftest import ROOT

OFFICE = "disdukcapil-kaltim"
HERE = ROOT / "tests" / "data" / "payment"
WITA = timezone.utc  # moments below are given in UTC


@pytest.fixture
def paying(tmp_path, database_url):
    folder = tmp_path / "library"
    shutil.copytree(ROOT / "standards" / "offices", folder / "offices")
    shutil.copy(HERE / "uji-retribusi.yaml", folder)
    service = CaseService(Store(database_url), load_library(folder))
    service.directory.sync_offices()
    users_for(service)
    yield service, folder
    service.store.dispose()


def _open(service, step):
    with service.store.read() as s:
        return s.scalar(select(Task).where(Task.step_id == step, Task.status == "open"))


def _case(service, case_id):
    with service.store.read() as s:
        return s.get(Case, case_id)


def test_the_standard_with_a_payment_step_is_valid(paying):
    _, folder = paying
    result = validate_paths([folder])
    assert not [d for d in result.diagnostics if d.severity == "error"], result.diagnostics


def test_the_fee_assessed_stops_the_clock_until_paid_and_a_receipt_is_issued(paying):
    service, _ = paying
    monday = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)  # Mon 7 Dec 2026, 09.00 WITA
    case_id = service.open_case("uji-retribusi", dict(SAMPLE_APPLICANT), requirements=["surat_permohonan"],
                                actor=f"{OFFICE}.petugas_layanan", at=monday)
    due_before = _case(service, case_id).due_at
    payment = _open(service, "pembayaran")
    cashier = f"{OFFICE}.petugas_layanan"
    service.complete(payment.id, cashier, outcome="ditetapkan", data={"jumlah": 50000},
                     at=datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc))
    waiting = _case(service, case_id)
    assert waiting.status == "waiting_applicant" and waiting.clock_paused_at is not None
    again = _open(service, "pembayaran")
    assert again is not None and again.id != payment.id  # the same step waits for the payment

    # Paid two working days later; without a reference the officer is refused and nothing changes.
    wednesday = datetime(2026, 12, 9, 2, 0, tzinfo=timezone.utc)
    with pytest.raises(InvalidInput, match="referensi pembayaran"):
        service.complete(again.id, cashier, outcome="lunas", data={"jumlah": 50000}, at=wednesday)
    assert _case(service, case_id).status == "waiting_applicant" and _open(service, "pembayaran").id == again.id
    service.complete(again.id, cashier, outcome="lunas", data={"jumlah": 50000, "referensi": "NTPN-0123456789"},
                     at=wednesday)
    paid = _case(service, case_id)
    assert paid.status == "open" and paid.clock_paused_at is None
    assert paid.due_at > due_before  # moved on by the working days the applicant took to pay
    assert _open(service, "pengolahan") is not None
    with service.store.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))]
        receipt = s.scalar(select(Document).where(Document.case_id == case_id,
                                                  Document.product_id == "bukti_pembayaran"))
    assert "fee_assessed" in kinds and "payment_received" in kinds and "clock_paused" in kinds
    assert "NTPN-0123456789" in receipt.content and "50.000" in receipt.content, receipt.content[-1500:]
    assert "TANDA BUKTI PEMBAYARAN" in receipt.content.upper()

    from engine.audit.verify import verify

    assert verify(service.store).ok


def test_the_simulator_assesses_then_pays_and_the_case_closes(paying):
    from engine.cases.simulate import Scenario, act_on_open_tasks

    service, _ = paying
    at = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
    case_id = service.open_case("uji-retribusi", dict(SAMPLE_APPLICANT), requirements=["surat_permohonan"],
                                actor=f"{OFFICE}.petugas_layanan", at=at)
    scenario = Scenario("approve")
    for _ in range(8):
        act_on_open_tasks(service, case_id, scenario, at=at)
        with service.store.read() as s:
            automated = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open",
                                                     Task.role == "sistem")).all()
        for task in automated:
            service.run_automated(task.id, at=at)
    assert _case(service, case_id).status == "done"
    with service.store.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.case_id == case_id))]
    assert kinds.count("fee_assessed") == 1 and kinds.count("payment_received") == 1


def test_the_task_page_shows_the_kinds_own_fields_and_outcomes(paying, tmp_path, monkeypatch):
    import re

    from starlette.testclient import TestClient

    from engine.access.passwords import hash_password

    from .conftest import post_sign_in, web_app

    service, _ = paying
    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    cashier = f"{OFFICE}.petugas_layanan"
    service.directory.set_password(cashier, hash_password("kata-sandi-uji-2026"))
    case_id = service.open_case("uji-retribusi", dict(SAMPLE_APPLICANT), requirements=["surat_permohonan"],
                                actor=cashier)
    task = _open(service, "pembayaran")
    client = TestClient(web_app(service))
    assert post_sign_in(client, cashier, "kata-sandi-uji-2026", follow_redirects=False).status_code == 303
    client.post(f"/tugas/{task.id}/ambil", data={"csrf": re.search(r'name="csrf" value="([^"]+)"',
                                                                    client.get("/kerja").text).group(1)})
    page = client.get(f"/tugas/{task.id}")
    assert page.status_code == 200
    for text in ("Jumlah biaya (Rp)", "Nomor referensi pembayaran", "Biaya ditetapkan; menunggu pembayaran",
                 "Pembayaran diterima", "Simpan pembayaran", "jam layanan berhenti"):
        assert text in page.text, text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = client.post(f"/tugas/{task.id}", data={"csrf": csrf, "outcome": "ditetapkan", "data.jumlah": "50000"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text[:500]
    assert _case(service, case_id).status == "waiting_applicant"


def test_waiting_for_the_payment_is_not_counted_as_a_return(paying):
    from datetime import date

    from engine.reports.report import build

    service, _ = paying
    at = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
    service.open_case("uji-retribusi", dict(SAMPLE_APPLICANT), requirements=["surat_permohonan"],
                      actor=f"{OFFICE}.petugas_layanan", at=at)
    payment = _open(service, "pembayaran")
    service.complete(payment.id, f"{OFFICE}.petugas_layanan", outcome="ditetapkan", data={"jumlah": 50000}, at=at)
    report = build(service.store, OFFICE, date(2026, 12, 1), date(2026, 12, 31), at=at)
    group = next(g for g in report["groups"] if g["standard"] == "uji-retribusi")
    assert group["returns"] == []
